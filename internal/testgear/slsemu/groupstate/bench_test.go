package groupstate

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkHeartbeat measures a steady-state heartbeat: 64 shards, 8 balanced consumers.
func BenchmarkHeartbeat(b *testing.B) {
	g := New("cg", timeout, false)
	shards := plain(64)
	names := make([]string, 8)
	held := make([][]int, 8)
	for i := range names {
		names[i] = fmt.Sprintf("consumer-%d", i)
		held[i] = []int{}
	}
	now := t0
	for range 3 {
		for i, c := range names {
			got, err := g.Heartbeat(now, c, held[i], shards)
			if err != nil {
				b.Fatal(err)
			}
			held[i] = got
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(names)
		now = now.Add(time.Millisecond)
		if _, err := g.Heartbeat(now, names[k], held[k], shards); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateCheckpoint measures a non-forced checkpoint by the owner: 64 shards, 8 consumers.
func BenchmarkUpdateCheckpoint(b *testing.B) {
	g := New("cg", timeout, false)
	shards := plain(64)
	for i := range 8 {
		if _, err := g.Heartbeat(t0, fmt.Sprintf("consumer-%d", i), nil, shards); err != nil {
			b.Fatal(err)
		}
	}
	st := g.Status(t0, shards)
	owner := st.Owners[5]
	b.ReportAllocs()
	for b.Loop() {
		if err := g.UpdateCheckpoint(t0, owner, 5, "cursor", false, false, shards); err != nil {
			b.Fatal(err)
		}
	}
}
