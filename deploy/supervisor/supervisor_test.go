package supervisor

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/hecemu"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// confs are the supervisord files of this directory and the SIEMSHIP_OUTPUT of their program; every test runs on
// each.
var confs = []struct {
	file   string
	output string
}{
	{"siemship.conf", config.DestinationSyslog},
	{"siemship-hec.conf", config.DestinationHEC},
}

const (
	program = "program:siemship"
	// installedBinary is where the files expect the binary; the test replaces it with the one it builds.
	installedBinary = "/usr/local/bin/siemship"
)

// section is one [section] of an INI file: keys in order, values with continuation lines joined by "\n".
type section struct {
	keys   []string
	values map[string]string
}

func (s *section) get(k string) string { return s.values[k] }

func (s *section) set(k, v string) {
	if _, ok := s.values[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.values[k] = v
}

func (s *section) del(k string) {
	delete(s.values, k)
	s.keys = slices.DeleteFunc(s.keys, func(x string) bool { return x == k })
}

// parseINI reads supervisord's configuration syntax (Python's ConfigParser): ; and # comments, key=value, indented
// continuation lines.
func parseINI(t *testing.T, confFile, src string) map[string]*section {
	t.Helper()
	out := map[string]*section{}
	var cur *section
	last := ""
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == ';' || trimmed[0] == '#':
			continue
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil || last == "" {
				t.Fatalf("%s:%d: continuation line outside a value", confFile, i+1)
			}
			cur.values[last] += "\n" + trimmed
		case trimmed[0] == '[':
			name := strings.Trim(trimmed, "[]")
			cur = &section{values: map[string]string{}}
			out[name] = cur
			last = ""
		default:
			k, v, ok := strings.Cut(trimmed, "=")
			if !ok || cur == nil {
				t.Fatalf("%s:%d: not key=value: %q", confFile, i+1, line)
			}
			last = strings.TrimSpace(k)
			cur.set(last, strings.TrimSpace(v))
		}
	}
	return out
}

// parseEnvironment reads supervisord's environment= value: KEY="value" pairs separated by commas.
func parseEnvironment(t *testing.T, v string) (keys []string, vals map[string]string) {
	t.Helper()
	vals = map[string]string{}
	re := regexp.MustCompile(`^([A-Z][A-Z0-9_]*)="([^"]*)"$`)
	for _, part := range strings.Split(strings.ReplaceAll(v, "\n", ""), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := re.FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("environment entry %q: want KEY=\"value\"", part)
		}
		if _, dup := vals[m[1]]; dup {
			t.Fatalf("environment sets %s twice", m[1])
		}
		keys = append(keys, m[1])
		vals[m[1]] = m[2]
	}
	return keys, vals
}

// escape protects a literal value from supervisord's %(name)s expansion.
func escape(v string) string { return strings.ReplaceAll(v, "%", "%%") }

// formatEnvironment writes an environment= value; vals are in supervisord's syntax (see escape).
func formatEnvironment(keys []string, vals map[string]string) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+`="`+vals[k]+`"`)
	}
	return strings.Join(parts, ",")
}

func loadProgram(t *testing.T, confFile string) *section {
	t.Helper()
	b, err := os.ReadFile(confFile)
	if err != nil {
		t.Fatal(err)
	}
	secs := parseINI(t, confFile, string(b))
	p := secs[program]
	if p == nil || len(secs) != 1 {
		t.Fatalf("%s should hold exactly one [%s] section, has %d sections", confFile, program, len(secs))
	}
	return p
}

