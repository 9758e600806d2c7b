package consumer_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// seqs returns the seq values of a batch in order.
func seqs(t *testing.T, b *consumer.Batch) []int {
	var out []int
	for _, g := range b.Groups {
		for _, l := range g.Logs {
			for _, f := range l.Contents {
				if f.Key == "seq" {
					n, err := strconv.Atoi(f.Value)
					if err != nil {
						t.Errorf("seq %q: %v", f.Value, err)
					}
					out = append(out, n)
				}
			}
		}
	}
	return out
}

func options(emu *harness.Emulator, t *testing.T, name string) consumer.Options {
	return consumer.Options{
		Endpoint: emu.Endpoint, AccessKeyID: harness.KeyID, AccessKeySecret: harness.Secret,
		Project: harness.Project, Logstore: harness.Logstore, Group: harness.Group, ConsumerName: name,
		HeartbeatInterval: time.Second, FetchInterval: 20 * time.Millisecond, MaxFetchLogGroups: 2,
		Logger: zaptest.NewLogger(t),
	}
}

// TestAtLeastOnce is the at-least-once conformance test: batches that were acknowledged are checkpointed, a batch
// that fails is not, and after a restart delivery resumes exactly at the failed batch.
func TestAtLeastOnce(t *testing.T) {
	// One shard, 100 records in groups of 10: batches of 2 groups hold seq 1-20, 21-40, 41-60, ...
	emu := harness.StartEmulator(t, 1, 100)

	var mu sync.Mutex
	var first [][]int
	failing := make(chan struct{})
	var failOnce sync.Once
	h1 := consumer.BatchHandlerFunc(func(ctx context.Context, b *consumer.Batch) error {
		s := seqs(t, b)
		if len(s) == 0 {
			return nil
		}
		if s[0] == 41 { // the third batch never gets through in the first run
			failOnce.Do(func() { close(failing) })
			return errors.New("receiver down")
		}
		mu.Lock()
		first = append(first, s)
		mu.Unlock()
		return nil
	})
	c1, err := consumer.New(options(emu, t, "c1"), h1)
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-failing:
	case <-time.After(30 * time.Second):
		t.Fatal("the third batch was never handed over")
	}
	time.Sleep(200 * time.Millisecond) // let the library retry the failing batch a few times
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := c1.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	mu.Lock()
	if len(first) != 2 || first[0][0] != 1 || first[1][0] != 21 {
		t.Fatalf("first run delivered %v, want the batches starting at 1 and 21", first)
	}
	mu.Unlock()
	cp := emu.Stats().Logstore(harness.Project, harness.Logstore).Group(harness.Group).Checkpoint(0)
	if n, err := slsemu.DecodeCursor(cp); err != nil {
		t.Fatalf("checkpoint %q: %v", cp, err)
	} else {
		begin, _ := slsemu.DecodeCursor(emu.Stats().Logstore(harness.Project, harness.Logstore).Shard(0).BeginCursor)
		if n-begin != 4 {
			t.Fatalf("checkpoint is %d log groups in, want 4 (after the two delivered batches)", n-begin)
		}
	}

	// Second run: delivery resumes at the failed batch; nothing delivered before is sent again.
	got := map[int]int{}
	var order []int
	all := make(chan struct{})
	var allOnce sync.Once
	h2 := consumer.BatchHandlerFunc(func(ctx context.Context, b *consumer.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range seqs(t, b) {
			got[s]++
			order = append(order, s)
		}
		if len(got) == 60 {
			allOnce.Do(func() { close(all) })
		}
		return nil
	})
	c2, err := consumer.New(options(emu, t, "c2"), h2)
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c2.Shutdown(ctx)
	}()
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		t.Fatalf("second run got %d of 60 records", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if order[0] != 41 {
		t.Fatalf("second run started at seq %d, want 41 (the failed batch)", order[0])
	}
	for s := 41; s <= 100; s++ {
		if got[s] != 1 {
			t.Fatalf("seq %d delivered %d times in the second run", s, got[s])
		}
	}
	if len(got) != 60 {
		t.Fatalf("second run delivered %d distinct records, want 60", len(got))
	}
}

// start starts a consumer with o and h and returns a function that stops it gracefully, failing the test when the
// stop does not complete.
func start(t *testing.T, o consumer.Options, h consumer.BatchHandler) (stop func()) {
	t.Helper()
	c, err := consumer.New(o, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Shutdown(ctx); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	}
}
