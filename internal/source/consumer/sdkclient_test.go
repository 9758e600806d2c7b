package consumer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/harness"
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
		for _, n := range seqs(t, b) {
			seen[n]++
		}
		if len(seen) == records {
			once.Do(func() { close(all) })
		}
		return nil
	})
	o := options(emu, t, "many")
	o.MaxFetchLogGroups = 50
	stop := start(t, o, h)
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		mu.Lock()
		t.Fatalf("got %d of %d records", len(seen), records)
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	for s := 1; s <= records; s++ {
		if seen[s] != 1 {
			t.Fatalf("seq %d delivered %d times", s, seen[s])
		}
	}
}
