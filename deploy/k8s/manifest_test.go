package k8s

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/siemship/siemship/internal/config"
)

// overlays are the deployable kustomizations; every check runs on each of them.
var overlays = []string{"overlays/example", "overlays/example-prometheus"}

// goRuntimeVars are environment variables for the Go runtime rather than siemship's configuration.
var goRuntimeVars = map[string]bool{"GOMEMLIMIT": true, "GOMAXPROCS": true, "GOGC": true}

// kustomization is the subset of kustomize's Kustomization and Component that these manifests use; decoding it
// strictly catches misspelt fields, which kustomize would reject.
type kustomization struct {
	APIVersion         string      `json:"apiVersion"`
	Kind               string      `json:"kind"`
	Namespace          string      `json:"namespace,omitempty"`
	Resources          []string    `json:"resources,omitempty"`
	Components         []string    `json:"components,omitempty"`
	ConfigMapGenerator []generator `json:"configMapGenerator,omitempty"`
	Images             []image     `json:"images,omitempty"`
}

type generator struct {
	Name     string   `json:"name"`
	Behavior string   `json:"behavior,omitempty"`
	Envs     []string `json:"envs"`
}

type image struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
}

// serviceMonitor is the part of the Prometheus Operator's CRD that is used, decoded strictly (its Go types are not
// a dependency of this module).
type serviceMonitor struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval,omitempty"`
			ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// objects are the decoded manifests of one kustomization.
type objects struct {
	deployments     []*appsv1.Deployment
	services        []*corev1.Service
	pdbs            []*policyv1.PodDisruptionBudget
	configMaps      []*corev1.ConfigMap
	secrets         []*corev1.Secret
	serviceAccounts []*corev1.ServiceAccount
	namespaces      []*corev1.Namespace
	serviceMonitors []*serviceMonitor
	names           []string // kind/name of everything, for messages
	namespace       string   // the kustomization's namespace ("" in the base)
	rendered        bool     // kustomize's output: every namespaced object must carry namespace
	image           *image
}

// splitDocs splits a multi-document YAML stream.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimRight(sc.Text(), " ") == "---" {
			docs = append(docs, bytes.Clone(cur.Bytes()))
			cur.Reset()
			continue
		}
		cur.Write(sc.Bytes())
		cur.WriteByte('\n')
	}
	docs = append(docs, cur.Bytes())
	return slices.DeleteFunc(docs, func(d []byte) bool { return len(bytes.TrimSpace(stripComments(d))) == 0 })
}

func stripComments(d []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(d, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(append(out, l...), '\n')
		}
	}
	return out
}

