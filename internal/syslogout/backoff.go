package syslogout

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Reconnect backoff bounds.
const (
	backoffBase = 100 * time.Millisecond
	backoffMax  = 10 * time.Second
)

// backoff gates reconnection attempts after failed dials: capped exponential delays with jitter (each delay is
// uniformly drawn from [d/2, d], d doubling from backoffBase up to backoffMax). Shared by the connections of a
// Client, since they all reach the same destination.
type backoff struct {
	base, max time.Duration

	mu       sync.Mutex
	failures int
	next     time.Time // no dial before this instant
}

// wait blocks until a dial is allowed or ctx is done. When ctx's deadline falls before the gate opens it fails at
// once rather than sleeping in vain.
func (b *backoff) wait(ctx context.Context) error {
	b.mu.Lock()
	next := b.next
	b.mu.Unlock()
	d := time.Until(next)
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(next) {
		return fmt.Errorf("reconnect backoff of %v exceeds the deadline: %w", d.Round(time.Millisecond), context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("reconnect backoff: %w", context.Cause(ctx))
	}
}

// failure records a failed dial and returns the delay before the next one.
func (b *backoff) failure() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	d := b.max
	if b.failures <= 30 {
		d = min(b.base<<(b.failures-1), b.max)
	}
	d = d/2 + rand.N(d/2+1)
	b.next = time.Now().Add(d)
	return d
}

// success opens the gate.
func (b *backoff) success() {
	b.mu.Lock()
	b.failures, b.next = 0, time.Time{}
	b.mu.Unlock()
}
