package membudget

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// buf is a test item: its size is its capacity.
type buf struct{ b []byte }

func newBufPool(maxBytes int64, slots int) *Pool[*buf] {
	return New(maxBytes, slots, func() *buf { return &buf{} }, func(b *buf) int64 { return int64(cap(b.b)) })
}

// lease acquires and reserves n bytes, failing the test when that does not happen at once.
func lease(t *testing.T, p *Pool[*buf], n int64) *Lease[*buf] {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	l, err := p.Acquire(ctx)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if err := l.Reserve(ctx, n); err != nil {
		t.Fatalf("Reserve(%d): %v", n, err)
	}
	return l
}

// blocked reports whether f is still running after a short wait (it must not finish: the pool is full).
func blocked(f func()) (done <-chan struct{}) {
	ch := make(chan struct{})
	go func() { f(); close(ch) }()
	return ch
}

func waitDone(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not return after the release", what)
	}
}

func notDone(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
		t.Fatalf("%s returned while the pool was full", what)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestReserveFits(t *testing.T) {
	tests := []struct {
		name    string
		max     int64
		held    []int64 // reserved by earlier leases, in order
		n       int64
		fits    bool
		charged int64 // after the new reservation, when it fits
	}{
		{"empty pool", 100, nil, 60, true, 60},
		{"exactly the budget", 100, []int64{40}, 60, true, 100},
		{"one byte over", 100, []int64{41}, 60, false, 0},
		{"zero bytes while full", 100, []int64{100}, 0, true, 100},
		{"larger than the budget, pool empty: takes it all", 100, nil, 500, true, 100},
		{"larger than the budget, bytes held: waits", 100, []int64{1}, 500, false, 0},
		{"negative counts as zero", 100, []int64{100}, -5, true, 100},
		{"no byte bound", 0, []int64{1 << 40}, 1 << 40, true, 2 << 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newBufPool(tt.max, 10)
			for _, h := range tt.held {
				lease(t, p, h)
			}
			l, err := p.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
			defer cancel()
			err = l.Reserve(ctx, tt.n)
			if got := err == nil; got != tt.fits {
				t.Fatalf("Reserve(%d) with %v held of %d: fits %v, want %v (err %v)", tt.n, tt.held, tt.max, got, tt.fits, err)
			}
			if !tt.fits {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v does not wrap the context's", err)
				}
				return
			}
			if got := p.Stats().Charged; got != tt.charged {
				t.Errorf("charged %d, want %d", got, tt.charged)
			}
		})
	}
}

func TestSlotsBlockUntilRelease(t *testing.T) {
	p := newBufPool(1000, 2)
	a := lease(t, p, 10)
	lease(t, p, 10)
	var third *Lease[*buf]
	done := blocked(func() {
		var err error
		if third, err = p.Acquire(t.Context()); err != nil {
			t.Error(err)
		}
	})
	notDone(t, done, "Acquire of a third slot")
	a.Release()
	waitDone(t, done, "Acquire")
	if third == nil {
		t.Fatal("no lease")
	}
	if st := p.Stats(); st.Leases != 2 || st.Charged != 10 {
		t.Errorf("stats %+v, want 2 leases and 10 bytes", st)
	}
	a.Release() // a second release does nothing
	if st := p.Stats(); st.Leases != 2 {
		t.Errorf("second Release changed the leases: %+v", st)
	}
}

func TestBytesBlockUntilRelease(t *testing.T) {
	p := newBufPool(100, 4)
	a := lease(t, p, 70)
	b, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	done := blocked(func() {
		if err := b.Reserve(t.Context(), 50); err != nil {
			t.Error(err)
		}
	})
	notDone(t, done, "Reserve(50) with 70 of 100 charged")
	a.Release()
	waitDone(t, done, "Reserve")
	if got := p.Stats().Charged; got != 50 {
		t.Errorf("charged %d, want 50", got)
	}
}