func duration(t *testing.T, name, v string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// TestProgramSettings checks each file's settings against each other and against the configuration siemship
// accepts, loading it as one process would see it.
func TestProgramSettings(t *testing.T) {
	for _, c := range confs {
		t.Run(c.file, func(t *testing.T) { checkProgram(t, c.file, c.output) })
	}
}

func checkProgram(t *testing.T, confFile, output string) {
	p := loadProgram(t, confFile)
	keys, env := parseEnvironment(t, p.get("environment"))
	known, secretVars, groupOf := map[string]bool{}, map[string]bool{}, map[string]string{}
	for _, v := range config.Reference() {
		known[v.Name] = true
		secretVars[v.Name] = v.Secret
		groupOf[v.Name] = v.Group
	}
	hec := strings.EqualFold(env["SIEMSHIP_OUTPUT"], config.DestinationHEC)
	for _, k := range keys {
		switch {
		case !known[k]:
			t.Errorf("environment sets %s, which siemship does not accept", k)
		case secretVars[k]:
			t.Errorf("%s is in plain text in a config file; put it in a file read through %s_FILE", k, k)
		case hec && (groupOf[k] == groupOf["SYSLOG_HOST"] || k == "SIEMSHIP_FORMAT"):
			t.Errorf("environment sets %s, which SIEMSHIP_OUTPUT=hec does not use", k)
		case !hec && groupOf[k] == groupOf["HEC_URL"]:
			t.Errorf("environment sets %s, which only SIEMSHIP_OUTPUT=hec uses", k)
		}
	}
	required := []string{"SLS_ENDPOINT", "SLS_AK_ID", "SLS_AK_KEY_FILE", "SLS_PROJECT", "SLS_LOGSTORE", "SLS_CG", "SYSLOG_HOST"}
	if hec {
		required = []string{"SLS_ENDPOINT", "SLS_AK_ID", "SLS_AK_KEY_FILE", "SLS_PROJECT", "SLS_LOGSTORE", "SLS_CG", "HEC_URL",
			"HEC_TOKEN_FILE", "HEC_DEAD_LETTER_FILE"}
	}
	for _, k := range required {
		if env[k] == "" {
			t.Errorf("environment lacks %s", k)
		}
	}
	if dl := env["HEC_DEAD_LETTER_FILE"]; dl != "" && (!filepath.IsAbs(dl) || !strings.Contains(dl, "%(process_num)")) {
		t.Errorf("HEC_DEAD_LETTER_FILE=%q: want an absolute path with %%(process_num), one file per process", dl)
	}

	if n, err := strconv.Atoi(p.get("numprocs")); err != nil || n < 2 {
		t.Errorf("numprocs=%q: want 2 or more processes", p.get("numprocs"))
	}
	for _, k := range []string{"process_name", "stdout_logfile"} {
		if !strings.Contains(p.get(k), "%(process_num)") {
			t.Errorf("%s=%q must contain %%(process_num) to tell the processes apart", k, p.get(k))
		}
	}
	if !strings.Contains(env["SLS_CONSUMER_NAME"], "%(process_num)") || !strings.Contains(env["SLS_CONSUMER_NAME"], "%(host_node_name)s") {
		t.Errorf("SLS_CONSUMER_NAME=%q must be unique per process and host", env["SLS_CONSUMER_NAME"])
	}
	if addr := env["SIEMSHIP_HTTP_ADDR"]; addr != "" && !strings.Contains(addr, "%(process_num)") {
		t.Errorf("SIEMSHIP_HTTP_ADDR=%q: every process needs its own port", addr)
	}
	for k, want := range map[string]string{"autorestart": "true", "stopsignal": "TERM", "redirect_stderr": "true", "autostart": "true"} {
		if p.get(k) != want {
			t.Errorf("%s=%q, want %q", k, p.get(k), want)
		}
	}
	if !strings.HasPrefix(p.get("command"), installedBinary+" run") {
		t.Errorf("command=%q, want %s run", p.get("command"), installedBinary)
	}
	if u := p.get("user"); u == "" || u == "root" {
		t.Errorf("user=%q: run siemship as an unprivileged user", u)
	}

	shutdown := duration(t, "SIEMSHIP_SHUTDOWN_TIMEOUT", env["SIEMSHIP_SHUTDOWN_TIMEOUT"])
	hbTimeout := duration(t, "SLS_HEARTBEAT_TIMEOUT", env["SLS_HEARTBEAT_TIMEOUT"])
	hbInterval := duration(t, "SLS_HEARTBEAT_INTERVAL", env["SLS_HEARTBEAT_INTERVAL"])
	stopWait, err := strconv.Atoi(p.get("stopwaitsecs"))
	if err != nil {
		t.Fatalf("stopwaitsecs=%q: %v", p.get("stopwaitsecs"), err)
	}
	if time.Duration(stopWait)*time.Second <= shutdown {
		t.Errorf("stopwaitsecs=%d must exceed SIEMSHIP_SHUTDOWN_TIMEOUT=%s", stopWait, shutdown)
	}
	if shutdown >= hbTimeout || hbInterval >= hbTimeout {
		t.Errorf("SIEMSHIP_SHUTDOWN_TIMEOUT=%s and SLS_HEARTBEAT_INTERVAL=%s must be below SLS_HEARTBEAT_TIMEOUT=%s", shutdown, hbInterval, hbTimeout)
	}
	if s, err := strconv.Atoi(p.get("startsecs")); err != nil || s < 1 {
		t.Errorf("startsecs=%q: a process that dies at once (bad configuration) should not count as started", p.get("startsecs"))
	}

	// The configuration process 01 gets, with stand-ins for the secrets' files.
	dir := t.TempDir()
	var environ []string
	for _, k := range keys {
		v := expandSupervisor(t, env[k], map[string]any{"host_node_name": "host-a", "process_num": 1, "program_name": "siemship"})
		if secretVars[strings.TrimSuffix(k, "_FILE")] && strings.HasSuffix(k, "_FILE") {
			v = filepath.Join(dir, k)
			if err := os.WriteFile(v, []byte("stand-in\n"), 0o400); err != nil {
				t.Fatal(err)
			}
		}
		environ = append(environ, k+"="+v)
	}
	cfg, err := config.Load(environ)
	if err != nil {
		t.Fatalf("siemship rejects the configuration:\n%v\nenvironment: %q", err, environ)
	}
	if !strings.EqualFold(cfg.Destination, output) {
		t.Errorf("SIEMSHIP_OUTPUT=%s, want %s", cfg.Destination, output)
	}
	if cfg.ConsumerName != "host-a-01" {
		t.Errorf("process 01 on host-a: SLS_CONSUMER_NAME=%q, want host-a-01 (docs/operations.md: <host>-NN)", cfg.ConsumerName)
	}
	if cfg.IsHEC() && cfg.HECAck != "on" {
		t.Errorf("HEC_ACK=%s: the example confirms a batch only once Splunk reports it indexed (on)", cfg.HECAck)
	}
}

// expandSupervisor expands supervisord's %(name)s and %(name)02d in a value, and %% to %, as Python's % operator does.
func expandSupervisor(t *testing.T, v string, vars map[string]any) string {
	t.Helper()
	re := regexp.MustCompile(`%%|%\(([a-z_]+)\)([0-9]*)([sd])`)
	return re.ReplaceAllStringFunc(v, func(m string) string {
		if m == "%%" {
			return "%"
		}
		sm := re.FindStringSubmatch(m)
		x, ok := vars[sm[1]]
		if !ok {
			t.Fatalf("%q: supervisord has no %%(%s)", v, sm[1])
		}
		return fmt.Sprintf("%"+sm[2]+map[string]string{"s": "v", "d": "d"}[sm[3]], x)
	})
}

// supervisordPaths finds supervisord and supervisorctl, or skips (fails with CI=true).
func supervisordPaths(t *testing.T) (string, string) {
	t.Helper()
	d, errD := exec.LookPath("supervisord")
	c, errC := exec.LookPath("supervisorctl")
	if errD == nil && errC == nil {
		return d, c
	}
	msg := "\n" +
		"################################################################################\n" +
		"# SUPERVISORD MISSING: this test runs siemship under real supervisord.\n" +
		"# Install it with:  sudo scripts/install-test-receivers.sh   (Debian 12)\n" +
		"################################################################################"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "\nCI=true: failing instead of skipping")
	}
	t.Skip(msg)
	return "", ""
}

