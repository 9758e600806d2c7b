package syslog

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testport"
)

func TestSendStream(t *testing.T) {
	b := certs(t)
	tls12 := b.ServerConfig(true)
	tls12.MaxVersion = tls.VersionTLS12
	for _, tc := range []struct {
		name    string
		proto   Protocol
		framing framing
		server  *tls.Config
		client  *tls.Config
	}{
		{"tcp octet", ProtocolTCP, octet, nil, nil},
		{"tcp lf", ProtocolTCP, lf, nil, nil},
		{"tls octet", ProtocolTLS, octet, b.ServerConfig(false), b.ClientConfig(false)},
		{"tls lf", ProtocolTLS, lf, b.ServerConfig(false), b.ClientConfig(false)},
		{"mutual tls 1.3", ProtocolTLS, octet, b.ServerConfig(true), b.ClientConfig(true)},
		{"mutual tls 1.2", ProtocolTLS, octet, tls12, b.ClientConfig(true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := syslogrecv.NewCollector(0)
			r := receiver(t, syslogrecv.Options{Protocol: string(tc.proto), TLS: tc.server}, col.Handle)
			c := client(t, Options{Protocol: tc.proto, Addrs: []string{r.Addr()}, TLS: tc.client})
			var want []string
			for i := range 3 {
				bt, msgs := batch("t", i*100, 100, 300, tc.framing)
				if err := c.Send(t.Context(), bt); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
				want = append(want, msgs...)
			}
			checkMessages(t, col, r, want)
			st := c.Stats()
			if st.Batches != 3 || st.Messages != 300 || st.Connects != 1 || st.Discarded != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestSendUDP(t *testing.T) {
	col := syslogrecv.NewCollector(0)
	r := receiver(t, syslogrecv.Options{Protocol: "udp"}, col.Handle)
	c := client(t, Options{Protocol: ProtocolUDP, Addrs: []string{r.Addr()}, MaxDatagram: 2048})
	var want []string
	for i := range 2 { // few datagrams: loopback UDP drops when the socket buffer fills, as UDP does
		bt, msgs := batch("u", i*25, 25, 300, bare)
		if err := c.Send(t.Context(), bt); err != nil {
			t.Fatal(err)
		}
		want = append(want, msgs...)
	}
	checkMessages(t, col, r, want)

	big, _ := batch("u", 0, 2, 2049, bare)
	err := c.Send(t.Context(), big)
	if !IsPermanent(err) || !strings.Contains(err.Error(), "over the UDP limit of 2048") {
		t.Fatalf("oversize datagram: %v, want a permanent error", err)
	}
	if st := c.Stats(); st.Messages != 50 || st.Batches != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestClientCertRejected(t *testing.T) {
	b, other := certs(t), certs(t)
	foreign := b.ClientConfig(false)
	foreign.Certificates = other.ClientConfig(true).Certificates // signed by a CA the server does not trust
	for _, tc := range []struct {
		name       string
		maxVersion uint16
		client     *tls.Config
	}{
		{"tls 1.3 no cert", tls.VersionTLS13, b.ClientConfig(false)},
		{"tls 1.2 no cert", tls.VersionTLS12, b.ClientConfig(false)},
		{"tls 1.3 unknown ca", tls.VersionTLS13, foreign},
		{"tls 1.2 unknown ca", tls.VersionTLS12, foreign},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := b.ServerConfig(true)
			srv.MaxVersion = tc.maxVersion
			r := receiver(t, syslogrecv.Options{Protocol: "tls", TLS: srv}, nil)
			c := client(t, Options{Protocol: ProtocolTLS, Addrs: []string{r.Addr()}, TLS: tc.client})
			err := c.Check(t.Context())
			if !errors.Is(err, ErrClientCertRejected) {
				t.Fatalf("Check = %v, want ErrClientCertRejected", err)
			}
			if !strings.Contains(err.Error(), "tls: server rejected the client certificate") || IsPermanent(err) {
				t.Errorf("Check error %q (permanent %v)", err, IsPermanent(err))
			}
			bt, _ := batch("r", 0, 10, 300, octet)
			if err := c.Send(t.Context(), bt); !errors.Is(err, ErrClientCertRejected) {
				t.Fatalf("Send = %v, want ErrClientCertRejected", err)
			}
			if st := c.Stats(); st.ConnectErrors != 1 || st.Connects != 0 {
				t.Errorf("stats %+v", st)
			}
			if r.Count() != 0 {
				t.Errorf("receiver got %d messages", r.Count())
			}
		})
	}
}

func TestServerVerification(t *testing.T) {
	b := certs(t)
	r := receiver(t, syslogrecv.Options{Protocol: "tls", TLS: b.ServerConfig(false)}, nil)
	wrongName := b.ClientConfig(false)
	wrongName.ServerName = "siem.example.org"
	systemRoots := b.ClientConfig(false)
	systemRoots.RootCAs = nil
	noName := b.ClientConfig(false)
	noName.ServerName = ""
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		addr string
		want string // "" = success
	}{
		{"name mismatch", wrongName, r.Addr(), "not siem.example.org"},
		{"unknown authority", systemRoots, r.Addr(), "certificate signed by unknown authority"},
		{"server name from the ip address", noName, r.Addr(), ""},
		{"server name from localhost", noName, strings.Replace(r.Addr(), "127.0.0.1", "localhost", 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, Options{Protocol: ProtocolTLS, Addrs: []string{tc.addr}, TLS: tc.cfg})
			err := c.Check(t.Context())
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want %q", err, tc.want)
			}
			if errors.Is(err, ErrClientCertRejected) {
				t.Errorf("server verification failure reported as client certificate rejection: %v", err)
			}
		})
	}
}

