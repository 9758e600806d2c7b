package docker

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/hecemu"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// stacks are the compose files of this directory and the SIEMSHIP_OUTPUT of their replicas; every test runs on each.
var stacks = []struct {
	file   string
	output string
}{
	{"compose.yaml", config.DestinationSyslog},
	{"compose.hec.yaml", config.DestinationHEC},
}

// hostEnv stands for the user's environment, which compose interpolates into the files (${VAR}).
var hostEnv = map[string]string{"HEC_URL": "https://splunk.example.com:8088", "DEMO_HEC_DIR": "/srv/siemship-demo-hec"}

// composeService is the part of a compose service that the demo uses; decoding strictly catches misspelt keys.
type composeService struct {
	Build *struct {
		Context          string `json:"context"`
		Dockerfile       string `json:"dockerfile,omitempty"`
		DockerfileInline string `json:"dockerfile_inline,omitempty"`
	} `json:"build,omitempty"`
	Image           string            `json:"image,omitempty"`
	Entrypoint      []string          `json:"entrypoint,omitempty"`
	Command         []string          `json:"command,omitempty"`
	Environment     map[string]string `json:"environment,omitempty"`
	DependsOn       []string          `json:"depends_on,omitempty"`
	Restart         string            `json:"restart,omitempty"`
	StopGracePeriod string            `json:"stop_grace_period,omitempty"`
	ReadOnly        bool              `json:"read_only,omitempty"`
	CapDrop         []string          `json:"cap_drop,omitempty"`
	SecurityOpt     []string          `json:"security_opt,omitempty"`
	Ports           []string          `json:"ports,omitempty"`
	Volumes         []string          `json:"volumes,omitempty"`
	Secrets         []string          `json:"secrets,omitempty"`
	Healthcheck     *struct {
		Disable bool `json:"disable"`
	} `json:"healthcheck,omitempty"`
}

type composeFile struct {
	Name     string                    `json:"name"`
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes,omitempty"`
	Secrets  map[string]struct {
		File string `json:"file"`
	} `json:"secrets,omitempty"`
	// the YAML anchors' holders
	XImage      map[string]any    `json:"x-image"`
	XSiemship   map[string]any    `json:"x-siemship"`
	XSiemshipEn map[string]string `json:"x-siemship-env"`
}

// loadCompose reads a compose file as compose would with hostEnv set.
func loadCompose(t *testing.T, file string) *composeFile {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text, err := interpolate(string(b), hostEnv)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var c composeFile
	if err := yaml.UnmarshalStrict([]byte(text), &c); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &c
}

// interpolate substitutes variables as compose does: $$ is a literal $, ${VAR} and $VAR the value (empty when
// unset), ${VAR:-default} the default when VAR is unset or empty (${VAR-default}: unset), ${VAR:?message} an error
// when VAR is unset or empty (${VAR?message}: unset).
func interpolate(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	nameLen := func(s string) int {
		n := 0
		for n < len(s) && (s[n] == '_' || 'A' <= s[n] && s[n] <= 'Z' || 'a' <= s[n] && s[n] <= 'z' || n > 0 && '0' <= s[n] && s[n] <= '9') {
			n++
		}
		return n
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch rest := s[i+1:]; {
		case rest[0] == '$':
			b.WriteByte('$')
			i++
		case rest[0] == '{':
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ at %q", rest)
			}
			expr := rest[1:end]
			n := nameLen(expr)
			name, op := expr[:n], expr[n:]
			v, set := vars[name]
			switch {
			case n == 0:
				return "", fmt.Errorf("invalid interpolation ${%s}", expr)
			case op == "":
			case strings.HasPrefix(op, ":-") && v == "":
				v = op[2:]
			case strings.HasPrefix(op, "-") && !set:
				v = op[1:]
			case strings.HasPrefix(op, ":?") && v == "":
				return "", fmt.Errorf("required variable %s is missing a value: %s", name, op[2:])
			case strings.HasPrefix(op, "?") && !set:
				return "", fmt.Errorf("required variable %s is missing a value: %s", name, op[1:])
			case strings.HasPrefix(op, ":-"), strings.HasPrefix(op, "-"), strings.HasPrefix(op, ":?"), strings.HasPrefix(op, "?"):
			default:
				return "", fmt.Errorf("invalid interpolation ${%s}", expr)
			}
			b.WriteString(v)
			i += end + 1
		case nameLen(rest) > 0:
			b.WriteString(vars[rest[:nameLen(rest)]])
			i += nameLen(rest)
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), nil
}

