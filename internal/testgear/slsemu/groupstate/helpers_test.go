package groupstate

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

const timeout = 60 * time.Second

// plain returns n writable shards 0..n-1 without parents.
func plain(n int) []Shard {
	out := make([]Shard, n)
	for i := range out {
		out[i] = Shard{ID: i}
	}
	return out
}

// fixture drives one group with a fake clock.
type fixture struct {
	t      *testing.T
	g      *Group
	now    time.Time
	shards []Shard
}

func newFixture(t *testing.T, order bool, shards []Shard) *fixture {
	t.Helper()
	return &fixture{t: t, g: New("cg", timeout, order), now: t0, shards: shards}
}

func (f *fixture) advance(d time.Duration) { f.now = f.now.Add(d) }

// hb sends a heartbeat that must succeed.
func (f *fixture) hb(c string, held ...int) []int {
	f.t.Helper()
	if held == nil {
		held = []int{}
	}
	got, err := f.g.Heartbeat(f.now, c, held, f.shards)
	if err != nil {
		f.t.Fatalf("heartbeat %s %v: %v", c, held, err)
	}
	if got == nil {
		f.t.Fatalf("heartbeat %s %v: nil slice", c, held)
	}
	if !slices.IsSorted(got) {
		f.t.Fatalf("heartbeat %s %v: unsorted %v", c, held, got)
	}
	return got
}

// hbWant sends a heartbeat and checks its answer.
func (f *fixture) hbWant(c string, held []int, want ...int) []int {
	f.t.Helper()
	got := f.hb(c, held...)
	if want == nil {
		want = []int{}
	}
	if !slices.Equal(got, want) {
		f.t.Fatalf("heartbeat %s %v = %v, want %v", c, held, got, want)
	}
	return got
}

func (f *fixture) status() Status {
	f.t.Helper()
	return f.g.Status(f.now, f.shards)
}

func (f *fixture) wantState(id int, want string) {
	f.t.Helper()
	if got := f.status().States[id]; got != want {
		f.t.Fatalf("shard %d state %q, want %q", id, got, want)
	}
}

func (f *fixture) cp(c string, shard int, cursor string, force, atEnd bool) error {
	return f.g.UpdateCheckpoint(f.now, c, shard, cursor, force, atEnd, f.shards)
}