// TestPeerClosedBetweenBatches: the receiver drops the connection between two batches (a restart on the same
// port). Without the probe the second batch would go into the dead socket and be lost; with it, every message
// arrives exactly once.
func TestPeerClosedBetweenBatches(t *testing.T) {
	b := certs(t)
	for _, tc := range []struct {
		name   string
		proto  Protocol
		server *tls.Config
		client *tls.Config
	}{
		{"tcp", ProtocolTCP, nil, nil},
		{"tls", ProtocolTLS, b.ServerConfig(false), b.ClientConfig(false)},
		{"mutual tls", ProtocolTLS, b.ServerConfig(true), b.ClientConfig(true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := syslogrecv.NewCollector(0)
			r := receiver(t, syslogrecv.Options{Protocol: string(tc.proto), TLS: tc.server}, col.Handle)
			c := client(t, Options{Protocol: tc.proto, Addrs: []string{r.Addr()}, TLS: tc.client})
			var want []string
			for i := range 4 {
				bt, msgs := batch("p", i*100, 100, 300, octet)
				if err := c.Send(t.Context(), bt); err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				want = append(want, msgs...)
				if err := col.WaitFor(timeout(t, 10*time.Second), len(want)); err != nil {
					t.Fatal(err)
				}
				if i%2 == 0 {
					r.CloseConnections()
				}
			}
			checkMessages(t, col, r, want)
			st := c.Stats()
			if st.PeerClosed != 2 || st.Reconnects != 2 || st.Connects != 3 {
				t.Errorf("stats %+v, want 2 peer-closed, 2 reconnects, 3 connects", st)
			}
		})
	}
}

// bigBatch is larger than the loopback socket buffers of both sides, so that writing it blocks while the receiver
// does not read.
var bigBatch = sync.OnceValue(func() *message.Batch {
	one, _ := batch("big", 0, 1, 512, octet)
	const n = 64 << 10 // ~33 MiB of identical frames
	b := &message.Batch{Buf: bytes.Repeat(one.Buf, n), Ends: make([]int, n)}
	for i := range n {
		b.Ends[i] = (i + 1) * len(one.Buf)
	}
	return b
})

func TestReceiverStopsReading(t *testing.T) {
	g := newGate()
	r := receiver(t, syslogrecv.Options{}, g.Handle)
	t.Cleanup(g.Open)
	const wt = 300 * time.Millisecond
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}, WriteTimeout: wt})
	bt := bigBatch()
	start := time.Now()
	err := c.Send(t.Context(), bt)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Send succeeded although the receiver reads nothing")
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) && !strings.Contains(err.Error(), "timed out") {
		t.Errorf("Send = %v, want a write timeout", err)
	}
	if IsPermanent(err) {
		t.Errorf("write timeout marked permanent: %v", err)
	}
	t.Logf("Send failed after %v: %v", elapsed, err)
	if elapsed > 10*wt { // bound, not a performance assertion: without the deadline Send would block forever
		t.Errorf("Send took %v with WriteTimeout %v", elapsed, wt)
	}
	if st := c.Stats(); st.Discarded != 1 || st.Batches != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPoolUsesConnectionsConcurrently(t *testing.T) {
	g := newGate()
	r := receiver(t, syslogrecv.Options{}, g.Handle)
	t.Cleanup(g.Open)
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}, Connections: 3})
	bt := bigBatch()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { errs[i] = c.Send(t.Context(), bt) })
	}
	eventually(t, "3 connections", func() bool { return r.ActiveConnections() == 3 })

	// All three connections are busy: a fourth Send waits for one and gives up with its context.
	err := c.Send(timeout(t, 100*time.Millisecond), bt)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "wait for a free connection") {
		t.Fatalf("fourth Send = %v, want deadline exceeded while waiting for a connection", err)
	}
	g.Open()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("send %d: %v", i, err)
		}
	}
	want := uint64(3 * bt.Len())
	eventually(t, "all messages", func() bool { return r.Count() == want })
	if st := c.Stats(); st.Connects != 3 || st.Batches != 3 {
		t.Errorf("stats %+v", st)
	}
	if r.Accepted() != 3 {
		t.Errorf("receiver accepted %d connections, want 3", r.Accepted())
	}
}

