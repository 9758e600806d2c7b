package k8s

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
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
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/siemship/siemship/internal/config"
)

// overlays are the deployable kustomizations; every check runs on each of them. output is the SIEMSHIP_OUTPUT its
// configuration must have, prometheus whether it adds a ServiceMonitor.
var overlays = []struct {
	dir        string
	output     string
	prometheus bool
}{
	{"overlays/example", config.DestinationSyslog, false},
	{"overlays/example-prometheus", config.DestinationSyslog, true},
	{"overlays/example-hec", config.DestinationHEC, false},
}

// podName stands for the pod's name (metadata.name) wherever the checks need a value for it.
const podName = "siemship-7d9c6b5f4-x2x7q"

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
	Patches            []patch     `json:"patches,omitempty"`
	Images             []image     `json:"images,omitempty"`
}

// patch is a strategic merge patch in a file, which names its target itself (no target selector).
type patch struct {
	Path string `json:"path"`
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
	pvcs            []*corev1.PersistentVolumeClaim
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
		case "v1 PersistentVolumeClaim":
			v := new(corev1.PersistentVolumeClaim)
			strict(v)
			o.pvcs, meta = append(o.pvcs, v), v.ObjectMeta
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
// resources (files and directories), components, configMapGenerator with behavior merge, patches of a Deployment,
// namespace and images.
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
	for _, pt := range k.Patches {
		p := filepath.Join(dir, pt.Path)
		listed[filepath.Clean(p)] = true
		applyPatch(t, p, o)
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

// mergeKeys are the merge keys of the lists a patch may hold. kustomize merges some other lists by a key and replaces
// others whole; a patch holding one fails the test instead of being guessed at.
var mergeKeys = map[string]string{"containers": "name", "env": "name", "volumeMounts": "mountPath", "volumes": "name"}

// applyPatch applies a strategic merge patch to the Deployment it names, as kustomize does: maps merged key by key,
// the lists of mergeKeys merged by their key, with the patch's entries first and then the target's others.
// TestKustomizeBuild compares the result with kustomize's.
func applyPatch(t *testing.T, path string, o *objects) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pd appsv1.Deployment
	if err := yaml.UnmarshalStrict(b, &pd); err != nil || pd.APIVersion+" "+pd.Kind != "apps/v1 Deployment" {
		t.Fatalf("%s: %v %s %s: this test applies strategic merge patches of a Deployment only", path, err, pd.APIVersion, pd.Kind)
	}
	var patch map[string]any
	if err := yaml.Unmarshal(b, &patch); err != nil {
		t.Fatal(err)
	}
	for i, d := range o.deployments {
		if d.Name != pd.Name {
			continue
		}
		j, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var target map[string]any
		if err := json.Unmarshal(j, &target); err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(mergePatch(t, path, "", target, patch))
		if err != nil {
			t.Fatal(err)
		}
		nd := new(appsv1.Deployment)
		if err := yaml.UnmarshalStrict(out, nd); err != nil {
			t.Fatalf("%s: the patched Deployment: %v", path, err)
		}
		o.deployments[i] = nd
		return
	}
	t.Errorf("%s patches Deployment %s, which no resource creates", path, pd.Name)
}

// mergePatch merges the patch's value at key (a path such as spec.template.spec.containers[].env) into target's.
func mergePatch(t *testing.T, path, key string, target, patch any) any {
	t.Helper()
	switch p := patch.(type) {
	case nil:
		t.Errorf("%s: %s: null (a deletion) is not supported by this test", path, key)
		return target
	case map[string]any:
		tm, _ := target.(map[string]any)
		out := maps.Clone(tm)
		if out == nil {
			out = map[string]any{}
		}
		for k, v := range p {
			if strings.HasPrefix(k, "$") {
				t.Errorf("%s: %s.%s: patch directives are not supported by this test", path, key, k)
				continue
			}
			out[k] = mergePatch(t, path, strings.TrimPrefix(key+"."+k, "."), tm[k], v)
		}
		return out
	case []any:
		if target == nil {
			return patch // nothing to merge with
		}
		mk, ok := mergeKeys[key[strings.LastIndexByte(key, '.')+1:]]
		if !ok {
			t.Errorf("%s: %s: a list this test does not know how kustomize merges", path, key)
			return patch
		}
		tl, _ := target.([]any)
		used := map[int]bool{}
		var out []any
		for _, pe := range p {
			id, _ := pe.(map[string]any)[mk].(string)
			if id == "" {
				t.Errorf("%s: %s: an entry without its merge key %s", path, key, mk)
			}
			var match any
			for i, te := range tl {
				if tm, _ := te.(map[string]any); tm[mk] == id && !used[i] {
					match, used[i] = te, true
					break
				}
			}
			out = append(out, mergePatch(t, path, key+"[]", match, pe))
		}
		for i, te := range tl {
			if !used[i] {
				out = append(out, te)
			}
		}
		return out
	default:
		return patch
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

// check runs every cross-reference check on the objects of one overlay and returns the configuration siemship
// loads from it (nil for the base, or when it does not load).
func check(t *testing.T, o *objects) *config.Config {
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

	// Environment: names siemship accepts, secrets only as files, the consumer name from the pod name.
	known, secretVars, groupOf := map[string]bool{}, map[string]bool{}, map[string]string{}
	for _, v := range config.Reference() {
		known[v.Name] = true
		groupOf[v.Name] = v.Group
		secretVars[v.Name] = v.Secret
	}
	env := map[string]string{}
	for k, v := range cm.Data {
		env[k] = v
	}
	if len(ctr.EnvFrom) != 1 || ctr.EnvFrom[0].ConfigMapRef == nil || ctr.EnvFrom[0].ConfigMapRef.Name != cm.Name || ctr.EnvFrom[0].Prefix != "" {
		t.Errorf("envFrom %+v: want the ConfigMap %s", ctr.EnvFrom, cm.Name)
	}
	// What $(VAR) in a value can refer to, as the kubelet expands it: envFrom's variables and those defined before it.
	defined := maps.Clone(cm.Data)
	var consumerFromPod bool
	for _, e := range ctr.Env {
		if _, dup := cm.Data[e.Name]; dup {
			t.Errorf("%s is set both in the ConfigMap and in the container's env (env wins, hiding the ConfigMap's value)", e.Name)
		}
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil:
			consumerFromPod = consumerFromPod || (e.Name == "SLS_CONSUMER_NAME" && e.ValueFrom.FieldRef.FieldPath == "metadata.name")
			if e.ValueFrom.FieldRef.FieldPath == "metadata.name" {
				defined[e.Name] = podName
			}
		case e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if _, ok := cm.Data[ref.Key]; ref.Name != cm.Name || !ok {
				t.Errorf("env %s refers to ConfigMap %s key %s, which does not exist", e.Name, ref.Name, ref.Key)
			}
			defined[e.Name] = cm.Data[ref.Key]
		case e.ValueFrom != nil:
			t.Errorf("env %s: unexpected valueFrom %+v", e.Name, e.ValueFrom)
		default:
			v, undefined := expand(e.Value, defined)
			for _, u := range undefined {
				t.Errorf("env %s=%q refers to $(%s), which is not defined before it: the kubelet would leave it as it is", e.Name, e.Value, u)
			}
			env[e.Name], defined[e.Name] = v, v
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
	hec := strings.EqualFold(env["SIEMSHIP_OUTPUT"], config.DestinationHEC)
	for _, n := range names {
		switch {
		case !known[n] && !goRuntimeVars[n]:
			t.Errorf("variable %s is not one siemship accepts (siemship help-env)", n)
		case secretVars[n]:
			t.Errorf("%s is set in plain text; mount it from a Secret and use %s_FILE", n, n)
		case hec && (groupOf[n] == groupOf["SYSLOG_HOST"] || n == "SIEMSHIP_FORMAT"):
			t.Errorf("%s is set, but SIEMSHIP_OUTPUT=hec does not use it", n)
		case !hec && groupOf[n] == groupOf["HEC_URL"]:
			t.Errorf("%s is set, but only SIEMSHIP_OUTPUT=hec uses it", n)
		}
	}

	// Volumes: the secrets' files, and where siemship may write.
	mounted := map[string]secretFile{}      // file in the container -> Secret and key
	writable := map[string]*corev1.Volume{} // mountPath -> writable volume other than a Secret
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
			if !vm.ReadOnly && vm.SubPath == "" && vm.SubPathExpr == "" {
				writable[vm.MountPath] = vol
			}
			continue
		}
		if !vm.ReadOnly {
			t.Errorf("secret volume %s is mounted writable", vm.Name)
		}
		for _, it := range vol.Secret.Items {
			mounted[filepath.Join(vm.MountPath, it.Path)] = secretFile{vol.Secret.SecretName, it.Key}
		}
		if m := vol.Secret.DefaultMode; m == nil || *m&0o007 != 0 {
			t.Errorf("secret volume %s mode %v: not world-readable, please", vm.Name, m)
		}
	}

	// Every secret's *_FILE (the AccessKey secret's always): a file of a mounted Secret whose key exists.
	if env["SLS_AK_KEY_FILE"] == "" {
		t.Error("SLS_AK_KEY_FILE is not set: the AccessKey secret must come from a mounted Secret")
	}
	if hec && env["HEC_TOKEN_FILE"] == "" {
		t.Error("HEC_TOKEN_FILE is not set: the HEC token must come from a mounted Secret")
	}
	fileVars := map[string]secretFile{} // *_FILE variable -> the Secret and key it reads
	for n, secret := range secretVars {
		path, ok := env[n+"_FILE"]
		if !secret || !ok {
			continue
		}
		sf, ok := mounted[path]
		if !ok {
			t.Errorf("%s_FILE=%q is not a file of a mounted Secret", n, path)
			continue
		}
		fileVars[n+"_FILE"] = sf
		if len(o.secrets) > 0 || o.namespace != "" {
			if _, ok := secretValue(o, sf); !ok {
				t.Errorf("%s_FILE=%q wants key %s of Secret %s; the overlay's Secrets are %v", n, path, sf.key, sf.secret, secretKeys(o))
			}
		}
	}

	// HEC_DEAD_LETTER_FILE: set with hec (without it an event Splunk refuses holds up its shard), in a writable volume.
	replicas := int32(1)
	if dep.Spec.Replicas != nil {
		replicas = *dep.Spec.Replicas
	}
	if dl := env["HEC_DEAD_LETTER_FILE"]; hec && dl == "" {
		t.Error("HEC_DEAD_LETTER_FILE is not set: when Splunk refuses an event as invalid, its shard would wait")
	} else if dl != "" {
		checkDeadLetter(t, o, dl, writable, replicas)
	}
	for _, c := range o.pvcs {
		used := slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool {
			return v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == c.Name
		})
		if !used {
			t.Errorf("PersistentVolumeClaim %s is not used by the pods", c.Name)
		}
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
	if o.namespace == "" {
		return nil
	}
	dir := t.TempDir()
	environ := []string{"SLS_CONSUMER_NAME=" + podName}
	for k, v := range env {
		if sf, ok := fileVars[k]; ok {
			val, _ := secretValue(o, sf)
			v = filepath.Join(dir, k)
			if err := os.WriteFile(v, []byte(val), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		environ = append(environ, k+"="+v)
	}
	sort.Strings(environ)
	cfg, err := config.Load(environ)
	if err != nil {
		t.Errorf("siemship rejects the configuration:\n%v\nenvironment: %q", err, environ)
		cfg = nil
	}
	if o.image == nil || o.image.Name != ctr.Image || o.image.NewTag == "" {
		t.Errorf("the overlay's images %+v do not set the tag of the container image %q", o.image, ctr.Image)
	}
	return cfg
}

// secretFile is a key of a Secret, mounted as a file.
type secretFile struct{ secret, key string }

// secretValue returns the value of a key of one of the overlay's Secrets.
func secretValue(o *objects, sf secretFile) (string, bool) {
	for _, s := range o.secrets {
		if s.Name != sf.secret {
			continue
		}
		if v, ok := s.StringData[sf.key]; ok {
			return v, true
		}
		v, ok := s.Data[sf.key]
		return string(v), ok
	}
	return "", false
}

// secretKeys lists the overlay's Secrets with their keys, for messages.
func secretKeys(o *objects) []string {
	var out []string
	for _, s := range o.secrets {
		out = append(out, s.Name+":"+strings.Join(append(keysOf(s.StringData), keysOf(s.Data)...), ","))
	}
	return out
}

// checkDeadLetter checks where HEC_DEAD_LETTER_FILE (dl, expanded) is written: directly in the mountPath of a
// writable volume (siemship creates the file, not its directory), an emptyDir or a claim the overlay creates; a
// claim shared by several replicas must allow ReadWriteMany and get one file per pod.
func checkDeadLetter(t *testing.T, o *objects, dl string, writable map[string]*corev1.Volume, replicas int32) {
	t.Helper()
	vol, ok := writable[filepath.Dir(dl)]
	if !ok {
		t.Errorf("HEC_DEAD_LETTER_FILE=%q: %s is not the mountPath of a writable volume (the root filesystem is read-only)", dl, filepath.Dir(dl))
		return
	}
	switch {
	case vol.EmptyDir != nil:
	case vol.PersistentVolumeClaim != nil:
		name := vol.PersistentVolumeClaim.ClaimName
		i := slices.IndexFunc(o.pvcs, func(c *corev1.PersistentVolumeClaim) bool { return c.Name == name })
		if i < 0 {
			if o.namespace != "" {
				t.Errorf("volume %s uses PersistentVolumeClaim %s, which the overlay does not create", vol.Name, name)
			}
			return
		}
		c := o.pvcs[i]
		if c.Spec.Resources.Requests.Storage().IsZero() {
			t.Errorf("PersistentVolumeClaim %s requests no storage", name)
		}
		if replicas > 1 && !slices.Contains(c.Spec.AccessModes, corev1.ReadWriteMany) {
			t.Errorf("PersistentVolumeClaim %s has access modes %v: the %d replicas on different nodes need ReadWriteMany", name, c.Spec.AccessModes, replicas)
		}
		if replicas > 1 && !strings.Contains(dl, podName) {
			t.Errorf("HEC_DEAD_LETTER_FILE=%q is one file for every pod sharing claim %s: name it after the pod", dl, name)
		}
	default:
		t.Errorf("HEC_DEAD_LETTER_FILE=%q is in volume %s, neither a PersistentVolumeClaim nor an emptyDir", dl, vol.Name)
	}
}

// expand replaces $(VAR) with the value of a variable defined before, and $$ with $, as the kubelet does for env
// values; it returns the references it could not resolve (which the kubelet leaves as they are).
func expand(s string, defined map[string]string) (string, []string) {
	var b strings.Builder
	var undefined []string
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i += 2
		case strings.HasPrefix(s[i:], "$("):
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				i = len(s)
				continue
			}
			name := s[i+2 : i+end]
			if v, ok := defined[name]; ok {
				b.WriteString(v)
			} else {
				undefined = append(undefined, name)
				b.WriteString(s[i : i+end+1])
			}
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), undefined
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
	for _, ov := range overlays {
		t.Run(ov.dir, func(t *testing.T) {
			o := loadOverlay(t, ov.dir)
			cfg := check(t, o)
			if ov.prometheus != (len(o.serviceMonitors) == 1) {
				t.Errorf("ServiceMonitors %d: only the -prometheus overlay has one", len(o.serviceMonitors))
			}
			if cfg == nil {
				return
			}
			if !strings.EqualFold(cfg.Destination, ov.output) {
				t.Errorf("SIEMSHIP_OUTPUT=%s, want %s", cfg.Destination, ov.output)
			}
			if cfg.IsHEC() && cfg.HECAck != "on" {
				t.Errorf("HEC_ACK=%s: the example confirms a batch only once Splunk reports it indexed (on)", cfg.HECAck)
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
	for _, ov := range overlays {
		dir := ov.dir
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
			// The pods as kustomize patched them are the pods the files give with this test's merge (applyPatch),
			// but for the generated ConfigMap's name and the image.
			got := one(t, "Deployment", o.deployments).Spec.Template.Spec.DeepCopy()
			want := one(t, "Deployment", files.deployments).Spec.Template.Spec.DeepCopy()
			got.Containers[0].Image = want.Containers[0].Image
			for i, ef := range got.Containers[0].EnvFrom {
				if i < len(want.Containers[0].EnvFrom) && ef.ConfigMapRef != nil && want.Containers[0].EnvFrom[i].ConfigMapRef != nil {
					ef.ConfigMapRef.Name = want.Containers[0].EnvFrom[i].ConfigMapRef.Name
				}
			}
			if !equality.Semantic.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("kustomize's pod spec differs from the one built from the files:\n kustomize %s\n files     %s", g, w)
			}
			check(t, o)
		})
	}
}