// decode adds the manifests of a file (or of kubectl kustomize's output) to o, decoding each strictly with the
// Kubernetes API type of its kind.
func (o *objects) decode(t *testing.T, where string, data []byte) {
	t.Helper()
	for i, doc := range splitDocs(data) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			t.Fatalf("%s #%d: %v", where, i+1, err)
		}
		strict := func(into any) {
			t.Helper()
			if err := yaml.UnmarshalStrict(doc, into); err != nil {
				t.Errorf("%s #%d (%s %s): %v", where, i+1, tm.APIVersion, tm.Kind, err)
			}
		}
		var meta metav1.ObjectMeta
		switch tm.APIVersion + " " + tm.Kind {
		case "apps/v1 Deployment":
			v := new(appsv1.Deployment)
			strict(v)
			o.deployments, meta = append(o.deployments, v), v.ObjectMeta
		case "v1 Service":
			v := new(corev1.Service)
			strict(v)
			o.services, meta = append(o.services, v), v.ObjectMeta
		case "policy/v1 PodDisruptionBudget":
			v := new(policyv1.PodDisruptionBudget)
			strict(v)
			o.pdbs, meta = append(o.pdbs, v), v.ObjectMeta
		case "v1 ConfigMap":
			v := new(corev1.ConfigMap)
			strict(v)
			o.configMaps, meta = append(o.configMaps, v), v.ObjectMeta
		case "v1 Secret":
			v := new(corev1.Secret)
			strict(v)
			o.secrets, meta = append(o.secrets, v), v.ObjectMeta
		case "v1 ServiceAccount":
			v := new(corev1.ServiceAccount)
			strict(v)
			o.serviceAccounts, meta = append(o.serviceAccounts, v), v.ObjectMeta
		case "v1 Namespace":
			v := new(corev1.Namespace)
			strict(v)
			o.namespaces, meta = append(o.namespaces, v), v.ObjectMeta
		case "monitoring.coreos.com/v1 ServiceMonitor":
			v := new(serviceMonitor)
			strict(v)
			o.serviceMonitors, meta = append(o.serviceMonitors, v), v.Metadata
		default:
			t.Errorf("%s #%d: unexpected %q %q", where, i+1, tm.APIVersion, tm.Kind)
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(meta.Name) {
			t.Errorf("%s: %s name %q: %s", where, tm.Kind, meta.Name, msg)
		}
		for k, v := range meta.Labels {
			for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
				t.Errorf("%s: label %s=%s: %s", where, k, v, msg)
			}
		}
		if o.namespace != "" && tm.Kind != "Namespace" && (meta.Namespace != "" || o.rendered) && meta.Namespace != o.namespace {
			t.Errorf("%s: %s %s in namespace %q, want %q", where, tm.Kind, meta.Name, meta.Namespace, o.namespace)
		}
		o.names = append(o.names, tm.Kind+"/"+meta.Name)
	}
}

// readEnvFile reads a kustomize env file: KEY=value lines, # comments.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			t.Errorf("%s:%d: not KEY=value: %q", path, i+1, line)
			continue
		}
		if _, dup := out[k]; dup {
			t.Errorf("%s:%d: %s set twice", path, i+1, k)
		}
		out[k] = v
	}
	return out
}

// load builds the objects of a kustomization directory the way kustomize would for what these files use:
// resources (files and directories), components, configMapGenerator with behavior merge, namespace and images.
// It also checks that the kustomization lists every manifest and env file of its directory.
func load(t *testing.T, dir string, top bool, o *objects, cms map[string]map[string]string) {
	t.Helper()
	var k kustomization
	kpath := filepath.Join(dir, "kustomization.yaml")
	b, err := os.ReadFile(kpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatalf("%s: %v", kpath, err)
	}
	switch k.APIVersion + " " + k.Kind {
	case "kustomize.config.k8s.io/v1beta1 Kustomization", "kustomize.config.k8s.io/v1alpha1 Component":
	default:
		t.Fatalf("%s: unexpected %s %s", kpath, k.APIVersion, k.Kind)
	}
	if top {
		// kustomize sets a kustomization's namespace on what it and its components add, so an overlay that adds
		// anything (a component) must set it itself.
		if k.Namespace == "" {
			t.Errorf("%s sets no namespace: what it adds would land in the default namespace", kpath)
		}
		o.namespace = k.Namespace
	}
	if len(k.Images) > 0 && o.image == nil {
		o.image = &k.Images[0]
	}

	listed := map[string]bool{}
	for _, r := range append(slices.Clone(k.Resources), k.Components...) {
		p := filepath.Join(dir, r)
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s lists %s: %v", kpath, r, err)
			continue
		}
		listed[filepath.Clean(p)] = true
		if fi.IsDir() {
			load(t, p, false, o, cms)
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		o.decode(t, p, data)
	}
	for _, g := range k.ConfigMapGenerator {
		merged := map[string]string{}
		switch g.Behavior {
		case "", "create":
			if _, ok := cms[g.Name]; ok {
				t.Errorf("%s: ConfigMap %s created twice", kpath, g.Name)
			}
		case "merge":
			if _, ok := cms[g.Name]; !ok {
				t.Errorf("%s: merges into ConfigMap %s, which no resource creates", kpath, g.Name)
			}
			merged = cms[g.Name]
		default:
			t.Errorf("%s: ConfigMap %s behavior %q", kpath, g.Name, g.Behavior)
		}
		for _, e := range g.Envs {
			p := filepath.Join(dir, e)
			listed[filepath.Clean(p)] = true
			for key, v := range readEnvFile(t, p) {
				merged[key] = v
			}
		}
		cms[g.Name] = merged
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p := filepath.Clean(filepath.Join(dir, e.Name()))
		ext := filepath.Ext(e.Name())
		if e.IsDir() || e.Name() == "kustomization.yaml" || (ext != ".yaml" && ext != ".yml" && ext != ".env") {
			continue
		}
		if !listed[p] {
			t.Errorf("%s does not list %s: kustomize would silently leave it out", kpath, e.Name())
		}
	}
}