// TestOversizeRunsAlone: a reservation larger than the budget waits for the bytes held to be released, then holds
// the whole budget, so that nothing else is reserved until it is released. It never waits forever.
func TestOversizeRunsAlone(t *testing.T) {
	p := newBufPool(100, 4)
	small := lease(t, p, 10)
	big, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	bigDone := blocked(func() {
		if err := big.Reserve(t.Context(), 1000); err != nil {
			t.Error(err)
		}
	})
	notDone(t, bigDone, "oversize Reserve with 10 bytes charged")
	// First come, first served: a small reservation behind the big one waits too.
	later, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	laterDone := blocked(func() {
		if err := later.Reserve(t.Context(), 1); err != nil {
			t.Error(err)
		}
	})
	notDone(t, laterDone, "Reserve queued behind the oversize one")
	small.Release()
	waitDone(t, bigDone, "oversize Reserve")
	if got := p.Stats().Charged; got != 100 {
		t.Errorf("charged %d, want the whole budget (100)", got)
	}
	notDone(t, laterDone, "Reserve while the oversize batch runs")
	big.Item().b = make([]byte, 1000) // it really holds more: Resize charges it, beyond the budget
	big.Resize()
	if got := p.Stats().Charged; got != 1000 {
		t.Errorf("charged %d after Resize, want 1000", got)
	}
	big.Release()
	waitDone(t, laterDone, "Reserve after the oversize batch")
	if st := p.Stats(); st.Cached != 0 {
		t.Errorf("an item larger than the budget was kept: %+v", st)
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	p := newBufPool(100, 1)
	a := lease(t, p, 100)

	ctx, cancel := context.WithCancel(t.Context())
	var acqErr error
	done := blocked(func() { _, acqErr = p.Acquire(ctx) })
	notDone(t, done, "Acquire")
	cancel()
	waitDone(t, done, "cancelled Acquire")
	if !errors.Is(acqErr, context.Canceled) {
		t.Errorf("Acquire: %v, want context.Canceled", acqErr)
	}
	if st := p.Stats(); st.Leases != 1 {
		t.Errorf("a cancelled Acquire kept a slot: %+v", st)
	}

	a.Release()
	b := lease(t, p, 0)
	defer b.Release()
	p2 := newBufPool(100, 3)
	held := lease(t, p2, 90)
	c, _ := p2.Acquire(t.Context())
	ctx2, cancel2 := context.WithCancel(t.Context())
	var resErr error
	done = blocked(func() { resErr = c.Reserve(ctx2, 50) })
	notDone(t, done, "Reserve")
	// A cancelled waiter at the front must not hold up the ones behind it.
	d, _ := p2.Acquire(t.Context())
	dDone := blocked(func() {
		if err := d.Reserve(t.Context(), 10); err != nil {
			t.Error(err)
		}
	})
	notDone(t, dDone, "Reserve behind a waiting one")
	cancel2()
	waitDone(t, done, "cancelled Reserve")
	if !errors.Is(resErr, context.Canceled) {
		t.Errorf("Reserve: %v, want context.Canceled", resErr)
	}
	waitDone(t, dDone, "Reserve behind the cancelled one")
	if got := p2.Stats().Charged; got != 100 {
		t.Errorf("charged %d, want 100 (90 + 10; the cancelled 50 not)", got)
	}
	held.Release()
	c.Release()
	d.Release()
	if st := p2.Stats(); st.Leases != 0 || st.Charged != 0 {
		t.Errorf("after every release: %+v", st)
	}
}

func TestItemsReusedWithinBudget(t *testing.T) {
	p := newBufPool(100, 4)
	a := lease(t, p, 30)
	a.Item().b = make([]byte, 30)
	a.Resize()
	first := a.Item()
	a.Release()
	if st := p.Stats(); st.Idle != 1 || st.Cached != 30 || st.Charged != 0 {
		t.Fatalf("after release: %+v, want one idle item of 30 bytes", st)
	}
	b := lease(t, p, 20)
	if b.Item() != first {
		t.Error("the idle item was not reused")
	}
	if got := b.Charge(); got != 30 {
		t.Errorf("charge %d, want the reused item's 30 bytes", got)
	}
	// Bytes reserved by others evict idle items instead of waiting for them.
	b.Release()
	c := lease(t, p, 90)
	if st := p.Stats(); st.Charged+st.Cached > 100 {
		t.Errorf("charged and idle bytes exceed the budget: %+v", st)
	}
	c.Release()

	// The best fit is reused: the smallest idle item at least as large as the reservation.
	sizes := []int{10, 40, 25}
	var ls []*Lease[*buf]
	for _, s := range sizes {
		l := lease(t, p, int64(s))
		l.Item().b = make([]byte, s)
		l.Resize()
		ls = append(ls, l)
	}
	for _, l := range ls {
		l.Release()
	}
	l := lease(t, p, 20)
	if got := cap(l.Item().b); got != 25 {
		t.Errorf("reused an item of %d bytes for 20, want the best fit of 25", got)
	}
	l.Release()
}

func TestConcurrentStaysWithinBudget(t *testing.T) {
	const budget, slots = 1000, 3
	p := newBufPool(budget, slots)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var worst Stats
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				l, err := p.Acquire(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				n := int64((g*37 + i*13) % 600)
				if err := l.Reserve(t.Context(), n); err != nil {
					t.Error(err)
					return
				}
				if cap(l.Item().b) < int(n) {
					l.Item().b = make([]byte, n)
				}
				l.Resize()
				st := p.Stats()
				mu.Lock()
				if st.Charged > worst.Charged {
					worst.Charged = st.Charged
				}
				if st.Leases > worst.Leases {
					worst.Leases = st.Leases
				}
				mu.Unlock()
				l.Release()
			}
		})
	}
	wg.Wait()
	if worst.Charged > budget || worst.Leases > slots {
		t.Errorf("worst %+v exceeds %d bytes or %d leases", worst, budget, slots)
	}
	if st := p.Stats(); st.Leases != 0 || st.Charged != 0 || st.Cached > budget {
		t.Errorf("after all releases: %+v", st)
	}
}

func BenchmarkLease(b *testing.B) {
	p := newBufPool(1<<30, 4)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l, _ := p.Acquire(ctx)
		_ = l.Reserve(ctx, 4096)
		l.Resize()
		l.Release()
	}
}