func TestContextCancellation(t *testing.T) {
	g := newGate()
	r := receiver(t, syslogrecv.Options{}, g.Handle)
	t.Cleanup(g.Open)
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}})

	big := bigBatch()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := c.Send(ctx, big)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled Send returned after %v", d)
	}

	bt, _ := batch("c", 0, 1, 100, octet)
	if err := c.Send(ctx, bt); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with a cancelled context = %v", err)
	}
	if st := c.Stats(); st.Connects != 1 {
		t.Errorf("stats %+v: a cancelled context must not dial", st)
	}
}

// TestReconnectAfterReceiverDown: dial errors are returned to the caller, the backoff gate holds back the next dial,
// and the client recovers when the receiver comes back on the same port.
func TestReconnectAfterReceiverDown(t *testing.T) {
	col := syslogrecv.NewCollector(0)
	// The receiver comes back on the same port: a port from outside the ephemeral range is not handed to another
	// process meanwhile, as one from port 0 could be.
	var r *syslogrecv.Receiver
	addr, err := testport.Listen(func(addr string) (err error) {
		r, err = syslogrecv.Listen(syslogrecv.Options{Addr: addr}, col.Handle)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{addr}})
	b1, want := batch("d", 0, 10, 200, octet)
	if err := c.Send(t.Context(), b1); err != nil {
		t.Fatal(err)
	}
	if err := col.WaitFor(timeout(t, 10*time.Second), 10); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	b2, msgs := batch("d", 10, 10, 200, octet)
	want = append(want, msgs...)
	err = c.Send(t.Context(), b2) // the probe finds the connection closed, the dial is refused
	if err == nil || IsPermanent(err) || !errors.Is(err, syscallECONNREFUSED) {
		t.Fatalf("Send to a stopped receiver = %v, want a transient connection refused", err)
	}
	// The gate is closed for ~50..100 ms: a Send with a shorter deadline fails at once without dialing.
	if err := c.Send(timeout(t, 20*time.Millisecond), b2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send during backoff = %v", err)
	}
	if st := c.Stats(); st.ConnectErrors != 1 || st.PeerClosed != 1 {
		t.Fatalf("stats %+v", st)
	}

	r2 := receiver(t, syslogrecv.Options{Addr: addr}, col.Handle)
	if err := c.Send(timeout(t, 10*time.Second), b2); err != nil {
		t.Fatalf("Send after the receiver came back: %v", err)
	}
	if err := col.WaitFor(timeout(t, 10*time.Second), 20); err != nil {
		t.Fatal(err)
	}
	eventually(t, "receiver count", func() bool { return r2.Count() >= 10 })
	got := col.Messages()
	if len(got) != 20 || r2.Count() != 10 {
		t.Fatalf("collector holds %d messages, new receiver counted %d; want 20 and 10", len(got), r2.Count())
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Fatalf("message %d = %q, want %q", i, got[i], want[i])
		}
	}
	if st := c.Stats(); st.Reconnects != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCloseInterruptsAndRejects(t *testing.T) {
	g := newGate()
	r := receiver(t, syslogrecv.Options{}, g.Handle)
	t.Cleanup(g.Open)
	c, err := New(Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	big := bigBatch()
	go func() { errc <- c.Send(t.Context(), big) }()
	eventually(t, "connection", func() bool { return c.Stats().Connects == 1 })
	time.Sleep(50 * time.Millisecond) // let the write block
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("in-flight Send succeeded after Close")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not interrupt the in-flight Send")
	}
	bt, _ := batch("x", 0, 1, 100, octet)
	if err := c.Send(t.Context(), bt); !errors.Is(err, ErrClosed) || !IsPermanent(err) {
		t.Fatalf("Send after Close = %v", err)
	}
	if err := c.Check(t.Context()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Check after Close = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCheck(t *testing.T) {
	r := receiver(t, syslogrecv.Options{}, nil)
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}})
	if err := c.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "check connection closed", func() bool { return r.ActiveConnections() == 0 })
	if st := c.Stats(); st.Connects != 0 {
		t.Errorf("Check used the pool: %+v", st)
	}

	closedAddr := testport.Refused(t) // a port released after a listen could be taken by another process meanwhile
	c2 := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{closedAddr}})
	if err := c2.Check(t.Context()); err == nil || !strings.Contains(err.Error(), closedAddr) {
		t.Fatalf("Check of a closed port = %v", err)
	}
}

