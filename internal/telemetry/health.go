package telemetry

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siemship/siemship/internal/sink"
)

// health holds what /healthz and /readyz report. The observer calls update it with atomics only (plus a map
// lookup under a read lock); the handlers read it.
type health struct {
	now        func() time.Time
	stallAfter time.Duration
	conns      func() sink.Health // the destination's verdict on its recent connections

	started  atomic.Bool // the consumer joined the group
	stopping atomic.Bool // shutdown began

	groupMu      sync.Mutex
	groupMissing string // why the consumer group is missing and not recreated; "" when it exists

	lastOK, lastFail atomic.Int64 // unix nanoseconds of the last successful and failed send attempt or check
	lastAttempt      atomic.Int64 // unix nanoseconds when the last send attempt of any shard ended
	errMu            sync.Mutex
	lastErr          string

	mu     sync.RWMutex
	shards map[int]*shardHealth
}

type shardHealth struct {
	busySince atomic.Int64 // unix nanoseconds when the batch in the handler was handed over; 0 when none
}

func newHealth(now func() time.Time, stallAfter time.Duration, conns func() sink.Health) *health {
	return &health{now: now, stallAfter: stallAfter, conns: conns, shards: map[int]*shardHealth{}}
}

func (h *health) shard(id int) *shardHealth {
	h.mu.RLock()
	s := h.shards[id]
	h.mu.RUnlock()
	if s != nil {
		return s
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if s = h.shards[id]; s == nil {
		s = &shardHealth{}
		h.shards[id] = s
	}
	return s
}

func (h *health) batchPulled(shard int) {
	h.shard(shard).busySince.Store(h.now().UnixNano())
}

func (h *health) batchDone(shard int) { h.shard(shard).busySince.Store(0) }

// sendResult records a send attempt (shard >= 0) or a reachability check (shard < 0).
func (h *health) sendResult(shard int, err error) {
	now := h.now().UnixNano()
	if shard >= 0 {
		h.lastAttempt.Store(now)
	}
	if err == nil {
		h.lastOK.Store(now)
		return
	}
	h.lastFail.Store(now)
	msg := err.Error()
	h.errMu.Lock()
	h.lastErr = msg
	h.errMu.Unlock()
}

// setGroupMissing records why the consumer group is missing (err) or that it exists (nil).
func (h *health) setGroupMissing(err error) {
	h.groupMu.Lock()
	defer h.groupMu.Unlock()
	h.groupMissing = ""
	if err != nil {
		h.groupMissing = err.Error()
	}
}

func (h *health) missingGroup() string {
	h.groupMu.Lock()
	defer h.groupMu.Unlock()
	return h.groupMissing
}

// lastEvidence returns when the reachability of the destination was last learnt.
func (h *health) lastEvidence() time.Time {
	n := max(h.lastOK.Load(), h.lastFail.Load())
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// reachable reports whether the most recent send attempt or check succeeded and the destination's most recent
// connection was not lost: in write and ack mode a send "succeeds" on a connection the receiver then resets.
func (h *health) reachable() bool {
	ok := h.lastOK.Load()
	return ok != 0 && ok >= h.lastFail.Load() && !h.conns().Failing
}

// live returns the problems that make the process wedged: a batch in the handler for longer than stallAfter while
// no send attempt of any shard ended in that time. A destination that is down is not one of them: the pipeline
// keeps attempting (and failing) at least every retry backoff plus the dial or write timeout. Attempts of all
// shards count, because with fewer connections than shards a batch may rightly queue behind the others.
func (h *health) live() (lines []string, ok bool) {
	now := h.now()
	ok = true
	h.mu.RLock()
	ids := make([]int, 0, len(h.shards))
	for id := range h.shards {
		ids = append(ids, id)
	}
	h.mu.RUnlock()
	slices.Sort(ids)
	busy := 0
	lastAttempt := h.lastAttempt.Load()
	for _, id := range ids {
		s := h.shard(id)
		since := s.busySince.Load()
		if since == 0 {
			continue
		}
		busy++
		if idle := now.Sub(time.Unix(0, max(since, lastAttempt))); idle > h.stallAfter {
			ok = false
			lines = append(lines, fmt.Sprintf("shard %d: wedged: a batch has been in delivery for %s and no send attempt ended for %s (limit %s)",
				id, round(now.Sub(time.Unix(0, since))), round(idle), h.stallAfter))
		}
	}
	if ok {
		lines = append(lines, fmt.Sprintf("shards: %d seen, %d with a batch in delivery, none wedged", len(ids), busy))
	}
	return lines, ok
}

// ready returns the readiness lines and whether every condition holds.
func (h *health) ready() (lines []string, ok bool) {
	ok = true
	lines = append(lines, "config: valid")
	switch {
	case h.stopping.Load():
		ok = false
		lines = append(lines, "consumer: shutting down")
	case !h.started.Load():
		ok = false
		lines = append(lines, "consumer: not started (waiting for SLS)")
	default:
		lines = append(lines, "consumer: started")
	}
	if why := h.missingGroup(); why != "" {
		ok = false
		lines = append(lines, "consumer group: missing, nothing is shipped; recreating it failed: "+why)
	}
	now := h.now()
	switch okAt, failAt := h.lastOK.Load(), h.lastFail.Load(); {
	case okAt == 0 && failAt == 0:
		ok = false
		lines = append(lines, "siem: not checked yet")
	case okAt >= failAt:
		if ch := h.conns(); ch.Failing {
			ok = false
			lines = append(lines, fmt.Sprintf("siem: connections failing: the last %d were lost, the first %s ago, although sends "+
				"succeed (write and ack mode count a batch delivered before the receiver resets it; latest: %v)", ch.Lost, round(now.Sub(ch.Since)), ch.LastErr))
			break
		}
		lines = append(lines, fmt.Sprintf("siem: reachable (last success %s ago)", round(now.Sub(time.Unix(0, okAt)))))
	default:
		ok = false
		h.errMu.Lock()
		msg := h.lastErr
		h.errMu.Unlock()
		since := "never reached"
		if okAt != 0 {
			since = fmt.Sprintf("last success %s ago", round(now.Sub(time.Unix(0, okAt))))
		}
		lines = append(lines, fmt.Sprintf("siem: unreachable (%s; last failure %s ago: %s)", since, round(now.Sub(time.Unix(0, failAt))), msg))
	}
	return lines, ok
}

func round(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d.Round(time.Millisecond)
}

func (h *health) handleLive(w http.ResponseWriter, r *http.Request) {
	lines, ok := h.live()
	writeStatus(w, r, ok, lines)
}

func (h *health) handleReady(w http.ResponseWriter, r *http.Request) {
	lines, ok := h.ready()
	writeStatus(w, r, ok, lines)
}

// writeStatus answers 200 "ok" or 503 "not ok" followed by one reason per line.
func writeStatus(w http.ResponseWriter, r *http.Request, ok bool, lines []string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	status, head := http.StatusOK, "ok"
	if !ok {
		status, head = http.StatusServiceUnavailable, "not ok"
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	fmt.Fprintf(w, "%s\n%s\n", head, strings.Join(lines, "\n"))
}
