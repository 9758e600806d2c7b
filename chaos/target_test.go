package chaos

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/ledger"
	"github.com/siemship/siemship/internal/realrecv"
	"github.com/siemship/siemship/internal/syslogrecv"
)

// target is the SIEM of a case: it counts what arrived by seq.
type target interface {
	addr(mode string) string
	report() ledger.Report
	// missing lists up to limit seq values in [first, last] that never arrived.
	missing(first, last uint64, limit int) []uint64
}

// sink is internal/syslogrecv in the test process: it can restart on the same port and stop reading.
type sink struct {
	opts syslogrecv.Options
	led  *ledger.Ledger

	gateMu sync.Mutex
	gate   chan struct{} // non-nil: the handler blocks until it is closed

	mu   sync.Mutex
	recv *syslogrecv.Receiver
}

func startSink(t testing.TB) *sink {
	t.Helper()
	o := syslogrecv.Options{Addr: "127.0.0.1:0", MaxMessageBytes: 2 << 20}
	s := &sink{led: ledger.New("||")}
	r, err := syslogrecv.Listen(o, s.handle)
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	o.Addr = r.Addr()
	s.opts, s.recv = o, r
	t.Cleanup(func() {
		s.open()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.recv != nil {
			_ = s.recv.Close()
		}
	})
	return s
}

func (s *sink) handle(msg []byte) {
	s.gateMu.Lock()
	g := s.gate
	s.gateMu.Unlock()
	if g != nil {
		<-g
	}
	s.led.Observe(msg)
}

func (s *sink) addr(string) string    { return s.opts.Addr }
func (s *sink) report() ledger.Report { return s.led.Report() }
func (s *sink) missing(first, last uint64, limit int) []uint64 {
	return s.led.Missing(first, last, limit)
}

// hold makes the handler block: the receiver stops reading.
func (s *sink) hold() {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// open releases a hold.
func (s *sink) open() {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// down closes the listener and every connection.
func (s *sink) down(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.recv.Close(); err != nil {
		t.Fatalf("close receiver: %v", err)
	}
	s.recv = nil
}

// up listens again on the same port.
func (s *sink) up(t testing.TB) {
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

// quiet waits until nothing arrived for d (at most timeout).
func (s *sink) quiet(d, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	last, since := s.led.Report().Received, time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(d / 10)
		if n := s.led.Report().Received; n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= d {
			return
		}
	}
}

// rsys is a private rsyslogd with a plain TCP and a RELP listener; its JSON output file is read incrementally.
type rsys struct {
	*realrecv.Rsyslog
	t testing.TB

	mu   sync.Mutex
	led  *ledger.Ledger
	seen int
}

// startRsyslog starts rsyslog with the listeners mode needs (plain TCP and RELP always), inside ns when it is
// not nil.
func startRsyslog(t testing.TB, mode string, ns *isolated) *rsys {
	t.Helper()
	o := realrecv.RsyslogOptions{RELP: true, MTLS: strings.HasPrefix(mode, "tls/"), RELPTLS: mode == "relp-tls"}
	if ns != nil {
		o.NetNS, o.Address = ns.name, ns.addr
	}
	return &rsys{Rsyslog: realrecv.StartRsyslog(t, o), t: t, led: ledger.New("||")}
}

func (r *rsys) addr(mode string) string {
	switch {
	case mode == "relp":
		return r.Addr(realrecv.ListenerRELP)
	case mode == "relp-tls":
		return r.Addr(realrecv.ListenerRELPTLS)
	case strings.HasPrefix(mode, "tls/"):
		return r.Addr(realrecv.ListenerMTLS)
	}
	return r.Addr(realrecv.ListenerTCP)
}

func (r *rsys) missing(first, last uint64, limit int) []uint64 {
	r.report()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.led.Missing(first, last, limit)
}

func (r *rsys) report() ledger.Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	msgs, err := r.Messages()
	if err != nil {
		r.t.Errorf("rsyslog output: %v", err)
	}
	for _, m := range msgs[min(r.seen, len(msgs)):] {
		r.led.Observe([]byte(m.Msg))
	}
	r.seen = max(r.seen, len(msgs))
	return r.led.Report()
}
