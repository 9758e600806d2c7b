package e2e

import (
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// Sizes of the interrupted streams: small batches, and PullLogs slowed down in the first run, so that a signal
// lands in the middle of the stream.
const (
	stopShards    = 4
	stopRecords   = 20_000
	stopFetch     = 5                      // SLS_MAX_FETCH_LOG_GROUPS
	stopBatch     = stopFetch * 10         // records per batch: the emulator writes 10 records per log group
	stopLatency   = 100 * time.Millisecond // PullLogs latency during the first run
	stopMargin    = time.Second            // after SIEMSHIP_SHUTDOWN_TIMEOUT, for the process to exit
	stopAfter     = stopRecords / 10       // records to wait for before the signal
	stopRunBudget = 90 * time.Second       // to finish the stream after the restart
)

// interrupted runs the first half of a signal test: siemship as a subprocess, slowed down, until stopAfter
// records arrived; then sig. It returns the emulator, the sink, the env and the process.
func interrupted(t *testing.T, sig syscall.Signal) (*harness.Emulator, *harness.Sink, []string, *harness.Proc, time.Time) {
	t.Helper()
	emu := harness.StartEmulator(t, stopShards, stopRecords)
	s := startSink(t, syslogrecv.Options{})
	hdr := header{10, 5, "e2e-host", "siemship", "1", "SIG"}
	env := testEnv(emu, s.Addr(), "tcp", append(hdr.env(), "SLS_MAX_FETCH_LOG_GROUPS=5")...)
	emu.SetLatency(slsemu.APIPullLogs, stopLatency)
	p := harness.StartProc(t, "first run", env)
	s.WaitUnique(t, stopAfter, 60*time.Second)
	sent := time.Now()
	p.Signal(sig)
	return emu, s, env, p, sent
}

// finish restarts siemship without the emulator's latency and with larger batches (a configuration change does
// not matter to the checkpoints), and waits until every record arrived.
func finish(t *testing.T, emu *harness.Emulator, s *harness.Sink, env []string) {
	t.Helper()
	emu.ClearFaults()
	start := time.Now()
	p := harness.StartProc(t, "second run", harness.Override(env, "SLS_MAX_FETCH_LOG_GROUPS=100"))
	defer func() { t.Logf("second run: %s", time.Since(start).Round(time.Millisecond)) }()
	s.WaitUnique(t, stopRecords, stopRunBudget)
	sent := time.Now()
	p.Signal(syscall.SIGTERM)
	code, at := p.Wait(stopTimeout + stopMargin + 5*time.Second)
	t.Logf("second run: idle stop took %s", at.Sub(sent).Round(time.Millisecond))
	if code != 0 {
		t.Errorf("second run: exit status %d after SIGTERM, want 0", code)
	}
	s.Quiet(100*time.Millisecond, 5*time.Second)
}

// TestSIGTERMResumes stops siemship with SIGTERM in the middle of the stream: it must exit 0 within
// SIEMSHIP_SHUTDOWN_TIMEOUT, and a restart must resume from the saved checkpoints so that every record arrives
// exactly once across both runs (a graceful stop delivers or abandons the in-flight batches and saves the
// checkpoint of everything delivered, so nothing is sent twice).
func TestSIGTERMResumes(t *testing.T) { testGracefulStop(t, syscall.SIGTERM) }

// TestSIGHUPResumes: SIGHUP is a graceful stop like SIGTERM (siemship has nothing to reload, and under a terminal
// or supervisord a hangup means its session is gone), not the Go runtime's default of dying at once (status 129,
// no checkpoint flush, no log line).
func TestSIGHUPResumes(t *testing.T) { testGracefulStop(t, syscall.SIGHUP) }

func testGracefulStop(t *testing.T, sig syscall.Signal) {
	t.Parallel()
	emu, s, env, p, sent := interrupted(t, sig)
	code, at := p.Wait(stopTimeout + stopMargin + 5*time.Second)
	took := at.Sub(sent)
	first := s.Led.Report()
	t.Logf("first run: exit %d %s after %v; %d records received (%d duplicates)", code, took.Round(time.Millisecond), sig, first.Unique, first.Duplicates)
	if code != 0 {
		t.Errorf("exit status %d after %v, want 0", code, sig)
	}
	if took > stopTimeout+stopMargin {
		t.Errorf("exit %s after %v, want within SIEMSHIP_SHUTDOWN_TIMEOUT (%s) + %s", took, sig, stopTimeout, stopMargin)
	}
	if es := p.LogEntries("stopping on signal"); len(es) != 1 || es[0]["signal"] != sig.String() {
		t.Errorf("log entries \"stopping on signal\": %v, want one with signal=%q", es, sig.String())
	}
	if first.Unique >= stopRecords {
		t.Fatalf("all %d records arrived before the stop took effect: the stream is too short to test a restart", first.Unique)
	}
	cps := emu.Stats().Logstore(harness.Project, harness.Logstore).Group(harness.Group)
	saved := 0
	for sh := range stopShards {
		if cps.Checkpoint(sh) != "" {
			saved++
		}
	}
	if saved == 0 {
		t.Error("no checkpoint saved by the first run")
	}

	finish(t, emu, s, env)
	r := verify(t, s.Col.Messages(), expectEmulator(t, emu), header{10, 5, "e2e-host", "siemship", "1", "SIG"}, "||")
	t.Logf("both runs: %s", r)
	if r.unique != stopRecords || r.missing != 0 || r.duplicates != 0 || r.bad != 0 {
		t.Errorf("want every record exactly once across a graceful restart: %s", r)
	}
}

// TestSIGKILLResumes kills siemship with SIGKILL in the middle of the stream: nothing may be lost, and the
// duplicates are bounded by the batches that were delivered but not yet checkpointed, at most one per shard.
func TestSIGKILLResumes(t *testing.T) {
	t.Parallel()
	emu, s, env, p, _ := interrupted(t, syscall.SIGKILL)
	if code, _ := p.Wait(5 * time.Second); code != -1 {
		t.Errorf("exit status %d, want -1 (killed)", code)
	}
	first := s.Led.Report()
	if first.Unique >= stopRecords {
		t.Fatalf("all %d records arrived before the kill: the stream is too short to test a restart", first.Unique)
	}
	finish(t, emu, s, env)
	r := verify(t, s.Col.Messages(), expectEmulator(t, emu), header{10, 5, "e2e-host", "siemship", "1", "SIG"}, "||")
	t.Logf("first run received %d records before SIGKILL; both runs: %s (bound %d)", first.Unique, r, stopShards*stopBatch)
	if r.unique != stopRecords || r.missing != 0 || r.bad != 0 {
		t.Errorf("records lost across SIGKILL: %s", r)
	}
	if r.duplicates > stopShards*stopBatch {
		t.Errorf("%d duplicates, want at most one batch per shard (%d)", r.duplicates, stopShards*stopBatch)
	}
}

// TestSecondSignalExitsAtOnce: while a graceful stop waits for a batch that the receiver does not read, a second
// stop signal ends siemship at once with status 130, whichever signals they are.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	for _, sigs := range [][2]syscall.Signal{{syscall.SIGTERM, syscall.SIGTERM}, {syscall.SIGHUP, syscall.SIGINT}} {
		t.Run(sigs[0].String()+", "+sigs[1].String(), func(t *testing.T) { testSecondSignal(t, sigs[0], sigs[1]) })
	}
}