// replicas returns the siemship services (those running "siemship run", the image's entrypoint).
func (c *composeFile) replicas() []string {
	var out []string
	for name, s := range c.Services {
		if s.Image == "siemship:demo" && len(s.Entrypoint) == 0 {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// flags turns ["--a=b", "--c=d"] into a map.
func flags(t *testing.T, args []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok || !strings.HasPrefix(a, "--") {
			t.Fatalf("emulator argument %q: write --flag=value", a)
		}
		out[k] = v
	}
	return out
}

func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// TestComposeFile checks each demo stack's wiring: two replicas in one consumer group with distinct consumer names,
// settings siemship accepts, the emulator's key and names equal to the replicas', the receiver where they send
// (rsyslog), or the HEC token from a Docker secret and the dead letter in a writable volume (hec).
func TestComposeFile(t *testing.T) {
	for _, st := range stacks {
		t.Run(st.file, func(t *testing.T) { checkCompose(t, st.file, st.output) })
	}
}

func checkCompose(t *testing.T, file, output string) {
	c := loadCompose(t, file)
	reps := c.replicas()
	if len(reps) != 2 {
		t.Fatalf("siemship replicas %v, want 2", reps)
	}
	emu, ok := c.Services["emulator"]
	if !ok || !slices.Equal(emu.Entrypoint, []string{"/siemship", "emulator"}) {
		t.Fatalf("emulator service %+v: want entrypoint /siemship emulator", emu)
	}
	if emu.Healthcheck == nil || !emu.Healthcheck.Disable {
		t.Error("the emulator inherits the image's siemship health check; disable it")
	}
	ef := flags(t, emu.Command)

	known, secretVars, groupOf := map[string]bool{"HTTP_PROXY": true}, map[string]bool{}, map[string]string{}
	for _, v := range config.Reference() {
		known[v.Name] = true
		secretVars[v.Name] = v.Secret
		groupOf[v.Name] = v.Group
	}
	groups, names, deadLetters := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, name := range reps {
		s := c.Services[name]
		env := s.Environment
		hec := strings.EqualFold(env["SIEMSHIP_OUTPUT"], config.DestinationHEC)
		for k := range env {
			switch {
			case !known[k]:
				t.Errorf("%s sets %s, which siemship does not accept", name, k)
			case secretVars[k] && !(k == "SLS_AK_KEY" && env[k] == ef["access-key-secret"]):
				// (the emulator's throw-away key excepted)
				t.Errorf("%s sets %s in plain text; use %s_FILE and a Docker secret", name, k, k)
			case hec && (groupOf[k] == groupOf["SYSLOG_HOST"] || k == "SIEMSHIP_FORMAT"):
				t.Errorf("%s sets %s, which SIEMSHIP_OUTPUT=hec does not use", name, k)
			case !hec && groupOf[k] == groupOf["HEC_URL"]:
				t.Errorf("%s sets %s, which only SIEMSHIP_OUTPUT=hec uses", name, k)
			}
		}
		// The secrets' files, as the container sees them, with stand-ins for the loading.
		loadEnv := maps.Clone(env)
		for k := range secretVars {
			path, ok := env[k+"_FILE"]
			if !ok {
				continue
			}
			secret, ok := strings.CutPrefix(path, "/run/secrets/")
			if _, defined := c.Secrets[secret]; !ok || !slices.Contains(s.Secrets, secret) || !defined || c.Secrets[secret].File == "" {
				t.Errorf("%s: %s_FILE=%q is not /run/secrets/<name> of a file secret the service uses (its secrets %v)", name, k, path, s.Secrets)
			}
			loadEnv[k+"_FILE"] = filepath.Join(t.TempDir(), secret)
			if err := os.WriteFile(loadEnv[k+"_FILE"], []byte("stand-in\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cfg, err := config.Load(environ(loadEnv))
		if err != nil {
			t.Errorf("%s: siemship rejects its configuration:\n%v", name, err)
			continue
		}
		if !strings.EqualFold(cfg.Destination, output) {
			t.Errorf("%s: SIEMSHIP_OUTPUT=%s, want %s", name, cfg.Destination, output)
		}
		groups[cfg.ConsumerGroup] = true
		names[cfg.ConsumerName] = true
		if cfg.ConsumerName == "" || !strings.HasPrefix(cfg.ConsumerName, "siemship-") {
			t.Errorf("%s: SLS_CONSUMER_NAME %q", name, cfg.ConsumerName)
		}
		for flag, v := range map[string]string{"access-key-id": cfg.AccessKeyID, "access-key-secret": cfg.AccessKeySecret.Reveal(),
			"project": cfg.Project, "logstore": cfg.Logstore} {
			if ef[flag] != v {
				t.Errorf("%s uses %s %q, the emulator --%s=%q", name, flag, v, flag, ef[flag])
			}
		}
		_, port, _ := net.SplitHostPort(ef["listen"])
		if env["HTTP_PROXY"] != "http://emulator:"+port || !strings.HasSuffix(cfg.Endpoint, ":"+port) {
			t.Errorf("%s: HTTP_PROXY=%q SLS_ENDPOINT=%q, the emulator listens on %q", name, env["HTTP_PROXY"], cfg.Endpoint, ef["listen"])
		}
		grace, err := time.ParseDuration(s.StopGracePeriod)
		if err != nil || grace <= cfg.ShutdownTimeout {
			t.Errorf("%s: stop_grace_period %q must exceed SIEMSHIP_SHUTDOWN_TIMEOUT=%s", name, s.StopGracePeriod, cfg.ShutdownTimeout)
		}
		if !s.ReadOnly || !slices.Equal(s.CapDrop, []string{"ALL"}) {
			t.Errorf("%s: read_only %v cap_drop %v, want a read-only root and no capabilities", name, s.ReadOnly, s.CapDrop)
		}
		if env["SIEMSHIP_HTTP_ADDR"] != ":9090" || len(s.Ports) != 1 || !strings.HasSuffix(s.Ports[0], ":9090") {
			t.Errorf("%s: SIEMSHIP_HTTP_ADDR=%q ports %v: the health check and metrics need :9090", name, env["SIEMSHIP_HTTP_ADDR"], s.Ports)
		}
		if !slices.Contains(s.DependsOn, "emulator") {
			t.Errorf("%s depends on %v", name, s.DependsOn)
		}

		if !cfg.IsHEC() {
			addrs, _ := cfg.SyslogAddrs()
			if !slices.Equal(addrs, []string{"rsyslog:514"}) || cfg.Protocol != config.ProtocolTCP || !slices.Contains(s.DependsOn, "rsyslog") {
				t.Errorf("%s sends to %v over %s (depends on %v), rsyslog listens on rsyslog:514 tcp", name, addrs, cfg.Protocol, s.DependsOn)
			}
			continue
		}
		if env["HEC_TOKEN_FILE"] == "" || cfg.HECAck != "on" {
			t.Errorf("%s: HEC_TOKEN_FILE=%q HEC_ACK=%q: want the token from a secret and acknowledgement on", name, env["HEC_TOKEN_FILE"], cfg.HECAck)
		}
		// The dead letter: one file per replica, directly in a volume mounted writable (the root is read-only).
		dl := cfg.HECDeadLetterFile
		var dir string
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) >= 2 && parts[1] == filepath.Dir(dl) && (len(parts) == 2 || !strings.Contains(parts[2], "ro")) {
				dir = parts[0]
			}
		}
		if dl == "" || dir == "" {
			t.Errorf("%s: HEC_DEAD_LETTER_FILE=%q is not directly in a volume mounted writable (volumes %v)", name, dl, s.Volumes)
		}
		if deadLetters[dir+"/"+filepath.Base(dl)] {
			t.Errorf("%s: HEC_DEAD_LETTER_FILE=%q in %s is another replica's file too", name, dl, dir)
		}
		deadLetters[dir+"/"+filepath.Base(dl)] = true
		if u := cfg.HECURLs(); len(u) != 1 || u[0] != hostEnv["HEC_URL"] {
			t.Errorf("%s: HEC_URL %v, want the host's HEC_URL %q", name, u, hostEnv["HEC_URL"])
		}
	}
	if len(groups) != 1 || len(names) != len(reps) {
		t.Errorf("consumer groups %v and names %v: want one group and distinct names", groups, names)
	}
	if output != config.DestinationSyslog {
		return
	}

	// The rsyslog service mounts the config file of this directory, which listens where the replicas send.
	rs, ok := c.Services["rsyslog"]
	if !ok {
		t.Fatal("no rsyslog service")
	}
	var conf string
	for _, v := range rs.Volumes {
		if src, _, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(src, "./") {
			conf = src
		}
	}
	if conf != "./rsyslog.conf" || !slices.Contains(rs.Command, "/etc/rsyslog-siem.conf") {
		t.Errorf("rsyslog volumes %v command %v: want ./rsyslog.conf mounted and used", rs.Volumes, rs.Command)
	}
	rb, err := os.ReadFile("rsyslog.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rb), `input(type="imtcp" port="514"`) {
		t.Error(`rsyslog.conf does not listen with imtcp on port 514`)
	}
}

// TestComposeRequiredVariables checks that compose stops with a message, instead of starting with an empty value,
// when a variable of the user's environment that a file needs is unset.
func TestComposeRequiredVariables(t *testing.T) {
	for _, st := range stacks {
		b, err := os.ReadFile(st.file)
		if err != nil {
			t.Fatal(err)
		}
		for name := range hostEnv {
			uses := strings.Contains(string(b), "${"+name)
			if uses && !strings.Contains(string(b), "${"+name+":?") {
				t.Errorf("%s: ${%s} without :? would become empty when the variable is unset", st.file, name)
			}
			env := maps.Clone(hostEnv)
			delete(env, name)
			if _, err := interpolate(string(b), env); uses != (err != nil) {
				t.Errorf("%s without %s: %v", st.file, name, err)
			}
		}
	}
}

func TestInterpolate(t *testing.T) {
	vars := map[string]string{"A": "a", "E": ""}
	for in, want := range map[string]string{
		"x": "x", "$$A": "$A", "${A}": "a", "$A/b": "a/b", "${B:-d}": "d", "${E:-d}": "d", "${E-d}": "", "${B-d}": "d",
		"${A:?m}": "a", "${E?m}": "", "p${A}q${B}r": "paqr", "$": "$", "$-": "$-",
	} {
		if got, err := interpolate(in, vars); err != nil || got != want {
			t.Errorf("interpolate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"${B:?m}", "${E:?m}", "${B?m}", "${A", "${}", "${A:x}"} {
		if got, err := interpolate(in, vars); err == nil {
			t.Errorf("interpolate(%q) = %q, want an error", in, got)
		}
	}
}

// TestRsyslogConfig validates rsyslog.conf with the installed rsyslogd (rsyslogd -N1).
func TestRsyslogConfig(t *testing.T) {
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/rsyslogd"); err == nil {
			bin = "/usr/sbin/rsyslogd"
		}
	}
	if bin == "" {
		msg := "rsyslogd missing: install it with scripts/install-test-receivers.sh"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing instead of skipping)")
		}
		t.Skip(msg)
	}
	out, err := exec.Command(bin, "-N1", "-f", "rsyslog.conf").CombinedOutput()
	if err != nil || strings.Contains(strings.ToLower(string(out)), "error") {
		t.Errorf("rsyslogd -N1 rsyslog.conf: %v\n%s", err, out)
	}
}

// TestComposeStackWithoutDocker runs what compose would run, as plain processes: the emulator with the compose
// file's arguments (on a free port and with fewer records) and one replica with the compose file's environment
// (HTTP_PROXY pointing at that emulator, the receiver replaced by the test's: a syslog receiver, or the HEC
// emulator with the token in a file and the dead letter in a directory of the test), and checks every record arrives.
func TestComposeStackWithoutDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the emulator and siemship as processes; skipped with -short")
	}
	for _, st := range stacks {
		t.Run(st.file, func(t *testing.T) { runStack(t, st.file) })
	}
}

