package groupstate

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse runs every method from several goroutines (meaningful under -race) and checks that the group
// ends in a consistent, balanced state. Each goroutine has its own clock, so the timeout is long enough for none
// of them to expire another. How far the group got while they ran depends on scheduling (a goroutine that finishes
// early never hands over the shards it holds), so each consumer then heartbeats in turn until the group settles.
func TestConcurrentUse(t *testing.T) {
	g := New("cg", time.Hour, false)
	shards := plain(12)
	held := make([][]int, 4)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			c := fmt.Sprintf("c%d", w)
			mine := &held[w]
			*mine = []int{}
			for i := range 200 {
				now := t0.Add(time.Duration(i) * time.Second)
				got, err := g.Heartbeat(now, c, *mine, shards)
				if err != nil {
					t.Errorf("heartbeat %s: %v", c, err)
					return
				}
				*mine = got
				for _, id := range got {
					_ = g.UpdateCheckpoint(now, c, id, fmt.Sprint(i), false, false, shards)
				}
				switch i % 50 {
				case 10:
					g.Status(now, shards)
				case 20:
					g.Checkpoints(shards)
				case 30:
					g.Update(0, false)
					g.Settings()
				case 40:
					g.Forget("nobody")
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Settle: a released shard goes to its new owner on that owner's next heartbeat, so a few rounds suffice.
	now := t0.Add(200 * time.Second)
	for round := range 8 {
		for w := range held {
			got, err := g.Heartbeat(now, fmt.Sprintf("c%d", w), held[w], shards)
			if err != nil {
				t.Fatalf("settling round %d: heartbeat c%d: %v", round, w, err)
			}
			held[w] = got
		}
		now = now.Add(time.Second)
	}
	st := g.Status(now, shards)
	total := 0
	for c, held := range st.Consumers {
		if len(held) != 3 {
			t.Errorf("%s holds %v", c, held)
		}
		total += len(held)
	}
	if total != 12 || len(st.Transfers) != 0 {
		t.Fatalf("status %+v", st)
	}
	for _, cp := range g.Checkpoints(shards) {
		if cp.Cursor == "" || !slices.Contains([]string{"c0", "c1", "c2", "c3"}, cp.Consumer) {
			t.Fatalf("checkpoint %+v", cp)
		}
	}
}
