package consumer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/record"
)

// TestPullStashSlots: a pulled batch holds its slot until it is dropped, replaced by the shard's next pull or
// cleared; a pull waiting for a slot gives up when its context ends.
func TestPullStashSlots(t *testing.T) {
	s := newPullStash(2, 0)
	ctx := t.Context()
	a1, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.put(1, &pulled{cursor: "c1", lease: a1})
	a2, _ := s.acquire(ctx)
	s.put(2, &pulled{cursor: "c2", lease: a2})

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := s.acquire(short); !errors.Is(err, errNoSlot) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire with every slot held: %v", err)
	}
	if p, ok := s.get(1); !ok || p.cursor != "c1" {
		t.Fatalf("get(1) = %+v, %v", p, ok)
	}
	if _, ok := s.get(1); !ok {
		t.Fatal("get must not remove the batch: the SDK retries Process with the same list")
	}
	s.drop(1)
	if _, ok := s.get(1); ok {
		t.Fatal("dropped batch still there")
	}
	a3, err := s.acquire(ctx) // the dropped batch's slot
	if err != nil {
		t.Fatal(err)
	}
	s.put(2, &pulled{cursor: "c2b", lease: a3}) // replaces shard 2's batch and frees its slot
	a4, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a4.Release()
	s.clear()
	for range 2 {
		if _, err := s.acquire(ctx); err != nil {
			t.Fatalf("after clear: %v", err)
		}
	}
}

// TestPullStashBytes: a pulled batch holds its reserved memory until it is dropped; a pull that does not fit waits
// for it and gives up when its context ends.
func TestPullStashBytes(t *testing.T) {
	s := newPullStash(4, 100)
	ctx := t.Context()
	l1, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := l1.Reserve(ctx, 60); err != nil {
		t.Fatal(err)
	}
	s.put(1, &pulled{cursor: "c1", lease: l1})
	l2, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := l2.Reserve(short, 60); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Reserve(60) with 60 of 100 bytes held: %v", err)
	}
	s.drop(1)
	if err := l2.Reserve(ctx, 60); err != nil {
		t.Fatalf("Reserve after the batch was dropped: %v", err)
	}
	a := l2.Item()
	a.raw = make([]byte, 50)
	a.fields = make([]record.Field, 1)
	l2.Resize()
	if got, want := s.pool.Stats().Charged, 50+fieldBytes; got != want {
		t.Errorf("charged %d after Resize, want the arena's %d", got, want)
	}
	s.put(2, &pulled{cursor: "c2", lease: l2})
	s.clear()
	if st := s.pool.Stats(); st.Leases != 0 || st.Charged != 0 {
		t.Errorf("after clear: %+v", st)
	}
}
