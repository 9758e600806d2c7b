package syslog

import (
	"testing"

	"github.com/siemship/siemship/internal/testgear/realrecv"
)

// BenchmarkRealRsyslog measures confirmed batches of 1000 messages of 300 bytes into one rsyslog instance per
// protocol and confirmation mode (one connection). msgs/s is what Send confirms, not what rsyslog has written.
func BenchmarkRealRsyslog(b *testing.B) {
	rr := realrecv.StartRsyslog(b, realrecv.RsyslogOptions{RELP: true})
	for _, tc := range []struct {
		name     string
		listener string
		o        Options
		f        framing
	}{
		{"tcp write", realrecv.ListenerTCP, Options{Protocol: ProtocolTCP, Confirm: ConfirmWrite}, octet},
		{"tcp ack", realrecv.ListenerTCP, Options{Protocol: ProtocolTCP, Confirm: ConfirmAck}, octet},
		{"tcp close", realrecv.ListenerTCP, Options{Protocol: ProtocolTCP, Confirm: ConfirmClose}, octet},
		{"relp window 128", realrecv.ListenerRELP, Options{Protocol: ProtocolRELP}, bare},
		{"relp window 1024", realrecv.ListenerRELP, Options{Protocol: ProtocolRELP, RELPWindow: 1024}, bare},
	} {
		b.Run(tc.name, func(b *testing.B) {
			o := tc.o
			o.Addrs = []string{rr.Addr(tc.listener)}
			c, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			bt, _ := batch("bench", 0, 1000, 300, tc.f)
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.Buf)))
			for b.Loop() {
				if err := c.Send(b.Context(), bt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
