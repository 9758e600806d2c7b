package consumer_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/harness"
)

// expiryObserver counts expired checkpoints by policy.
type expiryObserver struct {
	countingObserver
	mu      sync.Mutex
	expired map[string]int
}

func (o *expiryObserver) CheckpointExpired(shard int, policy string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.expired == nil {
		o.expired = map[string]int{}
	}
	o.expired[policy]++
}

func (o *expiryObserver) count(policy string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.expired[policy]
}

// collector records the seqs delivered.
type collector struct {
	mu   sync.Mutex
	seqs []int
}

func (c *collector) handler(t *testing.T) consumer.BatchHandler {
	return consumer.BatchHandlerFunc(func(ctx context.Context, b *consumer.Batch) error {
		s := seqs(t, b)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.seqs = append(c.seqs, s...)
		return nil
	})
}

func (c *collector) got() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.seqs)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stop(t *testing.T, c *consumer.Consumer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func seqRange(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// expiredCheckpoint leaves the group's checkpoint of the emulator's only shard at seq 21 (records 1-20 delivered,
// 21-40 refused), then expires seq 1-40 and writes seq 41-80: the checkpoint points at expired data while newer
// data remains.
func expiredCheckpoint(t *testing.T) *harness.Emulator {
	t.Helper()
	emu := harness.StartEmulator(t, 1, 40) // 4 log groups of 10 records; batches of 2 groups
	var mu sync.Mutex
	delivered, refused := 0, 0
	h := consumer.BatchHandlerFunc(func(ctx context.Context, b *consumer.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		s := seqs(t, b)
		if len(s) > 0 && s[0] == 21 {
			refused++
			return errors.New("receiver down")
		}
		delivered += len(s)
		return nil
	})
	c, err := consumer.New(options(emu, t, "before"), h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first batch and a refusal", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return delivered == 20 && refused > 0
	})
	stop(t, c)
	if n, err := emu.Expire(harness.Project, harness.Logstore, time.Now()); err != nil || n != 4 {
		t.Fatalf("expired %d log groups (%v), want 4", n, err)
	}
	if err := emu.Generate(harness.Project, harness.Logstore, 40); err != nil {
		t.Fatal(err)
	}
	return emu
}

func TestExpiredCheckpointBegin(t *testing.T) {
	emu := expiredCheckpoint(t)
	obs := &expiryObserver{}
	col := &collector{}
	o := options(emu, t, "after")
	o.Observer = obs // ExpiredCursor empty: begin is the default
	c, err := consumer.New(o, col.handler(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the retained records", func() bool { return len(col.got()) >= 40 })
	stop(t, c)
	if got, want := col.got(), seqRange(41, 80); !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if n := obs.count(consumer.ExpiredBegin); n != 1 {
		t.Errorf("%d expired checkpoints counted for begin, want 1", n)
	}
}

func TestExpiredCheckpointEnd(t *testing.T) {
	emu := expiredCheckpoint(t)
	obs := &expiryObserver{}
	col := &collector{}
	o := options(emu, t, "after")
	o.Observer = obs
	o.ExpiredCursor = "end"
	c, err := consumer.New(o, col.handler(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the reset", func() bool { return obs.count(consumer.ExpiredEnd) == 1 })
	if err := emu.Generate(harness.Project, harness.Logstore, 20); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the records written after the reset", func() bool { return len(col.got()) >= 20 })
	stop(t, c)
	if got, want := col.got(), seqRange(81, 100); !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if n := obs.count(consumer.ExpiredEnd); n != 1 {
		t.Errorf("%d expired checkpoints counted for end, want 1", n)
	}
}

func TestExpiredCheckpointFail(t *testing.T) {
	emu := expiredCheckpoint(t)
	obs := &expiryObserver{}
	col := &collector{}
	o := options(emu, t, "after")
	o.Observer = obs
	o.ExpiredCursor = "FAIL"
	c, err := consumer.New(o, col.handler(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.Failed():
		var ee *consumer.ExpiredCursorError
		if !errors.As(err, &ee) || ee.Shard != 0 || ee.Cursor == "" {
			t.Errorf("failed with %v, want an ExpiredCursorError of shard 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the consumer did not fail")
	}
	stop(t, c)
	if got := col.got(); len(got) != 0 {
		t.Errorf("delivered %v, want nothing", got)
	}
	if n := obs.count(consumer.ExpiredFail); n != 1 {
		t.Errorf("%d expired checkpoints counted for fail, want 1", n)
	}
}

func TestExpiredCursorOption(t *testing.T) {
	emu := harness.StartEmulator(t, 1, 0)
	o := options(emu, t, "x")
	o.ExpiredCursor = "middle"
	if _, err := consumer.New(o, consumer.BatchHandlerFunc(func(context.Context, *consumer.Batch) error { return nil })); err == nil {
		t.Error("New accepted the expired cursor policy \"middle\"")
	}
}
