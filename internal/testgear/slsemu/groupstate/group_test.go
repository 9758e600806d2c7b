package groupstate

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestNewSettingsUpdate(t *testing.T) {
	g := New("cg", 30*time.Second, true)
	if g.Name() != "cg" {
		t.Fatalf("name %q", g.Name())
	}
	if to, order := g.Settings(); to != 30*time.Second || !order {
		t.Fatalf("settings %v %v", to, order)
	}
	g.Update(0, false)
	if to, order := g.Settings(); to != 30*time.Second || order {
		t.Fatalf("after Update(0,false): %v %v", to, order)
	}
	g.Update(-time.Second, true)
	if to, order := g.Settings(); to != 30*time.Second || !order {
		t.Fatalf("after Update(-1s,true): %v %v", to, order)
	}
	g.Update(90*time.Second, false)
	if to, order := g.Settings(); to != 90*time.Second || order {
		t.Fatalf("after Update(90s,false): %v %v", to, order)
	}
	if to, _ := New("x", 0, false).Settings(); to != DefaultTimeout {
		t.Fatalf("default timeout %v", to)
	}
}

func TestSingleConsumerGetsAllShards(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7} {
		f := newFixture(t, false, plain(n))
		want := []int{}
		for i := range n {
			want = append(want, i)
		}
		f.hbWant("a", nil, want...)
		f.advance(10 * time.Second)
		f.hbWant("a", want, want...)
		st := f.status()
		for i := range n {
			if st.States[i] != StateAlreadyAlloc || st.Owners[i] != "a" {
				t.Fatalf("n=%d shard %d: %s owner %q", n, i, st.States[i], st.Owners[i])
			}
		}
	}
}

func TestSecondConsumerWaitsForHandOver(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)

	// b joins: a's highest shards go to transfer towards b, b gets nothing yet.
	f.advance(time.Second)
	f.hbWant("b", nil)
	st := f.status()
	for id, want := range map[int]string{0: StateAlreadyAlloc, 1: StateAlreadyAlloc, 2: StateTransfer, 3: StateTransfer} {
		if st.States[id] != want || st.Owners[id] != "a" {
			t.Fatalf("shard %d: %s owner %q, want %s owner a", id, st.States[id], st.Owners[id], want)
		}
	}
	if st.Transfers[2] != "b" || st.Transfers[3] != "b" || len(st.Transfers) != 2 {
		t.Fatalf("transfers %v", st.Transfers)
	}

	// a is told to stop 2 and 3 but still lists them while draining: b still gets nothing.
	f.advance(time.Second)
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1)
	f.advance(time.Second)
	f.hbWant("b", nil)
	f.advance(time.Second)
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1)
	f.hbWant("b", nil)

	// a finished 3 only: b gets 3.
	f.advance(time.Second)
	f.hbWant("a", []int{0, 1, 2}, 0, 1)
	f.hbWant("b", nil, 3)
	// a finished 2 as well.
	f.advance(time.Second)
	f.hbWant("a", []int{0, 1}, 0, 1)
	f.hbWant("b", []int{3}, 2, 3)
	st = f.status()
	if !slices.Equal(st.Consumers["a"], []int{0, 1}) || !slices.Equal(st.Consumers["b"], []int{2, 3}) || len(st.Transfers) != 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestBalanceWithinOne(t *testing.T) {
	tests := []struct {
		shards, consumers int
	}{
		{1, 2}, {3, 2}, {5, 2}, {5, 3}, {7, 3}, {8, 3}, {10, 4}, {2, 5}, {16, 6},
	}
	for _, tt := range tests {
		f := newFixture(t, false, plain(tt.shards))
		names := []string{}
		for i := range tt.consumers {
			names = append(names, string(rune('a'+i)))
		}
		held := map[string][]int{}
		// Consumers join one after the other and behave like the SDK: list what they were given plus
		// what they are still draining, and finish draining at the next round.
		for round := range 2 * tt.consumers {
			if round < tt.consumers {
				held[names[round]] = []int{}
			}
			f.advance(time.Second)
			for _, c := range names {
				if h, ok := held[c]; ok {
					held[c] = f.hb(c, h...)
				}
			}
		}
		f.advance(time.Second)
		for _, c := range names {
			held[c] = f.hb(c, held[c]...)
		}
		st := f.status()
		minN, maxN, total := tt.shards, 0, 0
		for _, c := range names {
			n := len(st.Consumers[c])
			minN, maxN, total = min(minN, n), max(maxN, n), total+n
			if !slices.Equal(st.Consumers[c], held[c]) {
				t.Fatalf("%d/%d: %s status %v, heartbeat %v", tt.shards, tt.consumers, c, st.Consumers[c], held[c])
			}
		}
		if maxN-minN > 1 || total != tt.shards || len(st.Transfers) != 0 {
			t.Fatalf("%d shards, %d consumers: %v transfers %v", tt.shards, tt.consumers, st.Consumers, st.Transfers)
		}
	}
}

