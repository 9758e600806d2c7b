package realrecv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	stopTimeout  = 10 * time.Second // SIGTERM → exit before SIGKILL
	pollInterval = 10 * time.Millisecond
)

// readyTimeout bounds start → ready, far above what starts take (docs/receivers.md). A variable so that a test
// can shorten it.
var readyTimeout = 10 * time.Second

// errNotReady: the receiver did not become ready within readyTimeout. Seen once in CI (rsyslog wrote nothing, and
// the test took 50 s more than the timeout: a stalled process or machine); the start is then repeated, as after
// a taken port.
var errNotReady = errors.New("not ready")

// afterStart, when a test sets it, is called with the receiver's PID after each start, before the wait for ready.
var afterStart func(pid int)

// DefaultTimeZone is the TZ both receivers run with unless their options name another: UTC, so that an RFC 3164
// TIMESTAMP (no zone) means the same instant to the receiver as to siemship, whose RFC 3164 header writes UTC by
// default, and the tests do not depend on the machine's zone. ("UTC0" is POSIX and needs no zoneinfo files.)
const DefaultTimeZone = "UTC0"

func timeZone(tz string) string {
	if tz == "" {
		return DefaultTimeZone
	}
	return tz
}

// process is one receiver process with its directory layout: DIR/state, DIR/out, DIR/tls, DIR/stderr.log.
type process struct {
	receiver string // ReceiverRsyslog or ReceiverSyslogNG
	dir      string
	certs    Certs

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed when the current process has been waited for
	waitErr  error
	outStart int64 // size of stderr.log when the current process started

	// Messages' decoded output so far: the file, how far it was decoded, and the messages
	outMu   sync.Mutex
	outFile os.FileInfo
	outOff  int64
	outMsgs []Parsed
}

func newProcess(t testing.TB, receiver string) *process {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"state", "out"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatalf("realrecv: %v", err)
		}
	}
	certs, err := WriteCerts(filepath.Join(dir, "tls"))
	if err != nil {
		t.Fatalf("realrecv: %v", err)
	}
	return &process{receiver: receiver, dir: dir, certs: certs}
}

func (p *process) jsonPath() string   { return filepath.Join(p.dir, "out", "json.log") }
func (p *process) stderrPath() string { return filepath.Join(p.dir, "stderr.log") }

// start runs argv, with env added to the test's environment, and stdout and stderr appended to DIR/stderr.log.
// The child gets SIGKILL if the test process dies, so no receiver outlives a crashed test binary.
func (p *process) start(argv, env []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return errors.New("already running")
	}
	f, err := os.OpenFile(p.stderrPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open stderr log: %w", err)
	}
	defer f.Close() // the child has its own descriptor
	fmt.Fprintf(f, "=== realrecv: start %s at %s\n", filepath.Base(argv[0]), time.Now().Format(time.RFC3339Nano))
	if fi, err := f.Stat(); err == nil {
		p.outStart = fi.Size()
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// exited reports whether the current process has exited, with its wait error.
func (p *process) exited() (bool, error) {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return true, errors.New("not started")
	}
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.waitErr
	default:
		return false, nil
	}
}

// signal sends sig and waits up to timeout for the exit; after the timeout it sends SIGKILL and waits. It is a
// no-op when nothing runs.
func (p *process) signal(sig syscall.Signal, timeout time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
	}
	p.mu.Lock()
	p.cmd, p.done = nil, nil
	p.mu.Unlock()
}

// Stop terminates the receiver with SIGTERM (SIGKILL after 10 s) and waits for it. Received messages stay readable.
func (p *process) Stop() { p.signal(syscall.SIGTERM, stopTimeout) }

// Kill kills the receiver with SIGKILL (no flush, no goodbye to clients) and waits for it.
func (p *process) Kill() { p.signal(syscall.SIGKILL, stopTimeout) }

// Dir is the instance directory (config, state/, out/, tls/, stderr.log).
func (p *process) Dir() string { return p.dir }

// Certs are the test certificates the TLS listeners use.
func (p *process) Certs() Certs { return p.certs }

