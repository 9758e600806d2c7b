// Package k8s holds no code: its tests decode the Kubernetes manifests in this directory (kustomize base, example
// overlays, ServiceMonitor component) strictly with the Kubernetes API types and check their cross-references
// against each other and against the configuration siemship accepts.
package k8s
