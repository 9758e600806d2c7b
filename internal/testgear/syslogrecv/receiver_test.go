package syslogrecv

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/siemship/siemship/internal/testgear/testcert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func listen(t *testing.T, o Options, h Handler) *Receiver {
	t.Helper()
	r, err := Listen(o, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return r
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

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

func TestReceiveStream(t *testing.T) {
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	msgs := []string{"<14>1 2024-01-02T03:04:05Z h app - - - first", "<14>1 - - - - - - second\nwith LF", "third"}
	for _, tc := range []struct {
		name  string
		proto string
		wire  string
		want  []string
	}{
		{"tcp octet", "tcp", frame(msgs...), msgs},
		{"tcp lf", "tcp", "a\nb\r\nc\n", []string{"a", "b", "c"}},
		{"tls octet", "tls", frame(msgs...), msgs},
		{"tls lf", "tls", "a\nb\r\nc\n", []string{"a", "b", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := NewCollector(0)
			r := listen(t, Options{Protocol: tc.proto, TLS: b.ServerConfig(false)}, col.Handle)
			c, err := net.Dial("tcp", r.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if tc.proto == "tls" {
				c = tls.Client(c, b.ClientConfig(false))
			}
			// Write byte by byte at the start to exercise frames split across reads.
			for i := range min(10, len(tc.wire)) {
				if _, err := c.Write([]byte{tc.wire[i]}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := io.WriteString(c, tc.wire[min(10, len(tc.wire)):]); err != nil {
				t.Fatal(err)
			}
			if err := col.WaitFor(waitCtx(t), len(tc.want)); err != nil {
				t.Fatal(err)
			}
			_ = c.Close()
			got := col.Messages()
			if len(got) != len(tc.want) {
				t.Fatalf("got %d messages, want %d", len(got), len(tc.want))
			}
			wantBytes := 0
			for i := range got {
				if string(got[i]) != tc.want[i] {
					t.Errorf("message %d = %q, want %q", i, got[i], tc.want[i])
				}
				wantBytes += len(tc.want[i])
			}
			eventually(t, "count", func() bool { return r.Count() == uint64(len(tc.want)) })
			if r.Bytes() != uint64(wantBytes) {
				t.Errorf("Count %d Bytes %d, want %d %d", r.Count(), r.Bytes(), len(tc.want), wantBytes)
			}
		})
	}
}

func frame(msgs ...string) string {
	var sb strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&sb, "%d %s", len(m), m)
	}
	return sb.String()
}

func TestTLSClientCertRequired(t *testing.T) {
	b, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	col := NewCollector(0)
	r := listen(t, Options{Protocol: "tls", TLS: b.ServerConfig(true)}, col.Handle)
	for _, withCert := range []bool{false, true} {
		c, err := tls.Dial("tcp", r.Addr(), b.ClientConfig(withCert))
		if err != nil {
			t.Fatalf("dial (client cert %v): %v", withCert, err)
		}
		_, _ = io.WriteString(c, frame("hello"))
		// TLS 1.3: the rejection shows up on the first read, as an alert.
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, rerr := c.Read(make([]byte, 1))
		_ = c.Close()
		if withCert {
			if ne, ok := rerr.(net.Error); !ok || !ne.Timeout() {
				t.Errorf("with client cert: read = %v, want timeout", rerr)
			}
		} else if rerr == nil || !strings.Contains(rerr.Error(), "certificate required") {
			t.Errorf("without client cert: read = %v, want certificate required alert", rerr)
		}
	}
	eventually(t, "count and handshake error", func() bool { return r.Count() == 1 && r.Errors() == 1 })
	if col.Len() != 1 || r.Count() != 1 || r.Errors() != 1 {
		t.Errorf("Count %d Errors %d, want 1 1", r.Count(), r.Errors())
	}
}

func TestReceiveUDP(t *testing.T) {
	col := NewCollector(0)
	r := listen(t, Options{Protocol: "udp", MaxMessageBytes: 100}, col.Handle)
	c, err := net.Dial("udp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, d := range []string{"one", "two\n", "three\r\n", "", "\n", strings.Repeat("x", 101), "last"} {
		if _, err := io.WriteString(c, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := col.WaitFor(waitCtx(t), 4); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%q", col.Messages()); got != `["one" "two" "three" "last"]` {
		t.Errorf("messages %s", got)
	}
	if r.Errors() != 1 {
		t.Errorf("Errors %d, want 1 (oversize datagram)", r.Errors())
	}
}

func TestOversizeClosesConnection(t *testing.T) {
	r := listen(t, Options{MaxMessageBytes: 10}, nil)
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "ok\n"+frame("12345678901")+"never\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read = %d, %v; want EOF (connection closed by the receiver)", n, err)
	}
	if r.Count() != 1 || r.Errors() != 1 {
		t.Errorf("Count %d Errors %d, want 1 1", r.Count(), r.Errors())
	}
}

func TestMaxConnections(t *testing.T) {
	r := listen(t, Options{MaxConnections: 1}, nil)
	c1, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	eventually(t, "first connection", func() bool { return r.ActiveConnections() == 1 })
	c2, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_ = c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("second connection read = %v, want EOF", err)
	}
	if r.Accepted() != 2 || r.Errors() != 1 || r.ActiveConnections() != 1 {
		t.Errorf("Accepted %d Errors %d Active %d, want 2 1 1", r.Accepted(), r.Errors(), r.ActiveConnections())
	}
}

func TestCloseConnectionsKeepsListening(t *testing.T) {
	col := NewCollector(0)
	r := listen(t, Options{}, col.Handle)
	c1, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if _, err := io.WriteString(c1, "a\n"); err != nil {
		t.Fatal(err)
	}
	if err := col.WaitFor(waitCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	r.CloseConnections()
	if r.ActiveConnections() != 0 {
		t.Fatalf("%d connections still open", r.ActiveConnections())
	}
	_ = c1.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c1.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("old connection read = %v, want EOF", err)
	}
	c2, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := io.WriteString(c2, "b\n"); err != nil {
		t.Fatal(err)
	}
	if err := col.WaitFor(waitCtx(t), 2); err != nil {
		t.Fatal(err)
	}
}

func TestIncompleteFrameCounted(t *testing.T) {
	r := listen(t, Options{}, nil)
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "whole\n10 part"); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	eventually(t, "error count", func() bool { return r.Errors() == 1 })
	if r.Count() != 1 {
		t.Errorf("Count %d, want 1 (partial frame discarded)", r.Count())
	}
}

func TestListenErrors(t *testing.T) {
	for _, o := range []Options{
		{Protocol: "sctp"},
		{Protocol: "tls"},
		{Addr: "256.0.0.1:0"},
	} {
		if r, err := Listen(o, nil); err == nil {
			_ = r.Close()
			t.Errorf("Listen(%+v) succeeded", o)
		}
	}
}

func TestCollectorWaitForCancel(t *testing.T) {
	col := NewCollector(1)
	col.Handle([]byte("a"))
	col.Handle([]byte("b"))
	if col.Len() != 2 || len(col.Messages()) != 1 {
		t.Fatalf("Len %d stored %d, want 2 1", col.Len(), len(col.Messages()))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := col.WaitFor(ctx, 3); err == nil || !strings.Contains(err.Error(), "received 2 of 3") {
		t.Fatalf("WaitFor = %v", err)
	}
	col.Reset()
	if col.Len() != 0 {
		t.Fatal("Reset kept messages")
	}
}
