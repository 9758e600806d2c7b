package syslog

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// closer is a receiver that accepts every connection, reads what arrives first (waiting at most wait), then
// closes it: with a reset (SO_LINGER 0, the unread rest is dropped) or a plain close.
type closer struct {
	ln             net.Listener
	accepted, done atomic.Int64
}

func startCloser(t *testing.T, wait time.Duration, reset bool) *closer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &closer{ln: ln}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.accepted.Add(1)
			wg.Go(func() {
				tc := c.(*net.TCPConn)
				_ = tc.SetReadDeadline(time.Now().Add(wait))
				var b [64 << 10]byte
				_, _ = tc.Read(b[:])
				if reset {
					_ = tc.SetLinger(0)
				}
				_ = tc.Close()
				r.done.Add(1)
			})
		}
	})
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return r
}

func (r *closer) Addr() string { return r.ln.Addr().String() }

// settled waits until the receiver closed every connection c opened.
func (r *closer) settled(t *testing.T, c *Client) {
	t.Helper()
	eventually(t, "the receiver to close every connection", func() bool {
		n := int64(c.Stats().Connects)
		return n > 0 && r.done.Load() >= n
	})
}

// TestResettingReceiverFails: a receiver that resets every connection after reading is failing in every mode,
// whether Send notices (close) or not (write, ack); the resets after batches counted as delivered are counted and
// warned about, sampled.
func TestResettingReceiverFails(t *testing.T) {
	for _, confirm := range []Confirm{ConfirmWrite, ConfirmAck, ConfirmClose} {
		t.Run(string(confirm), func(t *testing.T) {
			r := startCloser(t, 50*time.Millisecond, true)
			core, logs := observer.New(zapcore.WarnLevel)
			c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}, Confirm: confirm,
				WriteTimeout: 2 * time.Second, Logger: zap.New(core)})
			const batches = 10
			delivered := 0
			for i := range batches {
				b, _ := batch("r", i*100, 100, 300, octet)
				if c.Send(t.Context(), b) == nil {
					delivered++
				}
				r.settled(t, c) // the receiver reset this batch's connection before the next Send
			}
			h := c.Health()
			st := c.Stats()
			t.Logf("%s: %d of %d batches delivered; health %+v; stats %+v", confirm, delivered, batches, h, st)
			if !h.Failing || h.Lost < 1 || h.LastErr == nil || !isReset(h.LastErr) {
				t.Errorf("health %+v, want failing with the reset as the last error", h)
			}
			if st.PeerResets < batches-1 {
				t.Errorf("PeerResets = %d, want one per connection (%d)", st.PeerResets, batches)
			}
			warned := logs.FilterMessageSnippet("counted as delivered").Len()
			switch confirm {
			case ConfirmClose: // close proves nothing was delivered: no batch was counted, none can be lost
				if delivered != 0 || st.ResetsAfterDelivery != 0 || warned != 0 {
					t.Errorf("close: %d delivered, %d resets after delivery, %d warnings; want none", delivered, st.ResetsAfterDelivery, warned)
				}
			default:
				if delivered != batches || st.ResetsAfterDelivery != batches {
					t.Errorf("%d delivered, %d resets after delivery; want %d and %d (every batch counted delivered, then reset)",
						delivered, st.ResetsAfterDelivery, batches, batches)
				}
				if warned != 1 {
					t.Errorf("%d warnings about resets after delivery, want 1 (sampled)", warned)
				}
			}
		})
	}
}

// TestHealthyReceiverSurvives: connections to a receiver that reads and keeps them open, or closes them cleanly
// after reading (an idle timeout), are fine; a destination that failed recovers with the next connection that
// survives.
func TestHealthyReceiverSurvives(t *testing.T) {
	r := receiver(t, syslogrecv.Options{}, func([]byte) {})
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}, Confirm: ConfirmAck})
	for i := range 3 {
		b, _ := batch("h", i*10, 10, 200, octet)
		if err := c.Send(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	if h := c.Health(); h.Failing {
		t.Errorf("healthy receiver: %+v", h)
	}
	if st := c.Stats(); st.PeerResets != 0 || st.ResetsAfterDelivery != 0 || st.Discarded != 0 {
		t.Errorf("healthy receiver: stats %+v", st)
	}

	// A receiver that reads, then closes without a reset: it read everything, the connection served its purpose.
	clean := startCloser(t, time.Second, false)
	c = client(t, Options{Protocol: ProtocolTCP, Addrs: []string{clean.Addr()}, Confirm: ConfirmWrite})
	c.dests[0].conns.lost(syscall.ECONNRESET) // an earlier failure, to recover from
	b, _ := batch("c", 0, 10, 200, octet)
	if err := c.Send(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	clean.settled(t, c)
	if h := c.Health(); h.Failing { // the sweep finds the clean close
		t.Errorf("receiver that closes cleanly after reading: %+v", h)
	}
	if st := c.Stats(); st.PeerClosed != 1 || st.PeerResets != 0 || st.ResetsAfterDelivery != 0 {
		t.Errorf("clean close: stats %+v, want one peer close and no reset", st)
	}
}

// TestCheckHoldsTheConnection: Check keeps its connection open for checkHold, so a receiver that resets or closes
// every connection right after accepting it fails the check.
func TestCheckHoldsTheConnection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset bool
		want  string
	}{
		{"reset", true, "connection reset by peer"},
		{"close", false, "peer closed the connection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startCloser(t, 10*time.Millisecond, tc.reset)
			c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}})
			err := c.Check(t.Context())
			if err == nil || !strings.Contains(err.Error(), "right after accepting it") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want the receiver closing right after accepting (%s)", err, tc.want)
			}
			if h := c.Health(); !h.Failing {
				t.Errorf("health after a failed check: %+v", h)
			}
			if got := c.Stats().PeerResets; (got == 1) != tc.reset {
				t.Errorf("PeerResets = %d after the check (reset %v)", got, tc.reset)
			}
		})
	}
	r := receiver(t, syslogrecv.Options{}, func([]byte) {})
	c := client(t, Options{Protocol: ProtocolTCP, Addrs: []string{r.Addr()}})
	start := time.Now()
	if err := c.Check(t.Context()); err != nil {
		t.Fatalf("Check of a healthy receiver: %v", err)
	}
	if d := time.Since(start); d < checkHold {
		t.Errorf("Check took %v, less than checkHold %v", d, checkHold)
	}
}

// TestProbeFindsResetAfterClose: a receiver that closed (FIN) and then reset the connection because we wrote to it
// reads as end of stream; the probe still reports the reset (EPIPE in SO_ERROR), not a clean close.
func TestProbeFindsResetAfterClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan struct{})
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.Close()
		}
		close(closed)
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	<-closed
	time.Sleep(20 * time.Millisecond) // the FIN arrives
	if _, err := nc.Write([]byte("lost\n")); err != nil {
		t.Fatal(err) // the write succeeds locally; the receiver answers it with a reset
	}
	time.Sleep(50 * time.Millisecond) // the reset arrives
	cn := &conn{nc: nc, tcp: nc.(*net.TCPConn)}
	if err := cn.probe(); !isReset(err) {
		t.Errorf("probe = %v, want EPIPE", err)
	}
}