// loadOverlay returns the objects of an overlay as built from the files, with the generated ConfigMaps.
func loadOverlay(t *testing.T, dir string) *objects {
	t.Helper()
	o := &objects{}
	cms := map[string]map[string]string{}
	load(t, dir, true, o, cms)
	names := make([]string, 0, len(cms))
	for n := range cms {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o.configMaps = append(o.configMaps, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n}, Data: cms[n]})
	}
	return o
}

func one[T any](t *testing.T, kind string, list []*T) *T {
	t.Helper()
	if len(list) != 1 {
		t.Fatalf("want exactly one %s, have %d", kind, len(list))
	}
	return list[0]
}

// matches reports whether a label selector selects the labels.
func matches(t *testing.T, sel *metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		return false // an empty selector selects everything in the namespace: never what is meant here
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("selector %v: %v", sel, err)
		return false
	}
	return s.Matches(labels.Set(l))
}

// containerPort resolves a probe's or Service's port (number or name) to the container's port.
func containerPort(c *corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

func envDuration(t *testing.T, env map[string]string, name string, def time.Duration) time.Duration {
	t.Helper()
	v, ok := env[name]
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// check runs every cross-reference check on the objects of one overlay.
func check(t *testing.T, o *objects) {
	dep := one(t, "Deployment", o.deployments)
	svc := one(t, "Service", o.services)
	pdb := one(t, "PodDisruptionBudget", o.pdbs)
	cm := one(t, "ConfigMap", o.configMaps)
	sa := one(t, "ServiceAccount", o.serviceAccounts)
	pod := &dep.Spec.Template.Spec
	podLabels := dep.Spec.Template.Labels
	if len(pod.Containers) != 1 || len(pod.InitContainers) > 0 {
		t.Fatalf("want one container, have %d (+%d init)", len(pod.Containers), len(pod.InitContainers))
	}
	ctr := &pod.Containers[0]

	// Replicas and selectors.
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 2 {
		t.Errorf("Deployment replicas %v, want 2", dep.Spec.Replicas)
	}
	if !matches(t, dep.Spec.Selector, podLabels) {
		t.Errorf("Deployment selector %v does not select its pod labels %v", dep.Spec.Selector, podLabels)
	}
	if !matches(t, pdb.Spec.Selector, podLabels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the pods %v", pdb.Spec.Selector, podLabels)
	}
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
		t.Errorf("PodDisruptionBudget maxUnavailable %v minAvailable %v, want maxUnavailable 1", pdb.Spec.MaxUnavailable, pdb.Spec.MinAvailable)
	}
	if !matches(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, podLabels) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, podLabels)
	}
	ru := dep.Spec.Strategy.RollingUpdate
	if dep.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("Deployment strategy %+v: want RollingUpdate with maxUnavailable 0 (a new consumer joins before an old one leaves)", dep.Spec.Strategy)
	}
	spread := false
	for _, tsc := range pod.TopologySpreadConstraints {
		spread = spread || (tsc.TopologyKey == "kubernetes.io/hostname" && matches(t, tsc.LabelSelector, podLabels))
	}
	if !spread && (pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil) {
		t.Error("pods are not spread across nodes (topologySpreadConstraints on kubernetes.io/hostname or podAntiAffinity)")
	}
	if pod.ServiceAccountName != sa.Name || pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("serviceAccountName %q (want %q) and automountServiceAccountToken %v (want false)", pod.ServiceAccountName, sa.Name, pod.AutomountServiceAccountToken)
	}

	// Security.
	psc, csc := pod.SecurityContext, ctr.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want runAsNonRoot and a non-zero runAsUser", psc)
	}
	if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
		csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(csc.Capabilities.Add) > 0 ||
		(csc.Privileged != nil && *csc.Privileged) {
		t.Errorf("container securityContext %+v: want readOnlyRootFilesystem, no privilege escalation, drop ALL", csc)
	}

	// Environment: names siemship accepts, the secret only as a file, the consumer name from the pod name.
	known := map[string]bool{}
	for _, v := range config.Reference() {
		known[v.Name] = true
	}
	env := map[string]string{}
	for k, v := range cm.Data {
		env[k] = v
	}
	if len(ctr.EnvFrom) != 1 || ctr.EnvFrom[0].ConfigMapRef == nil || ctr.EnvFrom[0].ConfigMapRef.Name != cm.Name || ctr.EnvFrom[0].Prefix != "" {
		t.Errorf("envFrom %+v: want the ConfigMap %s", ctr.EnvFrom, cm.Name)
	}
	var consumerFromPod bool
	for _, e := range ctr.Env {
		if _, dup := cm.Data[e.Name]; dup {
			t.Errorf("%s is set both in the ConfigMap and in the container's env (env wins, hiding the ConfigMap's value)", e.Name)
		}
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil:
			consumerFromPod = consumerFromPod || (e.Name == "SLS_CONSUMER_NAME" && e.ValueFrom.FieldRef.FieldPath == "metadata.name")
		case e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if _, ok := cm.Data[ref.Key]; ref.Name != cm.Name || !ok {
				t.Errorf("env %s refers to ConfigMap %s key %s, which does not exist", e.Name, ref.Name, ref.Key)
			}
		case e.ValueFrom != nil:
			t.Errorf("env %s: unexpected valueFrom %+v", e.Name, e.ValueFrom)
		default:
			env[e.Name] = e.Value
		}
	}
	if !consumerFromPod {
		t.Error("SLS_CONSUMER_NAME does not come from the pod name (fieldRef metadata.name): consumer names must be unique per pod")
	}
	names := slices.Collect(func(yield func(string) bool) {
		for k := range cm.Data {
			if !yield(k) {
				return
			}
		}
		for _, e := range ctr.Env {
			if !yield(e.Name) {
				return
			}
		}
	})
	for _, n := range names {
		if !known[n] && !goRuntimeVars[n] {
			t.Errorf("variable %s is not one siemship accepts (siemship help-env)", n)
		}
	}
	for _, secret := range []string{"SLS_AK_KEY", "SLS_SECURITY_TOKEN"} {
		if slices.Contains(names, secret) {
			t.Errorf("%s is set in plain text; mount it from a Secret and use %s_FILE", secret, secret)
		}
	}

	// The AccessKey secret: a Secret volume whose key exists, mounted where SLS_AK_KEY_FILE points.
	keyFile := env["SLS_AK_KEY_FILE"]
	var secretKey string
	for _, vm := range ctr.VolumeMounts {
		var vol *corev1.Volume
		for i := range pod.Volumes {
			if pod.Volumes[i].Name == vm.Name {
				vol = &pod.Volumes[i]
			}
		}
		if vol == nil {
			t.Errorf("volumeMount %s has no volume", vm.Name)
			continue
		}
		if vol.Secret == nil {
			continue
		}
		if !vm.ReadOnly {
			t.Errorf("secret volume %s is mounted writable", vm.Name)
		}
		for _, it := range vol.Secret.Items {
			if filepath.Join(vm.MountPath, it.Path) == keyFile {
				secretKey = it.Key
				if len(o.secrets) > 0 || o.namespace != "" {
					s := one(t, "Secret", o.secrets)
					_, inData := s.Data[it.Key]
					_, inString := s.StringData[it.Key]
					if s.Name != vol.Secret.SecretName || (!inData && !inString) {
						t.Errorf("volume %s wants key %s of Secret %s; the example Secret %s has keys %v %v", vm.Name, it.Key,
							vol.Secret.SecretName, s.Name, keysOf(s.StringData), keysOf(s.Data))
					}
				}
			}
		}
		if m := vol.Secret.DefaultMode; m == nil || *m&0o007 != 0 {
			t.Errorf("secret volume %s mode %v: not world-readable, please", vm.Name, m)
		}
	}
	if keyFile == "" || secretKey == "" {
		t.Errorf("SLS_AK_KEY_FILE=%q is not a file of a mounted Secret", keyFile)
	}

	// HTTP endpoint, probes and metrics Service on one port.
	if len(ctr.Ports) != 1 {
		t.Fatalf("container ports %+v, want the one HTTP port", ctr.Ports)
	}
	port := ctr.Ports[0].ContainerPort
	if env["SIEMSHIP_HTTP_ADDR"] != fmt.Sprintf(":%d", port) || port != 9090 {
		t.Errorf("SIEMSHIP_HTTP_ADDR=%q, container port %d: want :9090 on both", env["SIEMSHIP_HTTP_ADDR"], port)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", ctr.LivenessProbe, "/healthz"}, {"readiness", ctr.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe %+v: want httpGet %s", p.name, p.probe, p.path)
			continue
		}
		if got, ok := containerPort(ctr, p.probe.HTTPGet.Port); !ok || got != port || p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe GET %s on port %s (= %d): want %s on %d", p.name, p.probe.HTTPGet.Path, p.probe.HTTPGet.Port.String(), got, p.path, port)
		}
	}
	if len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service ports %+v", svc.Spec.Ports)
	}
	sp := svc.Spec.Ports[0]
	if got, ok := containerPort(ctr, sp.TargetPort); !ok || got != port {
		t.Errorf("Service targetPort %s does not reach the container port %d", sp.TargetPort.String(), port)
	}
	for _, sm := range o.serviceMonitors {
		if !matches(t, &sm.Spec.Selector, svc.Labels) {
			t.Errorf("ServiceMonitor selector %v does not select the Service's labels %v", sm.Spec.Selector, svc.Labels)
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != sp.Name || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v: want port %s path /metrics", sm.Spec.Endpoints, sp.Name)
		}
	}

	// Resources: a memory limit above the request and above GOMEMLIMIT and SIEMSHIP_MEMORY_LIMIT.
	lim, req := ctr.Resources.Limits[corev1.ResourceMemory], ctr.Resources.Requests[corev1.ResourceMemory]
	if lim.IsZero() || req.IsZero() || req.Cmp(lim) > 0 || ctr.Resources.Requests.Cpu().IsZero() {
		t.Errorf("resources %+v: want cpu and memory requests and a memory limit at or above the request", ctr.Resources)
	}
	for _, name := range []string{"GOMEMLIMIT", "SIEMSHIP_MEMORY_LIMIT"} {
		if v, ok := env[name]; ok {
			q, err := resource.ParseQuantity(strings.TrimSuffix(v, "B"))
			if err != nil || q.Cmp(lim) >= 0 {
				t.Errorf("%s=%s (%v) must be below the memory limit %s", name, v, err, lim.String())
			}
		}
	}

	// Shutdown: grace period > SIEMSHIP_SHUTDOWN_TIMEOUT < SLS_HEARTBEAT_TIMEOUT.
	shutdown := envDuration(t, env, "SIEMSHIP_SHUTDOWN_TIMEOUT", 20*time.Second)
	interval := envDuration(t, env, "SLS_HEARTBEAT_INTERVAL", 20*time.Second)
	hbTimeout := envDuration(t, env, "SLS_HEARTBEAT_TIMEOUT", 3*interval)
	if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= shutdown {
		t.Errorf("terminationGracePeriodSeconds %s must exceed SIEMSHIP_SHUTDOWN_TIMEOUT=%s", fmtInt64(g), shutdown)
	}
	if shutdown >= hbTimeout {
		t.Errorf("SIEMSHIP_SHUTDOWN_TIMEOUT=%s must be below SLS_HEARTBEAT_TIMEOUT=%s", shutdown, hbTimeout)
	}

	// The overlay's configuration is one siemship accepts, as the pod would see it.
	if o.namespace != "" {
		dir := t.TempDir()
		secretFile := filepath.Join(dir, "ak-key")
		s := one(t, "Secret", o.secrets)
		val := s.StringData[secretKey]
		if val == "" {
			val = string(s.Data[secretKey])
		}
		if err := os.WriteFile(secretFile, []byte(val), 0o600); err != nil {
			t.Fatal(err)
		}
		environ := []string{"SLS_CONSUMER_NAME=siemship-7d9c6b5f4-x2x7q"}
		for k, v := range env {
			if k == "SLS_AK_KEY_FILE" {
				v = secretFile
			}
			environ = append(environ, k+"="+v)
		}
		sort.Strings(environ)
		if _, err := config.Load(environ); err != nil {
			t.Errorf("siemship rejects the configuration:\n%v\nenvironment: %q", err, environ)
		}
		if o.image == nil || o.image.Name != ctr.Image || o.image.NewTag == "" {
			t.Errorf("the overlay's images %+v do not set the tag of the container image %q", o.image, ctr.Image)
		}
	}
}