// PID is the receiver's process id, 0 when stopped.
func (p *process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Stderr returns what the receiver wrote to stdout and stderr over all its runs.
func (p *process) Stderr() string {
	b, _ := os.ReadFile(p.stderrPath())
	return string(b)
}

// outputSinceStart is what the current (or last) process wrote to stdout and stderr.
func (p *process) outputSinceStart() string {
	p.mu.Lock()
	off := p.outStart
	p.mu.Unlock()
	b, _ := os.ReadFile(p.stderrPath())
	if off > int64(len(b)) {
		return ""
	}
	return string(b[off:])
}

// Messages reads every message stored so far (over all runs), in arrival order. An incomplete last line (being
// written) is left for the next call. Only what was appended since the last call is decoded (polling a large
// output under -race would otherwise spend its time decoding the same lines again); the returned slice shares
// its elements with later results and must not be modified.
func (p *process) Messages() ([]Parsed, error) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	f, err := os.Open(p.jsonPath())
	if errors.Is(err, os.ErrNotExist) {
		p.outFile, p.outOff, p.outMsgs = nil, 0, nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s output: %w", p.receiver, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s output: %w", p.receiver, err)
	}
	if p.outFile == nil || !os.SameFile(p.outFile, fi) || fi.Size() < p.outOff {
		p.outFile, p.outOff, p.outMsgs = fi, 0, nil // a new or truncated file: start over
	}
	b, err := io.ReadAll(io.NewSectionReader(f, p.outOff, fi.Size()-p.outOff))
	if err != nil {
		return nil, fmt.Errorf("read %s output: %w", p.receiver, err)
	}
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 {
		return p.outMsgs[:len(p.outMsgs):len(p.outMsgs)], nil
	}
	b = b[:i+1]
	msgs := p.outMsgs
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m, err := decodeLine(p.receiver, line)
		if err != nil {
			return msgs[:len(msgs):len(msgs)], err
		}
		msgs = append(msgs, m)
	}
	if err := sc.Err(); err != nil {
		return msgs[:len(msgs):len(msgs)], fmt.Errorf("scan %s output: %w", p.receiver, err)
	}
	p.outMsgs, p.outOff = msgs, p.outOff+int64(len(b))
	return msgs[:len(msgs):len(msgs)], nil
}

// WaitForCount polls until at least n messages are stored and returns all of them. It fails when ctx ends first or
// the receiver is not running (exited, stopped or killed) before n messages are stored.
func (p *process) WaitForCount(ctx context.Context, n int) ([]Parsed, error) {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		msgs, err := p.Messages()
		if err != nil {
			return msgs, err
		}
		if len(msgs) >= n {
			return msgs, nil
		}
		if gone, werr := p.exited(); gone {
			return msgs, fmt.Errorf("%s exited with %d of %d messages stored: %v", p.receiver, len(msgs), n, werr)
		}
		select {
		case <-ctx.Done():
			return msgs, fmt.Errorf("wait for %d messages, have %d: %w", n, len(msgs), context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// waitReady polls ready() until it returns true, the process exits or readyTimeout passes.
func (p *process) waitReady(ready func() (bool, error)) error {
	if afterStart != nil {
		afterStart(p.PID())
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		ok, err := ready()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if gone, werr := p.exited(); gone {
			return fmt.Errorf("%s exited during start-up: %v", p.receiver, werr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %w after %s (%s)", p.receiver, errNotReady, readyTimeout, p.procState())
		}
		time.Sleep(pollInterval)
	}
}

// procState describes the process and the machine for a start that was not ready in time: whether the
// receiver ran at all (its state and CPU time) or the machine stalled.
func (p *process) procState() string {
	pid := p.PID()
	var parts []string
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// fields after "(comm)": state is the first, utime and stime the 12th and 13th, in clock ticks (100 Hz)
		if i := bytes.LastIndexByte(b, ')'); i > 0 {
			if f := strings.Fields(string(b[i+1:])); len(f) > 12 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				parts = append(parts, fmt.Sprintf("state %s, CPU %s", f[0], time.Duration(ut+st)*10*time.Millisecond))
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid)); err == nil && len(b) > 0 && string(b) != "0" {
		parts = append(parts, "waiting in "+string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			parts = append(parts, "load "+strings.Join(f[:3], " "))
		}
	}
	return fmt.Sprintf("pid %d: %s", pid, strings.Join(parts, ", "))
}

// abort kills a receiver whose start failed with err and returns err, as errPortTaken when the receiver's output
// reports a failed bind, and with the time SIGKILL took when that was long (a stalled process or machine).
func (p *process) abort(err error) error {
	begin := time.Now()
	p.Kill()
	if d := time.Since(begin); d > time.Second {
		err = fmt.Errorf("%w (SIGKILL took %s)", err, d.Round(time.Millisecond))
	}
	if out := p.outputSinceStart(); !errors.Is(err, errPortTaken) && bindFailure(out) {
		err = fmt.Errorf("%w: %v: %s", errPortTaken, err, truncateTail(out, 2<<10))
	}
	return err
}

// retryable reports whether a failed start is worth repeating: a port was taken, or the receiver was not ready.
func retryable(err error) bool { return errors.Is(err, errPortTaken) || errors.Is(err, errNotReady) }

// logOnFailure registers a cleanup that stops the receiver and, when the test failed, logs diagnostics.
func (p *process) logOnFailure(t testing.TB, extra func() string) {
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("realrecv: %s in %s, stderr:\n%s", p.receiver, p.dir, truncateTail(p.Stderr(), 16<<10))
			if extra != nil {
				t.Logf("%s", truncateTail(extra(), 16<<10))
			}
		}
	})
}

func truncateTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
