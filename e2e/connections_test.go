package e2e

import (
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// TestConnectionsInParallel: with SYSLOG_CONNECTIONS=4, four batches are on the wire at once. The receiver stops
// reading (Hold) and SYSLOG_CONFIRM=close keeps each batch's connection open until the receiver has read all of it
// and closed its side, so every batch in flight holds one open connection (the start-up check's connection closes
// at once). With 8 shards there is always a batch waiting, so the count must reach 4 well before the 30 s write
// timeout, and stay at 4: a fifth batch waits for a free connection. Then the receiver reads again and every
// record arrives. (The pipeline once let only 2 batches in flight whatever SYSLOG_CONNECTIONS said.)
func TestConnectionsInParallel(t *testing.T) {
	t.Parallel()
	const shards, records, conns = 8, 4000, 4
	emu := harness.StartEmulator(t, shards, records)
	s := startSink(t, syslogrecv.Options{})
	s.Hold()
	p := harness.StartProc(t, "siemship", testEnv(emu, s.Addr(), "tcp",
		"SYSLOG_CONNECTIONS=4", "SYSLOG_CONFIRM=close", "SLS_MAX_FETCH_LOG_GROUPS=5"))

	open := s.Receiver().ActiveConnections
	for deadline := time.Now().Add(15 * time.Second); open() < conns && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // a fifth would show up now
	if got := open(); got != conns {
		t.Errorf("%d connections carried a batch at once while the receiver held, want SYSLOG_CONNECTIONS=%d", got, conns)
	}
	s.Open()
	s.WaitUnique(t, records, time.Minute)
	p.Signal(syscall.SIGTERM)
	if code, _ := p.Wait(stopTimeout + stopMargin + 5*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	if r := s.Led.Report(); r.Unique != records {
		t.Errorf("%d of %d records delivered", r.Unique, records)
	}
}
