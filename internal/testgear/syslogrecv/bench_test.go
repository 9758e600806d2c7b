package syslogrecv

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// frames returns n frames carrying messages of size bytes, octet-counted or LF-terminated.
func frames(n, size int, lf bool) []byte {
	var buf bytes.Buffer
	for i := range n {
		msg := fmt.Sprintf("<134>1 2026-11-23T09:00:00.000000Z host1 siemship - SLS - ||seq=%09d||", i)
		msg += string(bytes.Repeat([]byte("k"), size-len(msg)))
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
				br:  bufio.NewReaderSize(&cycleReader{data: frames(1000, 300, lf)}, bufferSize(DefaultMaxMessageBytes)),
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
// buffers; the clock stops when the receiver has counted every message (one op = one message). cpu-ns/msg is the
// whole process's CPU per message, writer included (see BenchmarkLoopbackFloor).
func BenchmarkReceiveTCP(b *testing.B) {
	for _, lf := range []bool{false, true} {
		name := map[bool]string{false: "octet", true: "lf"}[lf]
		b.Run(name, func(b *testing.B) {
			r, err := Listen(Options{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			rounds := (b.N + 999) / 1000
			cpu := writeRounds(b, r.Addr(), frames(1000, 300, lf), rounds, 300)
			want := uint64(rounds * 1000)
			for r.Count() < want {
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "msg/s")
			b.ReportMetric(float64(processCPU(b)-cpu)/float64(want), "cpu-ns/msg")
		})
	}
}

// processCPU is this process's user + system CPU time.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeRounds connects to addr, starts the benchmark's clock and writes chunk rounds times, then closes the
// connection (what was written is still read). It returns the process's CPU time at the start.
func writeRounds(b *testing.B, addr string, chunk []byte, rounds int, msgBytes int64) time.Duration {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(msgBytes)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU(b)
	for range rounds {
		if _, err := c.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	return cpu
}

// BenchmarkLoopbackFloor measures what moving syslog frames through loopback TCP costs at the least, the floor
// under `siemship bench`'s send-only and end-to-end phases: a writer pushes 10,000-frame buffers of 532-byte
// LF-terminated messages (the size siemship makes of the bench's generated records) on one connection and the
// reader only counts LFs, with no framing, handler or counters. cpu-ns/msg is the whole process's CPU (writer,
// reader and the kernel's work for both) per message; on a machine where the two sides keep both cores busy it
// is the figure that matters, not ns/op. One op = one message.
func BenchmarkLoopbackFloor(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	chunk := frames(10000, 532, true)
	rounds := (b.N + 9999) / 10000
	want := rounds * 10000
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		buf := make([]byte, 256<<10)
		for n := 0; n < want; {
			k, err := c.Read(buf)
			if err != nil {
				done <- err
				return
			}
			n += bytes.Count(buf[:k], []byte{'\n'})
		}
		done <- nil
	}()
	cpu := writeRounds(b, ln.Addr().String(), chunk, rounds, 533)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(want), "cpu-ns/msg")
}
