package groupstate

import (
	"errors"
	"testing"
	"time"
)

func TestUpdateCheckpointErrors(t *testing.T) {
	// a owns 0 and 1 (1 in transfer to b), b owns nothing yet; "gone" expired; "x" was never seen.
	setup := func(t *testing.T) *fixture {
		f := newFixture(t, false, plain(2))
		f.hbWant("gone", nil, 0, 1)
		f.advance(timeout + time.Second)
		f.hbWant("a", nil, 0, 1)
		f.hbWant("b", nil)
		if st := f.status(); st.States[1] != StateTransfer || st.Transfers[1] != "b" {
			t.Fatalf("setup: %+v", st)
		}
		return f
	}
	tests := []struct {
		name     string
		consumer string
		shard    int
		force    bool
		want     error
	}{
		{"owner", "a", 0, false, nil},
		{"owner of transfer shard", "a", 1, false, nil},
		{"designated next", "b", 1, false, ErrConsumerNotMatch},
		{"other consumer", "b", 0, false, ErrConsumerNotMatch},
		{"expired consumer", "gone", 0, false, ErrConsumerNotExist},
		{"unknown consumer", "x", 0, false, ErrConsumerNotExist},
		{"unknown shard", "a", 7, false, ErrShardNotExist},
		{"forced by other", "b", 0, true, nil},
		{"forced by unknown", "x", 1, true, nil},
		{"forced by expired", "gone", 0, true, nil},
		{"forced unknown shard", "a", 7, true, ErrShardNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			err := f.cp(tt.consumer, tt.shard, "cursor", tt.force, false)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			cps := f.g.Checkpoints(f.shards)
			for _, cp := range cps {
				stored := cp.Shard == tt.shard && tt.want == nil
				if stored != (cp.Cursor == "cursor") {
					t.Fatalf("checkpoints %+v", cps)
				}
				if stored && (cp.Consumer != tt.consumer || !cp.UpdateTime.Equal(f.now)) {
					t.Fatalf("checkpoint %+v", cp)
				}
			}
			if _, ok := f.status().Consumers["x"]; ok {
				t.Fatal("a checkpoint registered a consumer")
			}
		})
	}
}

func TestCheckpointIsNotAHeartbeat(t *testing.T) {
	f := newFixture(t, false, plain(1))
	f.hbWant("a", nil, 0)
	for range 7 {
		f.advance(10 * time.Second)
		if err := f.cp("a", 0, "c", false, false); err != nil {
			if !errors.Is(err, ErrConsumerNotExist) {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("checkpoints kept a silent consumer alive")
}

func TestCheckpoints(t *testing.T) {
	f := newFixture(t, false, []Shard{{ID: 4}, {ID: 1}, {ID: 9}})
	if cps := f.g.Checkpoints(f.shards); len(cps) != 3 || cps[0] != (Checkpoint{Shard: 4}) || cps[1] != (Checkpoint{Shard: 1}) || cps[2] != (Checkpoint{Shard: 9}) {
		t.Fatalf("empty group: %+v", cps)
	}
	f.hbWant("a", nil, 1, 4, 9)
	if err := f.cp("a", 9, "c9", false, false); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Second)
	if err := f.cp("a", 4, "c4", false, false); err != nil {
		t.Fatal(err)
	}
	if err := f.cp("a", 4, "c4b", false, false); err != nil {
		t.Fatal(err)
	}
	want := []Checkpoint{
		{Shard: 4, Cursor: "c4b", UpdateTime: t0.Add(time.Second), Consumer: "a"},
		{Shard: 1},
		{Shard: 9, Cursor: "c9", UpdateTime: t0, Consumer: "a"},
	}
	got := f.g.Checkpoints(f.shards)
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// A list with a shard never seen and in another order.
	got = f.g.Checkpoints([]Shard{{ID: 9}, {ID: 100}})
	if len(got) != 2 || got[0].Cursor != "c9" || got[1] != (Checkpoint{Shard: 100}) {
		t.Fatalf("got %+v", got)
	}
	if got := f.g.Checkpoints(nil); got == nil || len(got) != 0 {
		t.Fatalf("nil list: %#v", got)
	}
}

// split describes shard 0 split into 1 and 2, plus an unrelated shard 3.
func split(readOnly bool) []Shard {
	return []Shard{
		{ID: 0, ReadOnly: readOnly},
		{ID: 1, Parents: []int{0}},
		{ID: 2, Parents: []int{0}},
		{ID: 3},
	}
}

func TestReadOnlyOverThenRebalance(t *testing.T) {
	f := newFixture(t, false, []Shard{{ID: 0}, {ID: 1}, {ID: 2}})
	f.hbWant("a", nil, 0, 1, 2)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1, 2}, 0, 1)
	f.hbWant("a", []int{0, 1}, 0, 1)
	f.hbWant("b", nil, 2)
	// Shard 0 becomes read-only: still consumed until its end checkpoint.
	f.shards[0].ReadOnly = true
	f.hbWant("a", []int{0, 1}, 0, 1)
	if err := f.cp("a", 0, "mid", false, false); err != nil {
		t.Fatal(err)
	}
	f.wantState(0, StateAlreadyAlloc)
	// atEnd on a writable shard changes nothing.
	if err := f.cp("a", 1, "end1", false, true); err != nil {
		t.Fatal(err)
	}
	f.wantState(1, StateAlreadyAlloc)
	if err := f.cp("a", 0, "end", false, true); err != nil {
		t.Fatal(err)
	}
	st := f.status()
	if st.States[0] != StateOver || st.Owners[0] != "" {
		t.Fatalf("status %+v", st)
	}
	f.hbWant("a", []int{0, 1}, 1)
	f.hbWant("b", []int{2}, 2)
	// Once over, nobody can save it without force, and it is never assigned again.
	if err := f.cp("a", 0, "end", false, true); !errors.Is(err, ErrConsumerNotMatch) {
		t.Fatalf("err %v", err)
	}
	f.g.Forget("b")
	f.hbWant("a", []int{1}, 1, 2)
	f.wantState(0, StateOver)
}

