//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/hecemu"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/testport"
)

// HEC modes: SIEMSHIP_OUTPUT=hec with indexer acknowledgement (lossless) and without (confirmed on HEC's 200).
var hecModes = []string{"hec/ack", "hec/noack"}

const (
	hecToken      = "c4a8e1f2-3b5d-4e6f-8a9b-0c1d2e3f4a5b"
	hecAckTimeout = 5 * time.Second
)

// hecTarget is the HEC emulator in the test process. It restarts on the same port (a fresh emulator: what the old
// one had indexed is kept in the ledger, what it had pending is lost, as with a restarted Splunk).
type hecTarget struct {
	t          testing.TB
	mu         sync.Mutex
	srv        *hecemu.Server
	hostport   string
	indexDelay time.Duration
	led        *ledger.Ledger
	seen       int // events of srv already in led
}

func startHEC(t testing.TB, indexDelay time.Duration) *hecTarget {
	t.Helper()
	h := &hecTarget{t: t, indexDelay: indexDelay, led: ledger.NewKey(ledger.KeyFromEnv([]string{"SIEMSHIP_FORMAT=json"}))}
	addr, err := testport.Listen(func(addr string) error { return h.listen(addr) })
	if err != nil {
		t.Fatal(err)
	}
	h.hostport = addr
	t.Cleanup(h.stop)
	return h
}

func (h *hecTarget) listen(addr string) error {
	s := hecemu.New(hecemu.Options{IndexDelay: h.indexDelay})
	s.AddToken(hecToken, hecemu.Token{Ack: true})
	if _, err := s.Start(context.Background(), addr); err != nil {
		return err
	}
	h.mu.Lock()
	h.srv, h.seen = s, 0
	h.mu.Unlock()
	return nil
}

func (h *hecTarget) url() string { return "http://" + h.hostport }

// stop shuts the emulator down, then folds what it indexed into the ledger: a request it accepts while shutting
// down is indexed and confirmed too, so reading the ledger before the shutdown would miss it.
func (h *hecTarget) stop() {
	h.mu.Lock()
	s := h.srv
	h.mu.Unlock()
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
	h.report()
	h.mu.Lock()
	h.srv = nil
	h.mu.Unlock()
}

func (h *hecTarget) restart(t testing.TB) {
	t.Helper()
	if err := h.listen(h.hostport); err != nil {
		t.Fatalf("restart the HEC emulator on %s: %v", h.hostport, err)
	}
}

func (h *hecTarget) server() *hecemu.Server {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.srv
}

func (h *hecTarget) addr(string) string { return h.hostport }

func (h *hecTarget) report() ledger.Report {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.srv != nil {
		evs := h.srv.Events()
		for _, e := range evs[min(h.seen, len(evs)):] {
			h.led.Observe(e.Event)
		}
		h.seen = max(h.seen, len(evs))
	}
	return h.led.Report()
}

func (h *hecTarget) missing(first, last uint64, limit int) []uint64 {
	h.report()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.led.Missing(first, last, limit)
}

// newHECRun is newRun for a HEC mode.
func newHECRun(t *testing.T, name, mode string, h *hecTarget, nShards int) *run {
	t.Helper()
	r := newRun(t, name, mode, h, nShards, records)
	ack := "on"
	if mode == "hec/noack" {
		ack = "off"
	}
	r.env = append(r.env, "SIEMSHIP_OUTPUT=hec", "HEC_URL="+h.url(), "HEC_TOKEN="+hecToken, "HEC_ACK="+ack,
		"HEC_ACK_TIMEOUT="+hecAckTimeout.String())
	return r
}

// TestHECDown stops the HEC emulator for downtime mid-stream (what it had not indexed yet is lost with it).
func TestHECDown(t *testing.T) {
	for _, mode := range hecModes {
		t.Run(strings.ReplaceAll(mode, "/", "-"), func(t *testing.T) {
			h := startHEC(t, 0)
			r := newHECRun(t, fmt.Sprintf("HEC down %s mid-stream", downtime), mode, h, shards)
			r.start("chaos-1")
			r.waitUnique(faultAt)
			h.stop()
			time.Sleep(downtime)
			h.restart(t)
			r.finish(time.Now(), "")
		})
	}
}

