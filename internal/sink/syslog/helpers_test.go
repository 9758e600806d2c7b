package syslog

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type framing int

const (
	octet framing = iota
	lf
	bare // UDP: no framing
)

// testMessage returns message number seq of a test run: size bytes, unique, no LF.
func testMessage(tag string, seq, size int) string {
	m := fmt.Sprintf("<134>1 2026-11-23T09:00:00.000000Z host1 siemship - %s - ||seq=%09d||", tag, seq)
	if len(m) < size {
		m += strings.Repeat("k", size-len(m))
	}
	return m
}

// batch builds n frames of size-byte messages numbered from first.
func batch(tag string, first, n, size int, f framing) (*message.Batch, []string) {
	b := &message.Batch{}
	msgs := make([]string, n)
	for i := range n {
		m := testMessage(tag, first+i, size)
		msgs[i] = m
		switch f {
		case octet:
			b.Append(fmt.Appendf(nil, "%d %s", len(m), m))
		case lf:
			b.Append([]byte(m + "\n"))
		case bare:
			b.Append([]byte(m))
		}
	}
	return b, msgs
}

func receiver(t *testing.T, o syslogrecv.Options, h syslogrecv.Handler) *syslogrecv.Receiver {
	t.Helper()
	r, err := syslogrecv.Listen(o, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func client(t *testing.T, o Options) *Client {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func certs(t testing.TB) *testcert.Bundle {
	t.Helper()
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// gate is a receiver handler that blocks every message until Open: a receiver that stopped reading. Register
// t.Cleanup(g.Open) after creating the receiver, so that it runs before the receiver's Close waits for handlers.
type gate struct {
	once sync.Once
	ch   chan struct{}
}

func newGate() *gate { return &gate{ch: make(chan struct{})} }

func (g *gate) Handle([]byte) { <-g.ch }
func (g *gate) Open()         { g.once.Do(func() { close(g.ch) }) }

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkMessages asserts that the collector holds exactly want, in order.
func checkMessages(t *testing.T, col *syslogrecv.Collector, r *syslogrecv.Receiver, want []string) {
	t.Helper()
	if err := col.WaitFor(timeout(t, 10*time.Second), len(want)); err != nil {
		t.Fatal(err)
	}
	// Count moves after the handler returns: let it catch up with the collector.
	eventually(t, "receiver count", func() bool { return r.Count() >= uint64(len(want)) })
	got := col.Messages()
	if len(got) != len(want) || r.Count() != uint64(len(want)) {
		t.Fatalf("received %d messages (count %d), want exactly %d", len(got), r.Count(), len(want))
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Fatalf("message %d = %q, want %q", i, got[i], want[i])
		}
	}
}

var syscallECONNREFUSED = syscall.ECONNREFUSED
