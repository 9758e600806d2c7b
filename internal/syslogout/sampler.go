package syslogout

import (
	"sync"
	"sync/atomic"
	"time"
)

// resetLogEvery bounds the warnings about resets after delivered batches to one per interval.
const resetLogEvery = 10 * time.Second

// sampler lets one log line through per interval and counts the events in between.
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
