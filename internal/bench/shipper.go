package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/source/consumer"
)

// PullResult is what the pull-only shipper measured itself (wall-clock times, comparable across processes).
type PullResult struct {
	Records uint64    `json:"records"`
	Start   time.Time `json:"start"` // Pull was called
	First   time.Time `json:"first"` // the first batch was handed over
	Last    time.Time `json:"last"`  // the batch that completed records was handed over
}

// Pull is the pull-only limit: the consumer (group membership, pulls, lz4, protobuf decoding, conversion into
// record groups, checkpoints) with a handler that discards every batch. It returns once records records were
// pulled, or with ctx's error.
func Pull(ctx context.Context, cfg *config.Config, records uint64, log *zap.Logger) (PullResult, error) {
	if log == nil {
		log = zap.NewNop()
	}
	start := time.Now()
	var (
		n           atomic.Uint64
		first, last atomic.Int64 // unix nanoseconds
		doneOnce    sync.Once
	)
	done := make(chan struct{})
	h := consumer.BatchHandlerFunc(func(_ context.Context, b *consumer.Batch) error {
		k := uint64(b.Records())
		if k == 0 {
			return nil
		}
		now := time.Now().UnixNano()
		first.CompareAndSwap(0, now)
		if n.Add(k) >= records {
			last.CompareAndSwap(0, now)
			doneOnce.Do(func() { close(done) })
		}
		return nil
	})
	defer app.ApplyMemoryLimit(cfg, log)() // as siemship run does: the same memory bound
	c, err := consumer.New(app.ConsumerOptions(cfg, log), h)
	if err != nil {
		return PullResult{}, fmt.Errorf("pull only: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		return PullResult{}, fmt.Errorf("pull only: %w", err)
	}
	var waitErr error
	select {
	case <-done:
	case <-ctx.Done():
		waitErr = fmt.Errorf("pull only: %d of %d records: %w", n.Load(), records, ctx.Err())
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(sctx); err != nil && waitErr == nil {
		waitErr = fmt.Errorf("pull only: %w", err)
	}
	r := PullResult{Records: n.Load(), Start: start}
	if f := first.Load(); f != 0 {
		r.First = time.Unix(0, f)
	}
	if l := last.Load(); l != 0 {
		r.Last = time.Unix(0, l)
	}
	return r, waitErr
}

// Ship runs the whole shipper (app.New and Run) until ctx is cancelled, as `siemship run` does.
func Ship(ctx context.Context, cfg *config.Config, log *zap.Logger) error {
	a, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
