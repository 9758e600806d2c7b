package syslogout

import (
	"testing"

	"github.com/siemship/siemship/internal/syslogrecv"
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
