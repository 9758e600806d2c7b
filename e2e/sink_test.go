package e2e

import (
	"context"
	"crypto/tls"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/ledger"
	"github.com/siemship/siemship/internal/syslogrecv"
	"github.com/siemship/siemship/internal/testcert"
)

// sink is the SIEM of a test: a real syslogrecv receiver whose handler feeds a ledger (loss and duplicates by seq,
// cheap enough to poll) and a collector (every message, for verify).
type sink struct {
	opts syslogrecv.Options
	led  *ledger.Ledger
	col  *syslogrecv.Collector

	gateMu sync.Mutex
	gate   chan struct{} // non-nil: the handler blocks until it is closed

	mu   sync.Mutex
	recv *syslogrecv.Receiver
}

// startSink starts a receiver on 127.0.0.1 with a free port; it is closed when the test ends.
func startSink(t testing.TB, o syslogrecv.Options) *sink {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = 1 << 20
	}
	s := &sink{led: ledger.New("||"), col: syslogrecv.NewCollector(0)}
	r, err := syslogrecv.Listen(o, s.handle)
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	o.Addr = r.Addr() // a restart listens on the same port
	s.opts, s.recv = o, r
	t.Cleanup(func() {
		s.open()
		_ = s.receiver().Close()
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
	s.col.Handle(msg)
}

// hold makes the handler block before it takes the next message: the receiver stops reading, as a stalled SIEM does.
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

func (s *sink) receiver() *syslogrecv.Receiver {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recv
}

// Addr is the receiver's host:port; it stays the same across restarts.
func (s *sink) Addr() string { return s.opts.Addr }

// down stops the receiver completely, listener and connections, as a SIEM that shuts down: connection attempts
// are refused until up.
func (s *sink) down(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.recv.Close(); err != nil {
		t.Fatalf("close receiver: %v", err)
	}
}

// up listens again on the same port, after down.
func (s *sink) up(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for range 50 {
		var r *syslogrecv.Receiver
		if r, err = syslogrecv.Listen(s.opts, s.handle); err == nil {
			s.recv = r
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("listen again on %s: %v", s.opts.Addr, err)
}

// waitUnique waits until n distinct records arrived, failing the test after timeout.
func (s *sink) waitUnique(t testing.TB, n uint64, timeout time.Duration) {
	t.Helper()
	if err := s.pollUnique(n, timeout); err != nil {
		rep := s.led.Report()
		t.Fatalf("%v: %d of %d records after %s (received %d, duplicates %d, first missing %v)",
			err, rep.Unique, n, timeout, rep.Received, rep.Duplicates, s.led.Missing(1, n, 10))
	}
}

func (s *sink) pollUnique(n uint64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for s.led.Report().Unique < n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// quiet waits until no message arrived for d (at most timeout): whatever was on the wire has been read.
func (s *sink) quiet(d, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	last, since := s.col.Len(), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(d / 10)
		if n := s.col.Len(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= d {
			return
		}
	}
}

// tlsFiles is a throw-away PKI written to a temporary directory.
type tlsFiles struct {
	bundle *testcert.Bundle
	files  testcert.Files
}

func newTLS(t testing.TB) tlsFiles {
	t.Helper()
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return tlsFiles{bundle: b, files: f}
}

// server is the receiver's configuration; with mutual it demands a client certificate signed by the CA.
func (p tlsFiles) server(mutual bool) *tls.Config { return p.bundle.ServerConfig(mutual) }

// env is siemship's configuration trusting the CA, presenting the client certificate when mutual.
func (p tlsFiles) env(mutual bool) []string {
	env := []string{"SYSLOG_TLS_CA_FILE=" + p.files.CA}
	if mutual {
		env = append(env, "SYSLOG_TLS_CERT_FILE="+p.files.ClientCert, "SYSLOG_TLS_KEY_FILE="+p.files.ClientKey)
	}
	return env
}
