package consumer_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/harness"
)

type countingObserver struct {
	mu                         sync.Mutex
	pulled, pulledBytes        int
	done, doneErr              int
	checkpoints, checkpointErr int
}

func (o *countingObserver) BatchPulled(shard, records, bytes int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pulled += records
	o.pulledBytes += bytes
}

func (o *countingObserver) BatchDone(shard int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done++
	if err != nil {
		o.doneErr++
	}
}

func (o *countingObserver) Checkpointed(shard int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.checkpoints++
	if err != nil {
		o.checkpointErr++
	}
}

// TestObserver checks what the observer is told: every batch handed over (a batch the handler refused is handed
// over again), every handler result, and a checkpoint after each delivered batch only.
func TestObserver(t *testing.T) {
	emu := harness.StartEmulator(t, 1, 40) // 4 log groups of 10 records; batches of 2 groups
	obs := &countingObserver{}
	var mu sync.Mutex
	delivered := 0
	failed := false
	all := make(chan struct{})
	h := consumer.BatchHandlerFunc(func(ctx context.Context, b *consumer.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		s := seqs(t, b)
		if len(s) > 0 && s[0] == 21 && !failed {
			failed = true
			return errors.New("receiver down")
		}
		delivered += len(s)
		if delivered == 40 {
			close(all)
		}
		return nil
	})
	o := options(emu, t, "observed")
	o.Observer = obs
	c, err := consumer.New(o, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		t.Fatal("not all records were delivered")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.pulled != 60 {
		t.Errorf("pulled %d records, want 60 (40 plus the refused batch of 20 handed over again)", obs.pulled)
	}
	if obs.pulledBytes <= 60*10 {
		t.Errorf("pulled %d bytes, implausibly few for 60 records", obs.pulledBytes)
	}
	if obs.doneErr != 1 {
		t.Errorf("%d handler errors observed, want 1", obs.doneErr)
	}
	if obs.checkpointErr != 0 || obs.checkpoints != obs.done-obs.doneErr {
		t.Errorf("checkpoints %d (%d failed) for %d delivered batches", obs.checkpoints, obs.checkpointErr, obs.done-obs.doneErr)
	}
}
