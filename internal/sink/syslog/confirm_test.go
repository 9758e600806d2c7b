package syslog

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

func TestConfirmModes(t *testing.T) {
	b := certs(t)
	for _, tc := range []struct {
		name    string
		proto   Protocol
		confirm Confirm
		server  *tls.Config
		client  *tls.Config
		conns   uint64 // connections for 3 batches
	}{
		{"tcp ack", ProtocolTCP, ConfirmAck, nil, nil, 1},
		{"tls ack", ProtocolTLS, ConfirmAck, b.ServerConfig(false), b.ClientConfig(false), 1},
		{"tcp close", ProtocolTCP, ConfirmClose, nil, nil, 3},
		{"tls close", ProtocolTLS, ConfirmClose, b.ServerConfig(true), b.ClientConfig(true), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := syslogrecv.NewCollector(0)
			r := receiver(t, syslogrecv.Options{Protocol: string(tc.proto), TLS: tc.server}, col.Handle)
			c := client(t, Options{Protocol: tc.proto, Addrs: []string{r.Addr()}, TLS: tc.client, Confirm: tc.confirm})
			var want []string
			for i := range 3 {
				bt, msgs := batch("c", i*500, 500, 300, octet)
				if err := c.Send(t.Context(), bt); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
				want = append(want, msgs...)
				if tc.confirm == ConfirmClose && r.Count() != uint64(len(want)) {
					// close proves the receiver read everything before Send returned
					t.Fatalf("after batch %d the receiver had read %d messages, want %d", i, r.Count(), len(want))
				}
			}
			checkMessages(t, col, r, want)
			if st := c.Stats(); st.Connects != tc.conns || st.Discarded != 0 || st.Batches != 3 {
				t.Errorf("stats %+v, want %d connections and no discards", st, tc.conns)
			}
			if tc.confirm == ConfirmClose && c.OpenConnections() != 0 {
				t.Errorf("%d connections open after close-confirmed batches", c.OpenConnections())
			}
		})
	}
}

// A receiver that reads but never closes on EOF cannot confirm a batch in close mode: Send fails after the write
// timeout rather than reporting delivery.
func TestConfirmCloseWithoutEOF(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var b [4096]byte
		for { // read to EOF, then keep the connection open until the test ends
			if _, err := c.Read(b[:]); err != nil {
				break
			}
		}
		<-stop
	}()
	t.Cleanup(func() { close(stop); _ = ln.Close(); <-done })
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{ln.Addr().String()}, Confirm: ConfirmClose,
		WriteTimeout: 300 * time.Millisecond})
	bt, _ := batch("n", 0, 10, 100, octet)
	err = c.Send(t.Context(), bt)
	if err == nil || !strings.Contains(err.Error(), "await the receiver's close") {
		t.Fatalf("Send = %v, want a timeout waiting for the receiver's close", err)
	}
}

func TestConfirmOptions(t *testing.T) {
	for _, o := range []Options{
		{Protocol: ProtocolUDP, Confirm: ConfirmAck},
		{Protocol: ProtocolRELP, Confirm: ConfirmClose},
		{Protocol: ProtocolTCP, Confirm: "maybe"},
		{Protocol: ProtocolTCP, Balance: "random"},
		{Protocol: ProtocolRELP, RELPWindow: -1},
	} {
		o.Addrs = []string{"127.0.0.1:1"}
		if _, err := New(o); !IsPermanent(err) {
			t.Errorf("%+v: New = %v, want a permanent error", o, err)
		}
	}
}

// A receiver that resets the connection while our bytes wait in its full receive buffer makes the ack wait fail
// at once (the reset is the socket's pending error), not after the write timeout: the chaos suite saw 30 s
// recoveries in ack mode after a receiver was killed before this.
func TestConfirmAckFailsOnReset(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan *net.TCPConn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		tc := c.(*net.TCPConn)
		_ = tc.SetReadBuffer(4096) // small, so the batch cannot be fully acknowledged while nobody reads
		accepted <- tc
	}()
	t.Cleanup(func() { _ = ln.Close() })
	const writeTimeout = 20 * time.Second
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{ln.Addr().String()}, Confirm: ConfirmAck,
		WriteTimeout: writeTimeout})
	bt, _ := batch("r", 0, 2000, 300, octet) // 600 KB: more than the receiver's buffers hold
	errc := make(chan error, 1)
	go func() { errc <- c.Send(t.Context(), bt) }()
	peer, ok := <-accepted
	if !ok {
		t.Fatal("no connection")
	}
	time.Sleep(300 * time.Millisecond) // let the send queue fill up
	_ = peer.SetLinger(0)              // close with a reset, as a killed process's socket would on pending data
	_ = peer.Close()
	start := time.Now()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("Send confirmed a batch the receiver never read")
		}
		if d := time.Since(start); d > writeTimeout/2 {
			t.Fatalf("Send failed only after %v: the reset was not noticed", d)
		}
	case <-time.After(writeTimeout):
		t.Fatal("Send did not return within the write timeout")
	}
}
