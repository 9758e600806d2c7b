package syslog

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// BenchmarkSend: one op is one Send of 1000 frames of 300-byte messages (octet-counted, 304 bytes on the wire)
// into a counting syslogrecv over loopback; the clock stops when the receiver has counted every message, so the
// rate is delivered messages, not bytes parked in socket buffers. Sender and receiver share the machine's cores.
func BenchmarkSend(b *testing.B) {
	bundle := certs(b)
	tls12 := bundle.ServerConfig(false)
	tls12.MaxVersion = tls.VersionTLS12
	for _, tc := range []struct {
		name   string
		proto  Protocol
		server *tls.Config
		client *tls.Config
	}{
		{"tcp", ProtocolTCP, nil, nil},
		{"tls1.3", ProtocolTLS, bundle.ServerConfig(false), bundle.ClientConfig(false)},
		{"tls1.2", ProtocolTLS, tls12, bundle.ClientConfig(false)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r, err := syslogrecv.Listen(syslogrecv.Options{Protocol: string(tc.proto), TLS: tc.server}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			c, err := New(Options{Protocol: tc.proto, Addrs: []string{r.Addr()}, TLS: tc.client})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			bt, _ := batch("b", 0, 1000, 300, octet)
			if err := c.Send(b.Context(), bt); err != nil { // connect outside the measurement
				b.Fatal(err)
			}
			b.SetBytes(int64(len(bt.Buf)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := c.Send(b.Context(), bt); err != nil {
					b.Fatal(err)
				}
			}
			want := uint64(b.N+1) * 1000
			for r.Count() < want {
				time.Sleep(50 * time.Microsecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}
