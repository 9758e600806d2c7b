package consumer

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPullStashSlots: a pulled batch holds its slot until it is dropped, replaced by the shard's next pull or
// cleared; a pull waiting for a slot gives up when its context ends.
func TestPullStashSlots(t *testing.T) {
	s := newPullStash(2)
	ctx := t.Context()
	a1, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.put(1, &pulled{cursor: "c1", arena: a1})
	a2, _ := s.acquire(ctx)
	s.put(2, &pulled{cursor: "c2", arena: a2})

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
	s.put(2, &pulled{cursor: "c2b", arena: a3}) // replaces shard 2's batch and frees its slot
	a4, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.release(a4)
	s.clear()
	for range 2 {
		if _, err := s.acquire(ctx); err != nil {
			t.Fatalf("after clear: %v", err)
		}
	}
}
