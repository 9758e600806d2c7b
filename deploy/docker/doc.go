// Package docker holds no code: its tests check the container image's build (the Dockerfile at the repository root
// and scripts/build.sh) and the compose demo stacks in this directory (syslog, Splunk HEC) against the code they
// deploy.
package docker
