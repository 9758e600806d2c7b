// Package logsample keeps floods of like events to a log line every few seconds: a bad record or a bad answer
// from a server is counted every time, but logged once per interval with the number of events it stands for.
package logsample

import (
	"sync"
	"sync/atomic"
	"time"
)

// Sampler lets one log line through per interval Every and reports how many events it covered. Safe for
// concurrent use; its zero value with Every set is ready.
type Sampler struct {
	Every time.Duration

	mu      sync.Mutex
	last    time.Time
	pending atomic.Uint64
}

// Allow adds n events and reports whether to log now, with the number of events since the last line.
func (s *Sampler) Allow(n uint64) (uint64, bool) {
	s.pending.Add(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if !s.last.IsZero() && now.Sub(s.last) < s.Every {
		return 0, false
	}
	s.last = now
	return s.pending.Swap(0), true
}
