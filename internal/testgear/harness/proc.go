package harness

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is the built siemship binary (Binary) running as a subprocess with exactly the environment a test gives
// it: what users run, signals and exit statuses included. Its stderr (siemship's JSON log and its plain error
// lines) is kept line by line; the last lines are logged when the test fails.
type Proc struct {
	t     testing.TB
	name  string
	cmd   *exec.Cmd
	start time.Time

	mu    sync.Mutex
	lines []string

	done     chan struct{} // closed when the process has exited and stderr is drained
	exitCode int
	exitTime time.Time
}

// StartProc runs siemship with env (nothing of the test's own environment leaks in) and args. The process is killed
// when the test ends, if it is still running.
func StartProc(t testing.TB, name string, env []string, args ...string) *Proc {
	t.Helper()
	p := &Proc{t: t, name: name, done: make(chan struct{})}
	p.cmd = exec.Command(Binary(t), args...)
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
			t.Logf("%s stderr (last 40 lines):\n%s", p.name, p.Tail(40))
		}
	})
	return p
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("%s: send %v: %v", p.name, sig, err)
	}
}

// Wait waits up to timeout for the process to exit and returns its exit status (-1: killed by a signal) and when
// it exited. It fails the test on timeout.
func (p *Proc) Wait(timeout time.Duration) (int, time.Time) {
	p.t.Helper()
	select {
	case <-p.done:
		return p.exitCode, p.exitTime
	case <-time.After(timeout):
		p.t.Fatalf("%s still running after %s; stderr:\n%s", p.name, timeout, p.Tail(30))
		return 0, time.Time{}
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stderr returns what the process wrote to standard error so far.
func (p *Proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// Tail returns the last n lines of stderr.
func (p *Proc) Tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines[max(0, len(p.lines)-n):], "\n")
}

// LogEntries returns siemship's JSON log entries whose msg is msg.
func (p *Proc) LogEntries(msg string) []map[string]any {
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

// FirstLog returns the time of the first log entry after since whose msg contains msg.
func (p *Proc) FirstLog(msg string, since time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		var e struct {
			TS  time.Time `json:"ts"`
			Msg string    `json:"msg"`
		}
		if json.Unmarshal([]byte(l), &e) != nil || !strings.Contains(e.Msg, msg) {
			continue
		}
		if e.TS.After(since) {
			return e.TS, true
		}
	}
	return time.Time{}, false
}

// Stopped returns the counters of siemship's final "stopped" log entry (records, batches, failed_sends, truncated),
// failing the test when there is none.
func (p *Proc) Stopped() map[string]uint64 {
	p.t.Helper()
	es := p.LogEntries("stopped")
	if len(es) != 1 {
		p.t.Fatalf("%s: %d \"stopped\" log entries, want 1; stderr:\n%s", p.name, len(es), p.Tail(20))
	}
	out := map[string]uint64{}
	for k, v := range es[0] {
		if f, ok := v.(float64); ok {
			out[k] = uint64(f)
		}
	}
	return out
}

// PID is the process's id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// PeakRSS is the process's peak resident set (VmHWM) since it started or since the last ResetPeakRSS.
func (p *Proc) PeakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

// ResetPeakRSS starts PeakRSS afresh (Linux: writing 5 to /proc/PID/clear_refs).
func (p *Proc) ResetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.PID()), []byte("5"), 0)
}

// Name is the name the process was started with.
func (p *Proc) Name() string { return p.name }

// Started is when the process was started.
func (p *Proc) Started() time.Time { return p.start }
