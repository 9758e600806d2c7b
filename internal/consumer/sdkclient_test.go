package consumer_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/consumer"
	"github.com/siemship/siemship/internal/harness"
)

// TestManyShardsInProcess consumes several shards in one process under the race detector, the path on which the
// SDK's first-use initialisation of its client races between shard goroutines unless prepareSDKClient ran. The
// race shows up only in some runs (other engineers saw it in about two of three on a loaded machine), so this
// test guards the path rather than proving the fix; TestPrepareSDKClient checks that the fix still applies.
func TestManyShardsInProcess(t *testing.T) {
	const shards, records = 6, 3000
	emu := harness.StartEmulator(t, shards, records)
	var mu sync.Mutex
	seen := map[int]int{}
	all := make(chan struct{})
	var once sync.Once
	h := consumer.BatchHandlerFunc(func(ctx context.Context, b *consumer.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		for _, g := range b.Groups {
			for _, l := range g.Logs {
				for _, f := range l.Contents {
					if f.Key == "seq" {
						n, _ := strconv.Atoi(f.Value)
						seen[n]++
					}
				}
			}
		}
		if len(seen) == records {
			once.Do(func() { close(all) })
		}
		return nil
	})
	o := options(emu, t, "many")
	o.MaxFetchLogGroups = 50
	c, err := consumer.New(o, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		mu.Lock()
		t.Fatalf("got %d of %d records", len(seen), records)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for s := 1; s <= records; s++ {
		if seen[s] != 1 {
			t.Fatalf("seq %d delivered %d times", s, seen[s])
		}
	}
}
