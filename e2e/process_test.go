package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/harness"
)

// proc is the built siemship binary running as a subprocess with exactly the environment a test gives it: what
// users run, signals and exit statuses included. The data-heavy runs use it too: built without the race detector
// (internal/harness), it ships 100 000 records in a few seconds, where the in-process shipper under -race needs
// several times longer. The in-process runs (TLS, hostile records) keep the race detector on the same code paths.
type proc struct {
	t     testing.TB
	name  string
	cmd   *exec.Cmd
	start time.Time

	mu    sync.Mutex
	lines []string // stderr, line by line: siemship's JSON log and its plain error lines

	done     chan struct{} // closed when the process has exited and stderr is drained
	exitCode int
	exitTime time.Time
}

// startProc runs siemship with env (nothing of the test's own environment leaks in) and args.
func startProc(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, done: make(chan struct{})}
	p.cmd = exec.Command(harness.Binary(t), args...)
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p.start = time.Now()
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		err := p.cmd.Wait()
		p.exitTime = time.Now()
		p.exitCode = p.cmd.ProcessState.ExitCode() // -1 when killed by a signal
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			p.exitCode = -2
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr (last 40 lines):\n%s", p.name, p.tail(40))
		}
	})
	return p
}

// signal sends sig to the process.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("%s: send %v: %v", p.name, sig, err)
	}
}

// wait waits up to timeout for the process to exit and returns its exit status (-1: killed by a signal) and when
// it exited. It fails the test on timeout.
func (p *proc) wait(timeout time.Duration) (int, time.Time) {
	p.t.Helper()
	select {
	case <-p.done:
		return p.exitCode, p.exitTime
	case <-time.After(timeout):
		p.t.Fatalf("%s still running after %s; stderr:\n%s", p.name, timeout, p.tail(30))
		return 0, time.Time{}
	}
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stderr returns what the process wrote to standard error so far.
func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

func (p *proc) tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines[max(0, len(p.lines)-n):], "\n")
}

// logEntries returns siemship's JSON log entries whose msg is msg.
func (p *proc) logEntries(msg string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, l := range p.lines {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var e map[string]any
		if json.Unmarshal([]byte(l), &e) == nil && e["msg"] == msg {
			out = append(out, e)
		}
	}
	return out
}

// stopped returns the counters of siemship's final "stopped" log entry (records, batches, failed_sends, truncated),
// failing the test when there is none.
func (p *proc) stopped() map[string]uint64 {
	p.t.Helper()
	es := p.logEntries("stopped")
	if len(es) != 1 {
		p.t.Fatalf("%s: %d \"stopped\" log entries, want 1; stderr:\n%s", p.name, len(es), p.tail(20))
	}
	out := map[string]uint64{}
	for k, v := range es[0] {
		if f, ok := v.(float64); ok {
			out[k] = uint64(f)
		}
	}
	return out
}

// Settings of every run, on top of the harness's.
//
// The harness's 2 s SIEMSHIP_SHUTDOWN_TIMEOUT is shorter than the SDK consumer library may need to stop even when
// idle: ConsumerWorker.shutDownAndWait polls its shard workers every 500 ms (one poll to flag them, one to see
// them stopped, one to see the map empty) and an idle shard worker sleeps 500 ms before it looks at its flag, so a
// graceful stop takes 1.5 to 2.5 s and a 2 s budget sometimes times out (exit 1). 5 s needs a heartbeat timeout
// above it.
//
// SYSLOG_WRITE_TIMEOUT bounds the wait for a batch's confirmation; the receiver runs in the race-instrumented test
// process on a shared machine, and a resend caused by a slow test receiver would show up as a duplicate.
const stopTimeout = 5 * time.Second

var baseEnv = []string{"SIEMSHIP_SHUTDOWN_TIMEOUT=5s", "SLS_HEARTBEAT_TIMEOUT=10s", "SYSLOG_WRITE_TIMEOUT=30s"}

// testEnv is emu.Env with baseEnv, then extra.
func testEnv(emu *harness.Emulator, addr, protocol string, extra ...string) []string {
	return emu.Env(addr, protocol, append(append([]string(nil), baseEnv...), extra...)...)
}
