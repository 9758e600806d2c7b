// Package backoff is siemship's one retry-delay rule: capped exponential backoff with jitter, as a delay per
// attempt (Policy) and as a gate that failures close for a while (Gate).
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy is capped exponential backoff with jitter: attempt k (from 0) waits a random time in [d/2, d] with
// d = min(Max, Initial·2^k). The jitter keeps shards and replicas that failed together from retrying together.
type Policy struct {
	Initial, Max time.Duration
}

// Delay is the wait before attempt+1 after attempt failed.
func (p Policy) Delay(attempt int) time.Duration {
	d := max(p.Initial, 0)
	for i := 0; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Sleep waits d, or until ctx is done (then it returns ctx's cause).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
