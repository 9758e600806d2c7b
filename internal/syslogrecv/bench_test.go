package syslogrecv

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"
)

// frames300 returns n frames carrying 300-byte messages, octet-counted or LF-terminated.
func frames300(n int, lf bool) []byte {
	var buf bytes.Buffer
	for i := range n {
		msg := fmt.Sprintf("<134>1 2026-11-23T09:00:00.000000Z host1 siemship - SLS - ||seq=%09d||", i)
		msg += string(bytes.Repeat([]byte("k"), 300-len(msg)))
		if lf {
			buf.WriteString(msg + "\n")
		} else {
			fmt.Fprintf(&buf, "%d %s", len(msg), msg)
		}
	}
	return buf.Bytes()
}

// cycleReader repeats data forever.
type cycleReader struct {
	data []byte
	off  int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	n := copy(p, c.data[c.off:])
	c.off = (c.off + n) % len(c.data)
	return n, nil
}

// BenchmarkFrameReader measures the parse path alone (one op = one 300-byte message).
func BenchmarkFrameReader(b *testing.B) {
	for _, lf := range []bool{false, true} {
		name := map[bool]string{false: "octet", true: "lf"}[lf]
		b.Run(name, func(b *testing.B) {
			fr := frameReader{
				br:  bufio.NewReaderSize(&cycleReader{data: frames300(1000, lf)}, bufferSize(DefaultMaxMessageBytes)),
				max: DefaultMaxMessageBytes,
			}
			b.SetBytes(300)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fr.next(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}

// BenchmarkReceiveTCP measures the counting receiver over loopback: one connection, a writer pushing 1000-frame
// buffers; the clock stops when the receiver has counted every message (one op = one message).
func BenchmarkReceiveTCP(b *testing.B) {
	for _, lf := range []bool{false, true} {
		name := map[bool]string{false: "octet", true: "lf"}[lf]
		b.Run(name, func(b *testing.B) {
			r, err := Listen(Options{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			c, err := net.Dial("tcp", r.Addr())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			chunk := frames300(1000, lf)
			rounds := (b.N + 999) / 1000
			b.SetBytes(300)
			b.ReportAllocs()
			b.ResetTimer()
			for range rounds {
				if _, err := c.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			want := uint64(rounds * 1000)
			for r.Count() < want {
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}
