package backoff

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &Gate{Policy: Policy{Initial: 100 * time.Millisecond, Max: time.Second}}
		if err := g.Wait(t.Context()); err != nil {
			t.Fatalf("open gate: %v", err)
		}
		for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
			want *= time.Millisecond
			d := g.Failure()
			if d < want/2 || d > want {
				t.Fatalf("failure %d: delay %v outside [%v, %v]", i+1, d, want/2, want)
			}
			start := time.Now()
			if err := g.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			if waited := time.Since(start); waited != d {
				t.Fatalf("failure %d: waited %v, want %v", i+1, waited, d)
			}
		}
		if g.Failures() != 6 {
			t.Fatalf("%d failures", g.Failures())
		}
		g.Failure()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("wait past the deadline: %v", err)
		}
		g.Success()
		if err := g.Wait(ctx); err != nil || g.Failures() != 0 {
			t.Fatalf("after success: %v, %d failures", err, g.Failures())
		}
	})
}