// supervisor is a private supervisord run by the test.
type supervisor struct {
	t        *testing.T
	ctl, cfg string
	dir      string
	cmd      *exec.Cmd
	done     chan struct{}
}

func (s *supervisor) ctlRun(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, s.ctl, append([]string{"-c", s.cfg}, args...)...).CombinedOutput()
	return string(out), err
}

var statusLine = regexp.MustCompile(`(?m)^siemship:(siemship-\d+)\s+(\S+)\s*(?:pid (\d+))?`)

// status returns state and pid per process name.
func (s *supervisor) status() map[string][2]string {
	out, _ := s.ctlRun("status") // exit status 3 while a process is not RUNNING
	st := map[string][2]string{}
	for _, m := range statusLine.FindAllStringSubmatch(out, -1) {
		st[m[1]] = [2]string{m[2], m[3]}
	}
	return st
}

func (s *supervisor) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "supervisord.log"))
	return string(b)
}

// waitFor polls cond every 100 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool, diag func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s\n%s", timeout, what, diag())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSupervisordRestartsWithoutLoss runs each file under real supervisord against the emulator, SIGKILLs one
// process while records flow, and checks that supervisord restarts it, that every record arrives, and that a stop
// is graceful (exit status 0 on SIGTERM). The receiver is a syslog receiver, or the HEC emulator with
// acknowledgement for siemship-hec.conf.
func TestSupervisordRestartsWithoutLoss(t *testing.T) {
	for _, c := range confs {
		t.Run(c.file, func(t *testing.T) { runSupervisord(t, c.file) })
	}
}

