package harness

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testport"
)

// Sink is the SIEM of a test: a real syslogrecv receiver in the test process whose handler feeds a ledger (loss
// and duplicates by seq, cheap enough to poll) and, when asked for, a collector (every message, to verify). It can
// stop reading (Hold), shut down and come back on the same port (Down, Up).
type Sink struct {
	Led *ledger.Ledger
	Col *syslogrecv.Collector // nil unless StartSink was asked to collect

	opts syslogrecv.Options

	gateMu sync.Mutex
	gate   chan struct{} // non-nil: the handler blocks until it is closed

	mu   sync.Mutex
	recv *syslogrecv.Receiver // nil while down
}

// StartSink starts a receiver (by default on 127.0.0.1 with a free port and messages of up to 1 MiB); it is closed
// when the test ends. With collect, every message is also kept in Col.
func StartSink(t testing.TB, o syslogrecv.Options, collect bool) *Sink {
	t.Helper()
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = 1 << 20
	}
	s := &Sink{Led: ledger.New("||")}
	if collect {
		s.Col = syslogrecv.NewCollector(0)
	}
	var r *syslogrecv.Receiver
	var err error
	if o.Addr == "" {
		// Up listens on the same port again: a port from outside the ephemeral range is not handed to another
		// process while the sink is down, as one from port 0 could be.
		_, err = testport.Listen(func(addr string) error {
			o.Addr = addr
			r, err = syslogrecv.Listen(o, s.handle)
			return err
		})
	} else {
		r, err = syslogrecv.Listen(o, s.handle)
	}
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	o.Addr = r.Addr()
	s.opts, s.recv = o, r
	t.Cleanup(func() {
		s.Open()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.recv != nil {
			_ = s.recv.Close()
		}
	})
	return s
}

func (s *Sink) handle(msg []byte) {
	s.gateMu.Lock()
	g := s.gate
	s.gateMu.Unlock()
	if g != nil {
		<-g
	}
	s.Led.Observe(msg)
	if s.Col != nil {
		s.Col.Handle(msg)
	}
}

// Addr is the receiver's host:port; it stays the same across restarts.
func (s *Sink) Addr() string { return s.opts.Addr }

// Hold makes the handler block before it takes the next message: the receiver stops reading, as a stalled SIEM
// does.
func (s *Sink) Hold() {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// Open releases a Hold.
func (s *Sink) Open() {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// Down stops the receiver completely, listener and connections, as a SIEM that shuts down: connection attempts
// are refused until Up.
func (s *Sink) Down(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.recv.Close(); err != nil {
		t.Fatalf("close receiver: %v", err)
	}
	s.recv = nil
}

// Up listens again on the same port, after Down.
func (s *Sink) Up(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for range 100 {
		var r *syslogrecv.Receiver
		if r, err = syslogrecv.Listen(s.opts, s.handle); err == nil {
			s.recv = r
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("listen again on %s: %v", s.opts.Addr, err)
}

// WaitUnique waits until n distinct records arrived, failing the test after timeout.
func (s *Sink) WaitUnique(t testing.TB, n uint64, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for s.Led.Report().Unique < n {
		select {
		case <-ctx.Done():
			rep := s.Led.Report()
			t.Fatalf("%v: %d of %d records after %s (received %d, duplicates %d, first missing %v)",
				ctx.Err(), rep.Unique, n, timeout, rep.Received, rep.Duplicates, s.Led.Missing(1, n, 10))
		case <-tick.C:
		}
	}
}

// Quiet waits until no message arrived for d (at most timeout): whatever was on the wire has been read.
func (s *Sink) Quiet(d, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	last, since := s.Led.Report().Received, time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(d / 10)
		if n := s.Led.Report().Received; n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= d {
			return
		}
	}
}

// Receiver returns the receiver running now (nil while down), for its counters and to close its connections.
func (s *Sink) Receiver() *syslogrecv.Receiver {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recv
}