func TestSendEmptyAndInvalidBatches(t *testing.T) {
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{"127.0.0.1:1"}})
	if err := c.Send(t.Context(), &message.Batch{}); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	if err := c.Send(t.Context(), &message.Batch{Buf: []byte("abc"), Ends: []int{2}}); !IsPermanent(err) {
		t.Fatalf("invalid batch: %v, want permanent", err)
	}
	if st := c.Stats(); st.Connects+st.ConnectErrors != 0 {
		t.Errorf("dialed for an empty or invalid batch: %+v", st)
	}
}

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want []string
	}{
		{"everything wrong", Options{Protocol: "sctp", Connections: -1, DialTimeout: -1, MaxDatagram: 70000},
			[]string{`protocol "sctp": must be one of tcp, tls, udp, relp, relp-tls`, "no destination", "connections -1: must be 1 to 64", "dial timeout", "max datagram"}},
		{"tls without config", Options{Protocol: ProtocolTLS, Addrs: []string{"h:6514"}}, []string{"needs a TLS config"}},
		{"bad address", Options{Protocol: ProtocolTCP, Addrs: []string{"h"}}, []string{`"h" is not host:port`}},
		{"too many connections", Options{Protocol: ProtocolTCP, Addrs: []string{"h:1"}, Connections: 65},
			[]string{"connections 65: must be 1 to 64"}},
		{"too many destinations", Options{Protocol: ProtocolTCP, Addrs: slices.Repeat([]string{"h:1"}, 17)},
			[]string{"17 addresses: must list 1 to 16 destinations"}},
		{"relp window", Options{Protocol: ProtocolRELP, Addrs: []string{"h:1"}, RELPWindow: 4097}, []string{"relp window 4097: must be 1 to 4096"}},
		{"udp message", Options{Protocol: ProtocolUDP, Addrs: []string{"h:1"}, MaxMessageBytes: 65508},
			[]string{"max message bytes 65508: must be at most 65507 for udp"}},
		{"relp message", Options{Protocol: ProtocolRELPTLS, TLS: &tls.Config{}, Addrs: []string{"h:1"}, MaxMessageBytes: 131073},
			[]string{"max message bytes 131073: must be at most 131072 for relp-tls"}},
		{"udp write", Options{Protocol: ProtocolUDP, Addrs: []string{"h:1"}, Confirm: ConfirmWrite},
			[]string{`confirmation "write" is for tcp and tls, not udp`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.o)
			if !IsPermanent(err) {
				t.Fatalf("New = %v, want a permanent error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	c, err := New(Options{Protocol: ProtocolTCP, Addrs: []string{"127.0.0.1:514"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.o.Connections != 1 || c.o.DialTimeout != DefaultDialTimeout || c.o.WriteTimeout != DefaultWriteTimeout ||
		c.o.MaxDatagram != DefaultMaxDatagram || c.o.Confirm != ConfirmAck || c.o.Balance != BalanceFailover {
		t.Errorf("defaults not applied: %+v", c.o)
	}
	for _, p := range Protocols() {
		o := Options{Protocol: p, Addrs: slices.Repeat([]string{"127.0.0.1:514"}, MaxDestinations),
			MaxMessageBytes: MessageBytesLimit(p), RELPWindow: MaxRELPWindow, Connections: MaxConnections}
		if UsesTLS(p) {
			o.TLS = &tls.Config{ServerName: "x"}
		}
		c, err := New(o)
		if err != nil {
			t.Errorf("%s at the limits: %v", p, err)
			continue
		}
		if c.o.Confirm != DefaultConfirm(p) {
			t.Errorf("%s: confirmation %q, want %q", p, c.o.Confirm, DefaultConfirm(p))
		}
		c.Close()
	}
}

// TestUDPClosedPort documents UDP's lack of feedback: the first batch to a closed port "succeeds"; the ICMP port
// unreachable it provokes surfaces as ECONNREFUSED on a later send, which discards the socket like any error.
func TestUDPClosedPort(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	_ = pc.Close()
	c := client(t, Options{Protocol: ProtocolUDP, Addrs: []string{addr}})
	bt, _ := batch("u", 0, 1, 100, bare)
	if err := c.Send(t.Context(), bt); err != nil {
		t.Fatalf("first datagram to a closed port: %v (UDP cannot know yet)", err)
	}
	var sendErr error
	eventually(t, "connection refused", func() bool {
		sendErr = c.Send(t.Context(), bt)
		return sendErr != nil
	})
	if !errors.Is(sendErr, syscallECONNREFUSED) || IsPermanent(sendErr) {
		t.Fatalf("Send = %v, want transient ECONNREFUSED", sendErr)
	}
	if st := c.Stats(); st.Discarded != 1 {
		t.Errorf("stats %+v", st)
	}
}