func fmtInt64(p *int64) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestManifests checks every overlay as built from the files.
func TestManifests(t *testing.T) {
	for _, dir := range overlays {
		t.Run(dir, func(t *testing.T) {
			o := loadOverlay(t, dir)
			check(t, o)
			if strings.HasSuffix(dir, "-prometheus") != (len(o.serviceMonitors) == 1) {
				t.Errorf("ServiceMonitors %d: only the -prometheus overlay has one", len(o.serviceMonitors))
			}
		})
	}
}

// TestEveryFileDecodes decodes every YAML manifest under deploy/k8s strictly, listed or not.
func TestEveryFileDecodes(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" || d.Name() == "kustomization.yaml" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		o := &objects{}
		o.decode(t, p, b)
		if len(o.names) == 0 {
			t.Errorf("%s holds no manifest", p)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no manifests found")
	}
}

// TestKustomizeBuild renders the overlays with kubectl's kustomize, when kubectl is installed, and runs the same
// checks on its output: what is applied, with generated names, namespace and image.
func TestKustomizeBuild(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: the overlays are only checked as files (TestManifests)")
	}
	for _, dir := range overlays {
		t.Run(dir, func(t *testing.T) {
			out, err := exec.Command(kubectl, "kustomize", dir).Output()
			if err != nil {
				var stderr []byte
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = ee.Stderr
				}
				t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr)
			}
			files := loadOverlay(t, dir)
			o := &objects{namespace: files.namespace, image: files.image, rendered: true}
			o.decode(t, "kubectl kustomize "+dir, out)
			ctr := one(t, "Deployment", o.deployments).Spec.Template.Spec.Containers[0]
			if want := files.image.NewName + ":" + files.image.NewTag; ctr.Image != want {
				t.Errorf("rendered image %q, want %q", ctr.Image, want)
			}
			o.image = &image{Name: ctr.Image, NewTag: files.image.NewTag}
			cm := one(t, "ConfigMap", o.configMaps)
			if !strings.HasPrefix(cm.Name, "siemship-config-") {
				t.Errorf("generated ConfigMap %q has no content hash suffix", cm.Name)
			}
			if fmt.Sprint(cm.Data) != fmt.Sprint(one(t, "ConfigMap", files.configMaps).Data) {
				t.Errorf("kustomize's ConfigMap %v differs from the files' %v", cm.Data, files.configMaps[0].Data)
			}
			check(t, o)
		})
	}
}