func TestOverRebalancesRemaining(t *testing.T) {
	// a: 0 (read-only), 1, 2; b: 3, 4, 5. After 0 is over, 2 against 3 is balanced: nothing moves.
	f := newFixture(t, false, []Shard{{ID: 0, ReadOnly: true}, {ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}, {ID: 5}})
	f.hbWant("a", nil, 0, 1, 2, 3, 4, 5)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1, 2}, 0, 1, 2)
	f.hbWant("b", nil, 3, 4, 5)
	if err := f.cp("a", 0, "end", true, true); err != nil {
		t.Fatal(err)
	}
	// 5 shards left: a has 2, b has 3, balanced within one: nothing moves.
	f.hbWant("a", []int{0, 1, 2}, 1, 2)
	f.hbWant("b", []int{3, 4, 5}, 3, 4, 5)
	// Now with a third consumer holding two read-only shards that finish.
	f = newFixture(t, false, []Shard{{ID: 0, ReadOnly: true}, {ID: 1, ReadOnly: true}, {ID: 2}, {ID: 3}, {ID: 4}, {ID: 5}})
	f.hbWant("a", nil, 0, 1, 2, 3, 4, 5)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1, 2}, 0, 1, 2)
	f.hbWant("b", nil, 3, 4, 5)
	for _, id := range []int{0, 1} {
		if err := f.cp("a", id, "end", false, true); err != nil {
			t.Fatal(err)
		}
	}
	// 4 shards left: a has 1, b has 3 -> b's highest shard moves to a through transfer.
	st := f.status()
	if !mapsEqual(st.Transfers, map[int]string{5: "a"}) {
		t.Fatalf("status %+v", st)
	}
	f.hbWant("a", []int{0, 1, 2}, 2)
	f.hbWant("b", []int{3, 4, 5}, 3, 4)
	f.hbWant("b", []int{3, 4}, 3, 4)
	f.hbWant("a", []int{2}, 2, 5)
}