// TestHECBusy answers every request 503 (server busy) for downtime mid-stream.
func TestHECBusy(t *testing.T) {
	for _, mode := range hecModes {
		t.Run(strings.ReplaceAll(mode, "/", "-"), func(t *testing.T) {
			h := startHEC(t, 0)
			r := newHECRun(t, fmt.Sprintf("HEC 503 storm %s mid-stream", downtime), mode, h, shards)
			r.graceful = true
			r.start("chaos-1")
			r.waitUnique(faultAt)
			h.server().Busy(downtime)
			time.Sleep(downtime)
			r.finish(time.Now(), "")
		})
	}
}

// TestHECAckDelay delays indexing (and so the acknowledgements) past HEC_ACK_TIMEOUT for 20 s: siemship sends the
// batches again, which duplicates them; nothing is lost.
func TestHECAckDelay(t *testing.T) {
	const window = 20 * time.Second
	h := startHEC(t, 0)
	r := newHECRun(t, fmt.Sprintf("HEC acks delayed %s (past HEC_ACK_TIMEOUT %s) for %s", 2*hecAckTimeout, hecAckTimeout, window),
		"hec/ack", h, shards)
	r.graceful = true
	// Each in-flight batch (4) may be sent again once per timeout in the window, and once more at its end.
	r.bound = uint64(4 * batch * (int(window/hecAckTimeout) + 1))
	r.start("chaos-1")
	r.waitUnique(faultAt)
	h.server().DelayAcks(2 * hecAckTimeout)
	time.Sleep(window)
	h.server().DelayAcks(0)
	r.finish(time.Now(), "")
}

// TestHECIndexerRestart loses the pending acknowledgements and their events mid-stream (indexing takes 300 ms):
// with acknowledgement siemship sends those batches again after HEC_ACK_TIMEOUT; without, they are lost.
func TestHECIndexerRestart(t *testing.T) {
	for _, mode := range hecModes {
		t.Run(strings.ReplaceAll(mode, "/", "-"), func(t *testing.T) {
			h := startHEC(t, 300*time.Millisecond)
			r := newHECRun(t, "HEC indexer restart mid-stream (pending acks and events lost)", mode, h, shards)
			r.start("chaos-1")
			r.waitUnique(faultAt)
			h.server().RestartIndexer()
			r.finish(time.Now(), "")
		})
	}
}

// TestHECShipperKill SIGKILLs siemship mid-stream and starts it again.
func TestHECShipperKill(t *testing.T) {
	for _, mode := range hecModes {
		t.Run(strings.ReplaceAll(mode, "/", "-"), func(t *testing.T) {
			h := startHEC(t, 0)
			r := newHECRun(t, "siemship SIGKILL mid-stream, restarted", mode, h, shards)
			r.graceful = mode == "hec/ack"
			p := r.start("chaos-1")
			r.waitUnique(faultAt)
			p.Signal(syscall.SIGKILL)
			p.Wait(20 * time.Second)
			r.start("chaos-1")
			r.finish(time.Now(), "")
		})
	}
}

// TestHECReplicas runs three replicas on six shards and SIGKILLs one: SLS hands its shards to the others.
func TestHECReplicas(t *testing.T) {
	const nShards = 6
	for _, mode := range hecModes {
		t.Run(strings.ReplaceAll(mode, "/", "-"), func(t *testing.T) {
			h := startHEC(t, 0)
			r := newHECRun(t, "three replicas, one SIGKILLed", mode, h, nShards)
			r.graceful = mode == "hec/ack"
			for i := range 3 {
				r.start(fmt.Sprintf("chaos-%d", i+1))
			}
			held := r.consumersHoldingShards(3)
			r.waitUnique(faultAt)
			victim := r.procs[0]
			victim.Signal(syscall.SIGKILL)
			victim.Wait(20 * time.Second)
			end := time.Now()
			r.bound = uint64(len(held["chaos-1"]) * batch)
			r.finish(end, "")
		})
	}
}