func runSupervisord(t *testing.T, confFile string) {
	supervisordBin, supervisorctlBin := supervisordPaths(t)
	p := loadProgram(t, confFile)
	bin := harness.Binary(t)
	dir := t.TempDir()

	const shards, initial = 4, 5000
	emu := harness.StartEmulator(t, shards, initial)
	keys, env := parseEnvironment(t, p.get("environment"))
	hec := strings.EqualFold(env["SIEMSHIP_OUTPUT"], config.DestinationHEC)

	// The receiver: where the file sends, replaced by the test's, and the ledger of the records it got.
	var led func() *ledger.Ledger
	var emuEnv []string
	tokenFile := filepath.Join(dir, "hec-token")
	hecURL := ""
	if hec {
		const token = "3c9a1f4e-7b2d-4e8a-9c1f-2d3e4f5a6b7c"
		h := hecemu.New(hecemu.Options{})
		h.AddToken(token, hecemu.Token{Ack: true})
		u, err := h.Start(t.Context(), "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = h.Shutdown(context.Background()) }()
		hecURL = u
		if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o400); err != nil {
			t.Fatal(err)
		}
		led = func() *ledger.Ledger { return h.SeqLedger() }
		// hec needs no SYSLOG_ setting: leave the emulator environment's out, as the file does.
		for _, kv := range emu.Env("127.0.0.1:9", "tcp") {
			if !strings.HasPrefix(kv, "SYSLOG_") {
				emuEnv = append(emuEnv, kv)
			}
		}
	} else {
		l := ledger.New("||")
		recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, l.Observe)
		if err != nil {
			t.Fatal(err)
		}
		defer recv.Close()
		led = func() *ledger.Ledger { return l }
		emuEnv = emu.Env(recv.Addr(), "tcp")
	}

	// The file's program section, pointed at the test's binary, emulator, receiver and directory.
	keyFile := filepath.Join(dir, "sls-ak-key")
	if err := os.WriteFile(keyFile, []byte(harness.Secret+"\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	testEnv := map[string]string{}
	var testKeys []string
	for _, kv := range emuEnv {
		k, v, _ := strings.Cut(kv, "=")
		testEnv[k] = v
		testKeys = append(testKeys, k)
	}
	for _, k := range keys {
		switch k {
		case "SLS_CONSUMER_NAME": // the file's own expression: unique per process
		case "SLS_AK_KEY_FILE":
			env[k] = escape(keyFile)
		case "HEC_TOKEN_FILE":
			env[k] = escape(tokenFile)
		case "HEC_URL":
			env[k] = escape(hecURL)
		case "HEC_DEAD_LETTER_FILE": // the file's name, with its %(process_num), in the test's directory
			env[k] = filepath.Join(escape(dir), filepath.Base(env[k]))
		case "SIEMSHIP_HTTP_ADDR":
			env[k] = "127.0.0.1:0" // the file's fixed ports could be taken on a shared CI host
		default:
			if v, ok := testEnv[k]; ok {
				env[k] = escape(v)
			}
		}
	}
	for _, k := range testKeys {
		if _, ok := env[k]; !ok && k != "SLS_AK_KEY" && k != "SLS_CONSUMER_NAME" {
			keys = append(keys, k)
			env[k] = escape(testEnv[k])
		}
	}
	p.set("command", strings.Replace(p.get("command"), installedBinary, escape(bin), 1))
	p.set("environment", formatEnvironment(keys, env))
	p.set("stdout_logfile", filepath.Join(escape(dir), filepath.Base(p.get("stdout_logfile"))))
	p.del("user") // the test's user runs everything
	p.del("directory")

	var conf strings.Builder
	fmt.Fprintf(&conf, "[unix_http_server]\nfile=%s\n\n", filepath.Join(dir, "supervisor.sock"))
	fmt.Fprintf(&conf, "[supervisord]\nnodaemon=true\nlogfile=%s\npidfile=%s\nchildlogdir=%s\nloglevel=info\n\n",
		filepath.Join(dir, "supervisord.log"), filepath.Join(dir, "supervisord.pid"), dir)
	conf.WriteString("[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n")
	fmt.Fprintf(&conf, "[supervisorctl]\nserverurl=unix://%s\n\n", filepath.Join(dir, "supervisor.sock"))
	fmt.Fprintf(&conf, "[%s]\n", program)
	for _, k := range p.keys {
		fmt.Fprintf(&conf, "%s=%s\n", k, p.values[k])
	}
	cfgPath := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(cfgPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	s := &supervisor{t: t, ctl: supervisorctlBin, cfg: cfgPath, dir: dir, done: make(chan struct{})}
	s.cmd = exec.Command(supervisordBin, "-c", cfgPath)
	s.cmd.Dir = dir
	// Nothing of the test's environment leaks into siemship: it must run on the file's environment alone.
	s.cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + dir}
	s.cmd.Stdout, s.cmd.Stderr = nil, nil
	// If the test binary dies, supervisord gets SIGTERM and stops its children the way the file says.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(45 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	})
	diag := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "ledger: %+v\nsupervisorctl status: %v\n--- supervisord.log\n%s", led().Report(), s.status(), s.log())
		logs, _ := filepath.Glob(filepath.Join(dir, "siemship-*.log"))
		for _, l := range logs {
			out, _ := os.ReadFile(l)
			fmt.Fprintf(&b, "--- %s (last 3000 bytes)\n%s", filepath.Base(l), tail(string(out), 3000))
		}
		return b.String()
	}

	numprocs, _ := strconv.Atoi(p.get("numprocs"))
	names := make([]string, numprocs)
	for i := range names {
		names[i] = fmt.Sprintf("siemship-%02d", i+1)
	}
	allRunning := func() bool {
		st := s.status()
		for _, n := range names {
			if st[n][0] != "RUNNING" {
				return false
			}
		}
		return true
	}
	waitFor(t, 30*time.Second, "every process RUNNING", allRunning, diag)
	waitFor(t, 30*time.Second, "the first records", func() bool { return led().Report().Unique > 500 }, diag)

	// Keep producing while one process is killed and restarted.
	var produced sync.WaitGroup
	stopProducing := make(chan struct{})
	total := uint64(initial)
	var genErr error
	produced.Add(1)
	go func() {
		defer produced.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopProducing:
				return
			case <-tick.C:
				if err := emu.Generate(harness.Project, harness.Logstore, 100); err != nil {
					genErr = err
					return
				}
				total += 100
			}
		}
	}()

	victim := names[0]
	oldPID, _ := strconv.Atoi(s.status()[victim][1])
	if oldPID <= 0 {
		t.Fatalf("no pid for %s\n%s", victim, diag())
	}
	time.Sleep(300 * time.Millisecond)
	if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s (pid %d): %v", victim, oldPID, err)
	}
	restarted := func() bool {
		st := s.status()[victim]
		pid, _ := strconv.Atoi(st[1])
		return st[0] == "RUNNING" && pid > 0 && pid != oldPID
	}
	waitFor(t, 30*time.Second, victim+" restarted by supervisord with a new pid", restarted, diag)
	time.Sleep(500 * time.Millisecond)
	close(stopProducing)
	produced.Wait()
	if genErr != nil {
		t.Fatal(genErr)
	}

	waitFor(t, 60*time.Second, fmt.Sprintf("all %d records", total), func() bool { return led().Report().Unique >= total }, diag)
	rep := led().Report()
	if missing := led().Missing(1, total, 10); len(missing) > 0 || rep.Unique != total || rep.NoSeq != 0 {
		t.Fatalf("records 1..%d: %+v, missing (first 10) %v\n%s", total, rep, missing, diag())
	}
	t.Logf("%d records through 2 supervised processes, one SIGKILLed and restarted: %d received, %d duplicates (redelivered after the kill)",
		total, rep.Received, rep.Duplicates)

	// Unique consumer names, from the file's expression.
	host, _ := os.Hostname()
	consumers := groupConsumers(t, emu)
	for _, c := range consumers {
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(host) + `-0[1-9]$`).MatchString(c) {
			t.Errorf("checkpoint saved by consumer %q, want %s-NN", c, host)
		}
	}
	if len(consumers) < 2 {
		t.Errorf("checkpoints saved by %v: want both processes as distinct consumers", consumers)
	}

	// The upgrade path on a host: restart the processes one at a time while records keep arriving. SIGTERM saves
	// the checkpoints of what was delivered, so nothing is sent twice.
	dupsBefore := led().Report().Duplicates
	stopProducing = make(chan struct{})
	produced.Add(1)
	go func() {
		defer produced.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopProducing:
				return
			case <-tick.C:
				if err := emu.Generate(harness.Project, harness.Logstore, 100); err != nil {
					genErr = err
					return
				}
				total += 100
			}
		}
	}()
	for _, n := range names {
		// supervisorctl restart returns once the new process is RUNNING (startsecs).
		if out, err := s.ctlRun("restart", "siemship:"+n); err != nil || !strings.Contains(out, n+": started") {
			close(stopProducing)
			produced.Wait()
			t.Fatalf("supervisorctl restart %s: %v\n%s\n%s", n, err, out, diag())
		}
	}
	close(stopProducing)
	produced.Wait()
	if genErr != nil {
		t.Fatal(genErr)
	}
	waitFor(t, 60*time.Second, fmt.Sprintf("all %d records after the rolling restart", total), func() bool { return led().Report().Unique >= total }, diag)
	rep = led().Report()
	if missing := led().Missing(1, total, 10); len(missing) > 0 || rep.Duplicates != dupsBefore {
		t.Errorf("rolling restart: %+v (duplicates before %d), missing %v; want no loss and no new duplicates\n%s", rep, dupsBefore, missing, diag())
	}
	t.Logf("rolling restart of %d processes while producing: %d records in total, %d new duplicates", len(names), total, rep.Duplicates-dupsBefore)

	// A stop is graceful: SIGTERM, exit status 0 well within stopwaitsecs.
	if out, err := s.ctlRun("stop", "siemship:*"); err != nil {
		t.Fatalf("supervisorctl stop: %v\n%s", err, out)
	}
	log := s.log()
	for _, n := range names {
		if !strings.Contains(log, "stopped: "+n+" (exit status 0)") {
			t.Errorf("%s did not stop cleanly on SIGTERM\n%s", n, diag())
		}
	}
	if !strings.Contains(log, "exited: "+victim+" (terminated by SIGKILL") {
		t.Errorf("supervisord did not see the SIGKILL of %s\n%s", victim, log)
	}
}

// groupConsumers returns the consumers that saved the group's checkpoints.
func groupConsumers(t *testing.T, emu *harness.Emulator) []string {
	t.Helper()
	cl := sls.CreateNormalInterface(emu.Endpoint, harness.KeyID, harness.Secret, "")
	hc := slsemu.HTTPClient(emu.URL)
	defer hc.CloseIdleConnections()
	cl.SetHTTPClient(hc)
	cps, err := cl.GetCheckpoint(harness.Project, harness.Logstore, harness.Group)
	if err != nil {
		t.Fatalf("checkpoints: %v", err)
	}
	var out []string
	for _, cp := range cps {
		if cp.Consumer != "" && !slices.Contains(out, cp.Consumer) {
			out = append(out, cp.Consumer)
		}
	}
	slices.Sort(out)
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	sc := bufio.NewScanner(strings.NewReader(s[len(s)-n:]))
	sc.Scan() // drop the partial first line
	var b strings.Builder
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}
