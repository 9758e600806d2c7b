package backoff

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Gate spaces out attempts after failures: each failure closes it for Policy.Delay(failures so far), a success
// opens it. Safe for concurrent use; its zero value with a Policy set is ready.
type Gate struct {
	Policy Policy

	mu       sync.Mutex
	failures int
	next     time.Time // no attempt before this instant
}

// Wait blocks until an attempt is allowed or ctx is done. When ctx's deadline falls before the gate opens it fails
// at once rather than sleeping in vain.
func (g *Gate) Wait(ctx context.Context) error {
	g.mu.Lock()
	next := g.next
	g.mu.Unlock()
	d := time.Until(next)
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(next) {
		return fmt.Errorf("backoff of %v exceeds the deadline: %w", d.Round(time.Millisecond), context.DeadlineExceeded)
	}
	if err := Sleep(ctx, d); err != nil {
		return fmt.Errorf("backoff: %w", err)
	}
	return nil
}

// Failure records a failed attempt and returns the delay before the next one.
func (g *Gate) Failure() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.Policy.Delay(g.failures)
	g.failures++
	g.next = time.Now().Add(d)
	return d
}

// Success opens the gate.
func (g *Gate) Success() {
	g.mu.Lock()
	g.failures, g.next = 0, time.Time{}
	g.mu.Unlock()
}

// Failures is the number of failures since the last success.
func (g *Gate) Failures() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failures
}
