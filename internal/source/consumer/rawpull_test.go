package consumer_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/harness"
)

// TestDecodePaths drains a backlog through the zero-copy walk (lz4 and zstd) and through the SDK's decoding, with
// every batch failing twice before it is accepted: the library then calls Process again with the same (for the
// walk: empty) list, and each attempt must carry the same records. Every seq arrives exactly once, in order.
func TestDecodePaths(t *testing.T) {
	for _, tc := range []struct {
		name      string
		compress  string
		sdkDecode bool
		slots     int
		bytes     int64
	}{
		{"walk-lz4-one-slot", "lz4", false, 1, 0},
		{"walk-zstd", "zstd", false, 0, 0},
		{"sdk-lz4", "lz4", true, 0, 0},
		// Every pull is larger than the memory budget: each waits until nothing else is held, then runs alone.
		{"walk-lz4-budget-smaller-than-a-pull", "lz4", false, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const records = 200
			emu := harness.StartEmulator(t, 1, records) // one shard: with two, -race flags a race inside the SDK (Client.initHttpClient)
			var mu sync.Mutex
			attempts := map[int][]int{} // first seq of a batch -> seqs of its first attempt
			fails := map[int]int{}
			var delivered []int
			done := make(chan struct{})
			h := consumer.BatchHandlerFunc(func(ctx context.Context, b *consumer.Batch) error {
				s := seqs(t, b)
				if len(s) == 0 {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				if prev, ok := attempts[s[0]]; ok && !reflect.DeepEqual(prev, s) {
					t.Errorf("retry of batch %d carries %v, first attempt %v", s[0], s, prev)
				}
				attempts[s[0]] = append([]int(nil), s...)
				if fails[s[0]] < 2 {
					fails[s[0]]++
					return errors.New("receiver down")
				}
				delivered = append(delivered, s...)
				if len(delivered) == records {
					close(done)
				}
				return nil
			})
			o := options(emu, t, "c1")
			o.Compress, o.SDKDecode, o.MaxPulledBatches, o.MaxPulledBytes = tc.compress, tc.sdkDecode, tc.slots, tc.bytes
			core, logs := observer.New(zap.WarnLevel)
			o.Logger = zap.New(core)
			defer func() {
				oversize := logs.FilterMessageSnippet("more memory than the budget").Len()
				if want := map[bool]int{true: 1}[tc.bytes > 0]; oversize != want {
					t.Errorf("%d warnings about pulls larger than the budget, want %d", oversize, want)
				}
			}()
			c, err := consumer.New(o, h)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				mu.Lock()
				t.Errorf("delivered %d of %d", len(delivered), records)
				mu.Unlock()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			seen := map[int]bool{}
			for _, s := range delivered {
				if seen[s] {
					t.Errorf("seq %d delivered twice", s)
				}
				seen[s] = true
			}
			for s := 1; s <= records; s++ {
				if !seen[s] {
					t.Errorf("seq %d never delivered", s)
				}
			}
		})
	}
}
