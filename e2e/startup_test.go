package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testport"
)

// plainLines returns the lines of stderr that are not siemship's JSON log: what it prints for people.
func plainLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if l != "" && !strings.HasPrefix(l, "{") {
			out = append(out, l)
		}
	}
	return out
}

// TestInvalidConfiguration runs the binary with five configuration mistakes at once: it must exit 2 without
// touching the network, with one line per problem naming the variable, and never print the secret.
func TestInvalidConfiguration(t *testing.T) {
	t.Parallel()
	const secret = "e2e-secret-must-not-leak"
	env := []string{
		// SLS_ENDPOINT missing
		"SLS_AK_ID=id", "SLS_AK_KEY=" + secret, "SLS_PROJECT=p", "SLS_LOGSTORE=l", "SLS_CG=g",
		"SYSLOG_HOST=127.0.0.1",
		"SYSLOG_PORT=99999",
		"SYSLOG_PROTOCOL=carrier-pigeon",
		"SYSLOG_HSOT=siem.example.com", // typo
		"SIEMSHIP_SHUTDOWN_TIMEOUT=soon",
	}
	p := harness.StartProc(t, "siemship", env)
	code, at := p.Wait(10 * time.Second)
	out := p.Stderr()
	t.Logf("exit %d after %s:\n%s", code, at.Sub(p.Started()).Round(time.Millisecond), out)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	for _, name := range []string{"SLS_ENDPOINT", "SYSLOG_PORT", "SYSLOG_PROTOCOL", "SYSLOG_HSOT", "SIEMSHIP_SHUTDOWN_TIMEOUT"} {
		n := 0
		for _, l := range plainLines(out) {
			if strings.Contains(l, name) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines name %s, want exactly 1", n, name)
		}
	}
	if strings.Contains(out, secret) {
		t.Error("the secret appears in the output")
	}
}

// TestRejectedCredentials runs the binary against the emulator with a wrong secret: SLS answers SignatureNotMatch,
// which no retry can cure, so siemship exits 2 at once with one line that says so.
func TestRejectedCredentials(t *testing.T) {
	t.Parallel()
	const secret = "wrong-secret-must-not-leak"
	emu := harness.StartEmulator(t, 1, 10)
	s := startSink(t, syslogrecv.Options{})
	p := harness.StartProc(t, "siemship", testEnv(emu, s.Addr(), "tcp", "SLS_AK_KEY="+secret))
	code, at := p.Wait(20 * time.Second)
	out := p.Stderr()
	lines := plainLines(out)
	t.Logf("exit %d after %s; plain lines: %q", code, at.Sub(p.Started()).Round(time.Millisecond), lines)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "SignatureNotMatch") {
		t.Errorf("want one line mentioning SignatureNotMatch, got %q", lines)
	}
	if strings.Contains(out, secret) {
		t.Error("the secret appears in the output")
	}
	if n := s.Col.Len(); n != 0 {
		t.Errorf("receiver got %d messages", n)
	}
}

// TestUnreachableSLS points siemship at a closed port: it must keep retrying (and say so in its log) instead of
// exiting, and stop cleanly on SIGTERM.
func TestUnreachableSLS(t *testing.T) {
	t.Parallel()
	closed := testport.Refused(t)         // a port released after a listen could be taken by another process meanwhile
	emu := harness.StartEmulator(t, 1, 0) // only for Env; siemship never reaches it
	s := startSink(t, syslogrecv.Options{})
	p := harness.StartProc(t, "siemship", testEnv(emu, s.Addr(), "tcp", "SLS_ENDPOINT="+closed))

	const msg = "SLS not reachable, retrying"
	deadline := time.Now().Add(15 * time.Second)
	for len(p.LogEntries(msg)) < 2 && time.Now().Before(deadline) && !p.Exited() {
		time.Sleep(50 * time.Millisecond)
	}
	if p.Exited() {
		code, _ := p.Wait(time.Second)
		t.Fatalf("siemship exited with status %d while SLS was unreachable", code)
	}
	retries := len(p.LogEntries(msg))
	if retries < 2 {
		t.Fatalf("%d %q log entries after 15s, want at least 2", retries, msg)
	}
	sent := time.Now()
	p.Signal(syscall.SIGTERM)
	code, at := p.Wait(stopTimeout + 5*time.Second)
	t.Logf("%d retries logged in %s; exit %d %s after SIGTERM", retries, sent.Sub(p.Started()).Round(time.Millisecond),
		code, at.Sub(sent).Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	if d := at.Sub(sent); d > stopTimeout+stopMargin {
		t.Errorf("took %s to exit after SIGTERM", d)
	}
}