func TestNewShardsGoToLeastLoaded(t *testing.T) {
	f := newFixture(t, false, plain(3))
	f.hbWant("a", nil, 0, 1, 2)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1, 2}, 0, 1)
	f.hbWant("a", []int{0, 1}, 0, 1)
	f.hbWant("b", nil, 2)
	// Shards 3 and 4 appear: b (1 shard) gets the first, then the tie a=2/b=2 goes to a by name.
	f.shards = plain(5)
	f.hbWant("b", []int{2}, 2, 3)
	f.hbWant("a", []int{0, 1}, 0, 1, 4)
}

func TestConsumerTimeout(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1)
	f.hbWant("a", []int{0, 1}, 0, 1)
	f.hbWant("b", nil, 2, 3)

	// a stays silent; b keeps heartbeating. At exactly the timeout a is still alive.
	f.advance(timeout)
	f.hbWant("b", []int{2, 3}, 2, 3)
	if _, ok := f.status().Consumers["a"]; !ok {
		t.Fatal("a expired at exactly the timeout")
	}
	f.advance(time.Nanosecond)
	f.hbWant("b", []int{2, 3}, 0, 1, 2, 3)
	if _, ok := f.status().Consumers["a"]; ok {
		t.Fatal("a still live after the timeout")
	}
	// a comes back with an empty body: it is a new consumer and shards move back through transfer.
	f.hbWant("a", nil)
	f.hbWant("b", []int{0, 1, 2, 3}, 0, 1)
	f.hbWant("b", []int{0, 1}, 0, 1)
	f.hbWant("a", nil, 2, 3)
}

func TestTimeoutFreesShardsWithoutOthers(t *testing.T) {
	f := newFixture(t, false, plain(2))
	f.hbWant("a", nil, 0, 1)
	f.advance(timeout + time.Second)
	st := f.status()
	if len(st.Consumers) != 0 || st.States[0] != StateNotAlloc || st.Owners[0] != "" || st.States[1] != StateNotAlloc {
		t.Fatalf("status %+v", st)
	}
}

func TestOwnerTimeoutCompletesTransfer(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.advance(timeout / 2)
	f.hbWant("b", nil) // 2 and 3 in transfer a -> b; a never heartbeats again
	f.advance(timeout/2 + time.Second)
	// a expired: its transfer shards go to b, its already_alloc shards are free and also go to b.
	f.hbWant("b", nil, 0, 1, 2, 3)
}

func TestDesignatedNextTimesOut(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.advance(time.Second)
	f.hbWant("b", nil)
	// a keeps draining 2 and 3 and heartbeating; b goes silent.
	for range 6 {
		f.advance(10 * time.Second)
		f.hbWant("a", []int{0, 1, 2, 3}, 0, 1)
	}
	f.advance(time.Second)
	// b expired: a keeps 2 and 3 in already_alloc (transition 6, second case).
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1, 2, 3)
	st := f.status()
	if len(st.Transfers) != 0 || len(st.Consumers) != 1 {
		t.Fatalf("status %+v", st)
	}
}

func TestDesignatedNextTimesOutRedirects(t *testing.T) {
	f := newFixture(t, false, plain(6))
	f.hbWant("a", nil, 0, 1, 2, 3, 4, 5)
	f.hbWant("b", nil) // 3, 4, 5 -> b
	f.advance(30 * time.Second)
	// c joins: quotas become 2 each; a gives 2 to c and b's highest incoming transfer 5 is redirected to c.
	f.hbWant("c", nil)
	st := f.status()
	if !mapsEqual(st.Transfers, map[int]string{2: "c", 3: "b", 4: "b", 5: "c"}) {
		t.Fatalf("transfers %v", st.Transfers)
	}
	f.advance(20 * time.Second)
	f.hbWant("a", []int{0, 1, 2, 3, 4, 5}, 0, 1)
	f.hbWant("c", nil)
	// b times out: 3 and 4 go back to a, which now owes 4 to c as well.
	f.advance(20 * time.Second)
	f.hbWant("c", nil)
	st = f.status()
	if _, ok := st.Consumers["b"]; ok {
		t.Fatal("b still live")
	}
	if !mapsEqual(st.Transfers, map[int]string{2: "c", 4: "c", 5: "c"}) || !slices.Equal(st.Consumers["a"], []int{0, 1, 3}) {
		t.Fatalf("status %+v", st)
	}
	f.hbWant("a", []int{0, 1, 2, 3, 4, 5}, 0, 1, 3)
	f.hbWant("c", nil)
	f.hbWant("a", []int{0, 1, 3}, 0, 1, 3)
	f.hbWant("c", nil, 2, 4, 5)
}

