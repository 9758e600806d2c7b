package docker

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

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
	Healthcheck     *struct {
		Disable bool `json:"disable"`
	} `json:"healthcheck,omitempty"`
}

type composeFile struct {
	Name     string                    `json:"name"`
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes"`
	// the YAML anchors' holders
	XImage      map[string]any    `json:"x-image"`
	XSiemship   map[string]any    `json:"x-siemship"`
	XSiemshipEn map[string]string `json:"x-siemship-env"`
}

func loadCompose(t *testing.T) *composeFile {
	t.Helper()
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return &c
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

// TestComposeFile checks the demo stack's wiring: two replicas in one consumer group with distinct consumer names,
// settings siemship accepts, the emulator's key and names equal to the replicas', the receiver where they send.
func TestComposeFile(t *testing.T) {
	c := loadCompose(t)
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
	rs, ok := c.Services["rsyslog"]
	if !ok {
		t.Fatal("no rsyslog service")
	}

	known := map[string]bool{"HTTP_PROXY": true}
	for _, v := range config.Reference() {
		known[v.Name] = true
	}
	groups, names := map[string]bool{}, map[string]bool{}
	for _, name := range reps {
		s := c.Services[name]
		env := s.Environment
		for k := range env {
			if !known[k] {
				t.Errorf("%s sets %s, which siemship does not accept", name, k)
			}
		}
		cfg, err := config.Load(environ(env))
		if err != nil {
			t.Errorf("%s: siemship rejects its configuration:\n%v", name, err)
			continue
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
		addrs, _ := cfg.SyslogAddrs()
		if !slices.Equal(addrs, []string{"rsyslog:514"}) || cfg.Protocol != config.ProtocolTCP {
			t.Errorf("%s sends to %v over %s, rsyslog listens on rsyslog:514 tcp", name, addrs, cfg.Protocol)
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
		if !slices.Contains(s.DependsOn, "emulator") || !slices.Contains(s.DependsOn, "rsyslog") {
			t.Errorf("%s depends on %v", name, s.DependsOn)
		}
	}
	if len(groups) != 1 || len(names) != len(reps) {
		t.Errorf("consumer groups %v and names %v: want one group and distinct names", groups, names)
	}

	// The rsyslog service mounts the config file of this directory, which listens where the replicas send.
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
// (HTTP_PROXY pointing at that emulator, the receiver replaced by the test's), and checks every record arrives.
func TestComposeStackWithoutDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the emulator and siemship as processes; skipped with -short")
	}
	c := loadCompose(t)
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

	led := ledger.New("||")
	recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, led.Observe)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	host, port, _ := net.SplitHostPort(recv.Addr())

	env := map[string]string{}
	for k, v := range c.Services["siemship-1"].Environment {
		env[k] = v
	}
	env["HTTP_PROXY"] = emuURL
	env["SYSLOG_HOST"], env["SYSLOG_PORT"] = host, port
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
	for led.Report().Unique < records {
		select {
		case err := <-exited:
			out, _ := os.ReadFile(logPath)
			t.Fatalf("siemship exited: %v\n%s", err, out)
		case <-ctx.Done():
			out, _ := os.ReadFile(logPath)
			t.Fatalf("received %+v of %d records\n%s", led.Report(), records, out)
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
	if missing := led.Missing(1, records, 10); len(missing) > 0 {
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
