package app_test

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/telemetry"
	"github.com/siemship/siemship/internal/testgear/harness"
)

// resetter is a syslog receiver that accepts every connection, reads what arrives first (waiting at most 50 ms),
// then closes with SO_LINGER 0: the kernel resets the connection and drops whatever was not read.
type resetter struct {
	ln              net.Listener
	accepted, reset atomic.Int64
	wg              sync.WaitGroup
}

func startResetter(t *testing.T) *resetter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &resetter{ln: ln}
	r.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.accepted.Add(1)
			r.wg.Go(func() {
				tc := c.(*net.TCPConn)
				_ = tc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				var b [4096]byte
				_, _ = tc.Read(b[:])
				_ = tc.SetLinger(0)
				_ = tc.Close()
				r.reset.Add(1)
			})
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		r.wg.Wait()
	})
	return r
}

func (r *resetter) Addr() string { return r.ln.Addr().String() }

// TestResettingReceiverIsNotUp: a receiver that resets every connection is not "up", whatever the confirm mode. With
// SYSLOG_CONFIRM=write every batch is still counted as delivered (write cannot tell; that is the mode's documented
// risk), but siemship_syslog_up is 0, /readyz fails and names the resets, and the resets that followed a "delivered"
// batch are counted. (Before, the same run showed siemship_syslog_up 1 and /readyz "siem: reachable".)
func TestResettingReceiverIsNotUp(t *testing.T) {
	for _, confirm := range []string{"write", "ack"} {
		t.Run(confirm, func(t *testing.T) {
			const records = 5000
			r := startResetter(t)
			emu := harness.StartEmulator(t, 1, records)
			sh := harness.StartShipper(t, emu.Env(r.Addr(), "tcp", "SYSLOG_CONFIRM="+confirm, "SIEMSHIP_HTTP_ADDR=127.0.0.1:0",
				"SLS_MAX_FETCH_LOG_GROUPS=20", "SLS_HEARTBEAT_TIMEOUT=10s", "SIEMSHIP_SHUTDOWN_TIMEOUT=6s"))
			var addr string
			eventually(t, 10*time.Second, "the metrics server", func() bool { addr = sh.App.HTTPAddr(); return addr != "" })
			base := "http://" + addr

			// Every record is "delivered", on connections the receiver resets.
			eventually(t, 60*time.Second, "every record counted as sent", func() bool {
				return sum(scrape(t, base), telemetry.MetricRecordsSent) == records
			})
			eventually(t, 10*time.Second, "the receiver to reset every connection", func() bool {
				return r.accepted.Load() > 0 && r.reset.Load() == r.accepted.Load()
			})
			fams := scrape(t, base)
			t.Logf("%s: %v records sent, %d connections reset by the receiver; up %v, peer resets %v, batches reset after delivery %v",
				confirm, sum(fams, telemetry.MetricRecordsSent), r.reset.Load(), sum(fams, telemetry.MetricDestinationUp),
				sum(fams, telemetry.MetricPeerResets), sum(fams, telemetry.MetricResetsAfterDelivery))
			if got := sum(fams, telemetry.MetricDestinationUp); got != 0 {
				t.Errorf("%s = %v, want 0 for a receiver that resets every connection", telemetry.MetricDestinationUp, got)
			}
			if got := sum(fams, telemetry.MetricPeerResets); got < 2 {
				t.Errorf("%s = %v, want one per connection the receiver reset", telemetry.MetricPeerResets, got)
			}
			if got := sum(fams, telemetry.MetricResetsAfterDelivery); got < 1 {
				t.Errorf("%s = %v, want the batches counted as delivered before a reset", telemetry.MetricResetsAfterDelivery, got)
			}
			if got := sum(fams, telemetry.MetricReady); got != 0 {
				t.Errorf("%s = %v, want 0", telemetry.MetricReady, got)
			}
			expectStatus(t, base+"/readyz", 503, "siem: connections failing")
			expectStatus(t, base+"/readyz", 503, "connection reset by peer")
			if err := sh.Stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
		})
	}
}
