package syslog

import (
	"errors"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// TestOpenConnections follows the pool through connect, discard after the receiver went away, and Close.
func TestOpenConnections(t *testing.T) {
	r, err := syslogrecv.Listen(syslogrecv.Options{}, func([]byte) {})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}, Connections: 1})
	if c.Addr() != r.Addr() {
		t.Errorf("Addr() = %q, want %q", c.Addr(), r.Addr())
	}
	if n := c.OpenConnections(); n != 0 {
		t.Fatalf("open before the first Send = %d, want 0 (New does not dial)", n)
	}
	b, _ := batch("o", 0, 3, 100, octet)
	if err := c.Send(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if n := c.OpenConnections(); n != 1 {
		t.Fatalf("open after one Send = %d, want 1", n)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// The probe finds the peer gone and discards the connection; the new dial is refused.
	if err := c.Send(t.Context(), b); err == nil {
		t.Fatal("Send to a closed receiver succeeded")
	}
	if n := c.OpenConnections(); n != 0 {
		t.Fatalf("open after the receiver went away = %d, want 0", n)
	}
	_ = c.Close()
	if n := c.OpenConnections(); n != 0 {
		t.Fatalf("open after Close = %d", n)
	}
}

// TestDialErrorNamesTheAddressOnce: a refused connection says "dial tcp <addr>" once (net's own error already
// carries the operation and the address), for Check and for Send, TCP, TLS and RELP alike.
func TestDialErrorNamesTheAddressOnce(t *testing.T) {
	const addr = "127.0.0.1:1" // tcpmux: nothing listens there, the dial is refused
	for _, proto := range []Protocol{ProtocolTCP, ProtocolTLS, ProtocolRELP} {
		t.Run(string(proto), func(t *testing.T) {
			o := Options{Protocol: proto, Addrs: []string{addr}}
			if proto == ProtocolTLS {
				o.TLS = certs(t).ClientConfig(false)
			}
			c := client(t, o)
			b, _ := batch("d", 0, 1, 100, octet)
			if proto == ProtocolRELP {
				b, _ = batch("d", 0, 1, 100, bare)
			}
			for _, r := range []struct {
				what string
				err  error
			}{{"Check", c.Check(t.Context())}, {"Send", c.Send(t.Context(), b)}} {
				what, err := r.what, r.err
				if err == nil || !errors.Is(err, syscallECONNREFUSED) {
					t.Fatalf("%s = %v, want connection refused", what, err)
				}
				if n := strings.Count(err.Error(), "dial tcp "+addr); n != 1 {
					t.Errorf("%s: %q names \"dial tcp %s\" %d times, want once", what, err, addr, n)
				}
			}
		})
	}
}
