package pipeline

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// backoff is capped exponential backoff with jitter: attempt k waits a random time in [d/2, d] with
// d = min(max, initial * 2^k).
type backoff struct {
	initial, max time.Duration
}

func (b backoff) delay(attempt int) time.Duration {
	d := b.initial
	for i := 0; i < attempt && d < b.max; i++ {
		d *= 2
	}
	if d > b.max {
		d = b.max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

// sampler lets one log line through per interval and reports how many events it covered, so a flood of bad
// records costs one line every few seconds, never one per record.
type sampler struct {
	every   time.Duration
	mu      sync.Mutex
	last    time.Time
	pending atomic.Uint64
}

// allow adds n events and reports whether to log now, with the number of events since the last line.
func (s *sampler) allow(n uint64) (uint64, bool) {
	s.pending.Add(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if !s.last.IsZero() && now.Sub(s.last) < s.every {
		return 0, false
	}
	s.last = now
	return s.pending.Swap(0), true
}