func runStack(t *testing.T, file string) {
	c := loadCompose(t, file)
	bin := harness.Binary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	const records = 2000
	var args []string
	for _, a := range c.Services["emulator"].Command {
		switch {
		case strings.HasPrefix(a, "--listen="):
			a = "--listen=127.0.0.1:0"
		case strings.HasPrefix(a, "--generate="):
			a = fmt.Sprintf("--generate=%d", records)
		case strings.HasPrefix(a, "--rate="):
			a = "--rate=0"
		}
		args = append(args, a)
	}
	emu := exec.Command(bin, append([]string{"emulator"}, args...)...)
	emu.Stderr = os.Stderr
	stdout, err := emu.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	emu.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = emu.Process.Signal(syscall.SIGTERM); _ = emu.Wait() }()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	var emuURL string
	select {
	case l := <-lines:
		emuURL = l[strings.LastIndex(l, " ")+1:]
	case <-ctx.Done():
		t.Fatal("the emulator did not report its address")
	}
	if !strings.HasPrefix(emuURL, "http://127.0.0.1:") {
		t.Fatalf("emulator says %q", emuURL)
	}

	env := maps.Clone(c.Services["siemship-1"].Environment)
	env["HTTP_PROXY"] = emuURL
	var led func() *ledger.Ledger
	if strings.EqualFold(env["SIEMSHIP_OUTPUT"], config.DestinationHEC) {
		const token = "5b0f7e2c-3d4a-4c1b-9e8f-7a6b5c4d3e2f"
		h := hecemu.New(hecemu.Options{})
		h.AddToken(token, hecemu.Token{Ack: true})
		hecURL, err := h.Start(ctx, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = h.Shutdown(context.Background()) }()
		dir := t.TempDir()
		env["HEC_URL"] = hecURL
		env["HEC_TOKEN_FILE"] = filepath.Join(dir, "hec-token")
		if err := os.WriteFile(env["HEC_TOKEN_FILE"], []byte(token+"\n"), 0o400); err != nil {
			t.Fatal(err)
		}
		env["HEC_DEAD_LETTER_FILE"] = filepath.Join(dir, filepath.Base(env["HEC_DEAD_LETTER_FILE"]))
		led = func() *ledger.Ledger { return h.SeqLedger() }
	} else {
		l := ledger.New("||")
		recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, l.Observe)
		if err != nil {
			t.Fatal(err)
		}
		defer recv.Close()
		env["SYSLOG_HOST"], env["SYSLOG_PORT"], _ = net.SplitHostPort(recv.Addr())
		led = func() *ledger.Ledger { return l }
	}
	// siemship binds port 0 for the health endpoint and logs the address (a port picked here and released could be
	// taken by another process before siemship binds it).
	env["SIEMSHIP_HTTP_ADDR"] = "127.0.0.1:0"
	sh := exec.Command(bin, "run")
	sh.Env = append(environ(env), "PATH="+os.Getenv("PATH"))
	logPath := filepath.Join(t.TempDir(), "siemship.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	sh.Stdout, sh.Stderr = logFile, logFile
	sh.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sh.Wait() }()
	for led().Report().Unique < records {
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logPath)
			t.Fatalf("siemship exited: %v\n%s", err, out)
		case <-ctx.Done():
			out, _ := os.ReadFile(logPath)
			t.Fatalf("received %+v of %d records\n%s", led().Report(), records, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	httpAddr := loggedHTTPAddr(t, logPath)
	// The image's health check, against the running replica: alive and ready (SIEM reachable).
	for _, args := range [][]string{{"healthcheck"}, {"healthcheck", "--ready"}} {
		hc := exec.Command(bin, args...)
		hc.Env = []string{"SIEMSHIP_HTTP_ADDR=" + httpAddr}
		if out, err := hc.CombinedOutput(); err != nil {
			t.Errorf("siemship %v: %v\n%s", args, err, out)
		}
	}
	_ = sh.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		out, _ := os.ReadFile(logPath)
		t.Errorf("siemship did not stop cleanly on SIGTERM: %v\n%s", err, out)
	}
	if missing := led().Missing(1, records, 10); len(missing) > 0 {
		t.Errorf("missing records %v", missing)
	}
}

// loggedHTTPAddr returns the address siemship logged for its metrics and health endpoint (console log format, as
// the compose file sets it: the fields are a JSON object at the end of the line).
func loggedHTTPAddr(t *testing.T, logPath string) string {
	t.Helper()
	out, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		_, fields, ok := strings.Cut(line, "serving /metrics")
		if i := strings.IndexByte(fields, '{'); ok && i >= 0 {
			var f struct {
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(fields[i:]), &f) == nil && f.Addr != "" {
				return f.Addr
			}
		}
	}
	t.Fatalf("no \"serving /metrics\" line with an addr in siemship's log:\n%s", out)
	return ""
}
