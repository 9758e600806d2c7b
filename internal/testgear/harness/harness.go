// Package harness starts the real parts of an end-to-end run for tests: the SLS emulator with generated data and
// siemship itself (in-process through app, or as a built binary), configured through the same environment
// variables a user sets. It is imported only by tests.
package harness

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// Names of the emulated logstore.
const (
	Project  = "e2e-project"
	Logstore = "audit"
	Group    = "siemship-e2e"
	KeyID    = "e2e-key-id"
	Secret   = "e2e-key-secret"
)

// Emulator is a running SLS emulator with one logstore.
type Emulator struct {
	*slsemu.Server
	URL      string // http://127.0.0.1:PORT
	Endpoint string // 127.0.0.1:PORT, what SLS_ENDPOINT takes
}

// StartEmulator starts an emulator with shards shards and records generated records (seq 1..records); it stops
// when the test ends.
func StartEmulator(t testing.TB, shards, records int) *Emulator {
	t.Helper()
	s := slsemu.New(slsemu.Options{Logger: zap.NewNop()})
	s.AddKey(KeyID, Secret)
	if err := s.AddLogstore(Project, Logstore, shards, 0); err != nil {
		t.Fatal(err)
	}
	if records > 0 {
		if err := s.Generate(Project, Logstore, records); err != nil {
			t.Fatal(err)
		}
	}
	u, err := s.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	pu, _ := url.Parse(u)
	return &Emulator{Server: s, URL: u, Endpoint: pu.Host}
}

// Env returns the environment for siemship reading from e and sending to addr (host:port) with protocol, with
// short intervals suited to tests. extra entries (KEY=value) are appended and win over the defaults.
func (e *Emulator) Env(addr, protocol string, extra ...string) []string {
	host, port, _ := net.SplitHostPort(addr)
	env := []string{
		"SLS_ENDPOINT=" + e.Endpoint,
		"SLS_AK_ID=" + KeyID,
		"SLS_AK_KEY=" + Secret,
		"SLS_PROJECT=" + Project,
		"SLS_LOGSTORE=" + Logstore,
		"SLS_CG=" + Group,
		"SLS_CONSUMER_NAME=e2e-1",
		"SLS_HEARTBEAT_INTERVAL=1s",
		"SLS_FETCH_INTERVAL=50ms",
		"SLS_HEARTBEAT_TIMEOUT=6s",
		"SIEMSHIP_SHUTDOWN_TIMEOUT=5s", // the SDK's StopAndWait polls every 500 ms and needs about 1.7 s when healthy
		"SIEMSHIP_RETRY_INITIAL_BACKOFF=100ms",
		"SIEMSHIP_RETRY_MAX_BACKOFF=1s",
		"SYSLOG_HOST=" + host,
		"SYSLOG_PORT=" + port,
		"SYSLOG_PROTOCOL=" + protocol,
		"SYSLOG_HOSTNAME=e2e-host",
		"SYSLOG_APP_NAME=siemship",
		"SYSLOG_PROCID=4242",
		"SYSLOG_MSGID=AUDIT",
		"SYSLOG_FACILITY=local4",
		"SYSLOG_SEVERITY=notice",
		"SYSLOG_WRITE_TIMEOUT=5s",
		"SYSLOG_DIAL_TIMEOUT=2s",
	}
	return Override(env, extra...)
}

// Override returns a copy of env in which the KEY=value entries of extra replace those with the same key; the
// others are appended.
func Override(env []string, extra ...string) []string {
	out := append([]string(nil), env...)
	for _, kv := range extra {
		k := kv
		if i := indexByte(kv, '='); i >= 0 {
			k = kv[:i]
		}
		replaced := false
		for i, e := range out {
			if j := indexByte(e, '='); j >= 0 && e[:j] == k {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// Shipper is siemship running in-process.
type Shipper struct {
	App  *app.App
	stop context.CancelFunc
	done chan error
	once sync.Once
	err  error
}

// StartShipper loads the configuration from env and runs siemship in-process until Stop (or the test's end).
func StartShipper(t testing.TB, env []string) *Shipper {
	t.Helper()
	cfg, err := config.Load(env)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a, err := app.New(cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Named(cfg.ConsumerName))
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Shipper{App: a, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Run(ctx) }()
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// Stop sends the equivalent of SIGTERM and waits for Run to return.
func (s *Shipper) Stop() error {
	s.once.Do(func() {
		s.stop()
		s.err = <-s.done
	})
	return s.err
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// BinaryEnv names a siemship binary built beforehand (scripts/test.sh and scripts/chaos.sh build it once with
// scripts/build.sh for every test package); Binary then uses it instead of building its own.
const BinaryEnv = "SIEMSHIP_TEST_BINARY"

// Binary returns the path of the siemship binary: $SIEMSHIP_TEST_BINARY when set, else cmd/siemship built once per
// test process with scripts/build.sh, as the image ships it (static, paths trimmed; it shares the build cache with
// deploy/docker's test of that script).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv(BinaryEnv); p != "" {
			if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				buildErr = fmt.Errorf("%s=%s: not an executable file (%v)", BinaryEnv, p, err)
				return
			}
			binPath = p
			return
		}
		dir, err := os.MkdirTemp("", "siemship-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "siemship")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..", "..") // internal/testgear/harness
		cmd := exec.Command("sh", "scripts/build.sh", binPath, "test")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("build siemship: %v", buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// Atoi is strconv.Atoi that fails the test on error.
func Atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