func TestOverBackToNotAlloc(t *testing.T) {
	f := newFixture(t, false, []Shard{{ID: 0, ReadOnly: true}, {ID: 1}})
	f.hbWant("a", nil, 0, 1)
	if err := f.cp("a", 0, "end", false, true); err != nil {
		t.Fatal(err)
	}
	f.hbWant("a", []int{0, 1}, 1)
	// Forced checkpoint to the end again: stays over.
	if err := f.cp("x", 0, "end", true, true); err != nil {
		t.Fatal(err)
	}
	f.wantState(0, StateOver)
	// Forced checkpoint to a non-end position: transition 7, the shard is consumable again.
	if err := f.cp("x", 0, "earlier", true, false); err != nil {
		t.Fatal(err)
	}
	f.hbWant("a", []int{1}, 0, 1)
	if cp := f.g.Checkpoints(f.shards)[0]; cp.Cursor != "earlier" || cp.Consumer != "x" {
		t.Fatalf("checkpoint %+v", cp)
	}
}

func TestOverBackToNotAllocWithoutConsumers(t *testing.T) {
	f := newFixture(t, false, []Shard{{ID: 0, ReadOnly: true}})
	if err := f.cp("x", 0, "end", true, true); err != nil {
		t.Fatal(err)
	}
	f.wantState(0, StateOver)
	if err := f.cp("x", 0, "mid", true, false); err != nil {
		t.Fatal(err)
	}
	f.wantState(0, StateNotAlloc)
}

func TestOrderedChildrenWait(t *testing.T) {
	f := newFixture(t, true, split(true))
	f.hbWant("a", nil, 0, 3)
	st := f.status()
	if st.States[1] != StateWait || st.States[2] != StateWait || st.Owners[1] != "" {
		t.Fatalf("status %+v", st)
	}
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 3}, 0)
	f.hbWant("a", []int{0}, 0)
	f.hbWant("b", nil, 3)
	// A forced checkpoint on a waiting shard does not release it.
	if err := f.cp("x", 1, "c", true, false); err != nil {
		t.Fatal(err)
	}
	f.wantState(1, StateWait)
	if err := f.cp("a", 0, "end", false, true); err != nil {
		t.Fatal(err)
	}
	// Parent over: children become not_alloc and are shared. b already holds one shard, so it gets the
	// extra quota slot of 3 shards on 2 consumers.
	f.hbWant("a", []int{0}, 1)
	f.hbWant("b", []int{3}, 2, 3)
	// Reverting the parent puts unowned children back to wait but leaves owned ones alone.
	f.shards = append(f.shards, Shard{ID: 4, Parents: []int{0}})
	if err := f.cp("x", 0, "mid", true, false); err != nil {
		t.Fatal(err)
	}
	st = f.status()
	if st.States[4] != StateWait || st.States[1] != StateAlreadyAlloc || st.States[0] != StateAlreadyAlloc {
		t.Fatalf("status %+v", st)
	}
}

func TestUnorderedChildrenAssignedAtOnce(t *testing.T) {
	f := newFixture(t, false, split(true))
	f.hbWant("a", nil, 0, 1, 2, 3)
	f.hbWant("b", nil)
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1)
	f.hbWant("a", []int{0, 1}, 0, 1)
	f.hbWant("b", nil, 2, 3)
	// The parent keeps being consumed until over; then its owner gets rebalanced.
	if err := f.cp("a", 0, "end", false, true); err != nil {
		t.Fatal(err)
	}
	f.hbWant("a", []int{0, 1}, 1)
	f.hbWant("b", []int{2, 3}, 2, 3)
}

func TestOrderFlagChanges(t *testing.T) {
	f := newFixture(t, false, split(true))
	f.g.Update(0, true)
	f.hbWant("a", nil, 0, 3)
	f.g.Update(0, false)
	f.hbWant("a", []int{0, 3}, 0, 1, 2, 3)
	f.g.Update(0, true)
	f.hbWant("a", []int{0, 1, 2, 3}, 0, 1, 2, 3) // owned children are not taken back
}

func TestOrderedParentMissingCountsAsFinished(t *testing.T) {
	f := newFixture(t, true, []Shard{{ID: 1, Parents: []int{0}}, {ID: 2, Parents: []int{0, 5}}, {ID: 5, ReadOnly: true}, {ID: 6, Parents: []int{6}}})
	f.hbWant("a", nil, 1, 5, 6)
	f.wantState(2, StateWait)
}