func TestForget(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1)
	f.hbWant("a", []int{0, 1}, 0, 1)
	f.hbWant("b", nil, 2, 3)
	f.g.Forget("a")
	f.g.Forget("nobody")
	st := f.status()
	if _, ok := st.Consumers["a"]; ok || !slices.Equal(st.Consumers["b"], []int{0, 1, 2, 3}) {
		t.Fatalf("status %+v", st)
	}
	// a's checkpoints are refused, and its next non-empty heartbeat is that of an unknown consumer.
	if err := f.cp("a", 0, "c", false, false); !errors.Is(err, ErrConsumerNotExist) {
		t.Fatalf("checkpoint after forget: %v", err)
	}
	if _, err := f.g.Heartbeat(f.now, "a", []int{0, 1}, f.shards); !errors.Is(err, ErrNotExistConsumerWithBody) {
		t.Fatalf("heartbeat after forget: %v", err)
	}
}

func TestForgetDuringTransfer(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.hbWant("b", nil)
	f.g.Forget("a") // the owner goes: the transfer completes
	f.hbWant("b", nil, 0, 1, 2, 3)

	f = newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.hbWant("b", nil)
	f.g.Forget("b") // the next consumer goes: the owner keeps its shards
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1, 2, 3)
}

func TestUnknownConsumerWithBody(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	got, err := f.g.Heartbeat(f.now, "b", []int{2, 3}, f.shards)
	if !errors.Is(err, ErrNotExistConsumerWithBody) || got != nil {
		t.Fatalf("got %v, %v", got, err)
	}
	// b is registered anyway: the balance already counts it, and its next heartbeat works even with a body.
	st := f.status()
	if _, ok := st.Consumers["b"]; !ok || st.Transfers[2] != "b" || st.Transfers[3] != "b" {
		t.Fatalf("status %+v", st)
	}
	f.hbWant("b", []int{2, 3})
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1)
	f.hbWant("a", []int{0, 1}, 0, 1)
	f.hbWant("b", []int{2, 3}, 2, 3)
}

func TestExpiredConsumerWithBody(t *testing.T) {
	f := newFixture(t, false, plain(2))
	f.hbWant("a", nil, 0, 1)
	f.advance(timeout + time.Second)
	// a's own heartbeat comes too late: it is expired first, so it is unknown.
	if _, err := f.g.Heartbeat(f.now, "a", []int{0, 1}, f.shards); !errors.Is(err, ErrNotExistConsumerWithBody) {
		t.Fatalf("err %v", err)
	}
	f.hbWant("a", []int{0, 1}, 0, 1)
}

func TestHeldShardsNotOwnedAreIgnored(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1}, 0, 1)
	// b claims shards of a and shards that do not exist.
	f.hbWant("b", []int{0, 1, 2, 3, 9, -1}, 2, 3)
	f.hbWant("a", []int{0, 1, 99}, 0, 1)
	st := f.status()
	if !slices.Equal(st.Consumers["a"], []int{0, 1}) || !slices.Equal(st.Consumers["b"], []int{2, 3}) {
		t.Fatalf("status %+v", st)
	}
}

func TestInvalidConsumer(t *testing.T) {
	g := New("cg", timeout, false)
	if _, err := g.Heartbeat(t0, "", nil, plain(1)); !errors.Is(err, ErrInvalidConsumer) {
		t.Fatalf("err %v", err)
	}
	if st := g.Status(t0, plain(1)); len(st.Consumers) != 0 || st.States[0] != StateNotAlloc {
		t.Fatalf("status %+v", st)
	}
}

func TestShardListChanges(t *testing.T) {
	f := newFixture(t, false, plain(4))
	f.hbWant("a", nil, 0, 1, 2, 3)
	if err := f.cp("a", 3, "c3", false, false); err != nil {
		t.Fatal(err)
	}
	f.shards = []Shard{{ID: 0}, {ID: 1}, {ID: 5}}
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1, 5)
	st := f.status()
	if len(st.States) != 3 {
		t.Fatalf("states %v", st.States)
	}
	if err := f.cp("a", 3, "c", true, false); !errors.Is(err, ErrShardNotExist) {
		t.Fatalf("checkpoint on dropped shard: %v", err)
	}
	// Shard 3 comes back: it is new, without the old checkpoint.
	f.shards = plain(4)
	if cps := f.g.Checkpoints(f.shards); cps[3].Cursor != "" {
		t.Fatalf("checkpoint of dropped shard kept: %+v", cps[3])
	}
}

func TestStatusIsDeterministic(t *testing.T) {
	run := func() Status {
		f := newFixture(t, false, plain(9))
		for _, c := range []string{"d", "b", "c", "a"} {
			f.hbWant(c, nil, f.hb(c)...)
		}
		return f.status()
	}
	first := run()
	for range 20 {
		if got := run(); !equalStatus(got, first) {
			t.Fatalf("%+v != %+v", got, first)
		}
	}
}

func equalStatus(a, b Status) bool {
	if len(a.Consumers) != len(b.Consumers) {
		return false
	}
	for c, s := range a.Consumers {
		if !slices.Equal(s, b.Consumers[c]) {
			return false
		}
	}
	return mapsEqual(a.States, b.States) && mapsEqual(a.Owners, b.Owners) && mapsEqual(a.Transfers, b.Transfers)
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