func testSecondSignal(t *testing.T, first, second syscall.Signal) {
	t.Parallel()
	emu := harness.StartEmulator(t, 1, 30_000) // ~10 MB in batches of 10 000 records: more than the socket buffers
	s := startSink(t, syslogrecv.Options{})
	s.Hold()
	env := testEnv(emu, s.Addr(), "tcp", "SIEMSHIP_SHUTDOWN_TIMEOUT=20s", "SLS_HEARTBEAT_TIMEOUT=30s", "SYSLOG_WRITE_TIMEOUT=30s")
	p := harness.StartProc(t, "siemship", env)
	// The receiver has accepted the connection and siemship is blocked writing into full socket buffers.
	deadline := time.Now().Add(20 * time.Second)
	for s.Receiver().ActiveConnections() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second)
	p.Signal(first)
	time.Sleep(500 * time.Millisecond)
	if p.Exited() {
		code, _ := p.Wait(time.Second)
		t.Fatalf("exited with status %d on the first signal (%v) although a batch was stuck", code, first)
	}
	sent := time.Now()
	p.Signal(second)
	code, at := p.Wait(5 * time.Second)
	t.Logf("exit %d %s after the second signal (%v)", code, at.Sub(sent).Round(time.Millisecond), second)
	if code != 130 {
		t.Errorf("exit status %d after the second signal, want 130", code)
	}
	if d := at.Sub(sent); d > time.Second {
		t.Errorf("took %s to exit after the second signal", d)
	}
	s.Open()
}
