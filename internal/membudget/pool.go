// Package membudget bounds the memory of in-flight batches. A Pool hands out leases: at most a fixed number at
// once (slots), and the bytes charged to them together stay within a byte budget. Each lease carries a reusable
// item (a decompression buffer, a frame buffer); an idle item keeps its buffers for the next lease only while
// they fit in the budget next to the bytes charged to leases, otherwise it is dropped for the garbage collector.
//
// A lease is taken in two steps, so that a caller can hold its place before it knows the size: Acquire waits for a
// slot, Reserve for the bytes. A reservation larger than the whole budget waits until no bytes are charged and then
// takes the whole budget: the batch runs alone instead of deadlocking. Resize charges what the item really holds
// once it is filled (without waiting; an underestimate can exceed the budget until the lease is released).
// Slots and bytes are each granted first come, first served.
package membudget

import (
	"container/list"
	"context"
	"fmt"
	"math"
	"sync"
)

// Pool is a bounded set of leases over items of type T. It is safe for concurrent use.
type Pool[T any] struct {
	max     int64 // byte budget
	slots   int
	newItem func() T
	size    func(T) int64 // bytes an item holds (its buffers' capacities)

	mu        sync.Mutex
	used      int64 // bytes charged to leases
	leases    int   // leases not yet released
	idle      []idleItem[T]
	cached    int64     // bytes held by idle items
	slotQueue list.List // of *waiter: Acquire calls waiting for a slot
	byteQueue list.List // of *waiter: Reserve calls waiting for bytes
}

type idleItem[T any] struct {
	item T
	size int64
}

type waiter struct {
	n     int64 // bytes (byteQueue only)
	ready chan struct{}
}

// New returns a pool of at most slots leases (at least 1) charged with at most maxBytes together; maxBytes ≤ 0
// means no byte bound. newItem makes an item when no idle one is left; size reports the bytes an item holds.
func New[T any](maxBytes int64, slots int, newItem func() T, size func(T) int64) *Pool[T] {
	if maxBytes <= 0 {
		maxBytes = math.MaxInt64 / 2 // used + n never overflows
	}
	return &Pool[T]{max: max(maxBytes, 1), slots: max(slots, 1), newItem: newItem, size: size}
}

// Max returns the byte budget.
func (p *Pool[T]) Max() int64 { return p.max }

// Lease is one holder's place in the pool. Its methods must not be called concurrently.
type Lease[T any] struct {
	pool     *Pool[T] // nil once released
	item     T
	hasItem  bool
	charge   int64
	reserved bool
}

// Acquire waits for a free slot (or for ctx to end) and returns a lease charged with no bytes yet.
func (p *Pool[T]) Acquire(ctx context.Context) (*Lease[T], error) {
	p.mu.Lock()
	if p.slotQueue.Len() == 0 && p.leases < p.slots {
		p.leases++
		p.mu.Unlock()
		return &Lease[T]{pool: p}, nil
	}
	w := &waiter{ready: make(chan struct{})}
	e := p.slotQueue.PushBack(w)
	p.mu.Unlock()
	select {
	case <-w.ready:
		return &Lease[T]{pool: p}, nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	select {
	case <-w.ready: // granted while ctx ended: give the slot back
		p.leases--
	default:
		p.slotQueue.Remove(e)
	}
	p.wakeLocked()
	p.mu.Unlock()
	return nil, fmt.Errorf("wait for a free slot: %w", ctx.Err())
}

// Reserve waits until n more bytes fit in the budget (n larger than the budget: until no bytes are charged, then
// the whole budget), charges them to the lease and hands it an item, the idle one that best fits n. A lease
// reserves once; Resize adjusts the charge afterwards.
func (l *Lease[T]) Reserve(ctx context.Context, n int64) error {
	p := l.pool
	if p == nil || l.reserved {
		panic("membudget: Reserve on a released or already reserved lease")
	}
	n = min(max(n, 0), p.max)
	p.mu.Lock()
	if p.byteQueue.Len() == 0 && p.used+n <= p.max {
		l.grantLocked(n)
		p.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	e := p.byteQueue.PushBack(w)
	p.mu.Unlock()
	select {
	case <-w.ready:
		p.mu.Lock()
		l.takeItemLocked(n)
		p.mu.Unlock()
		return nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	select {
	case <-w.ready: // granted while ctx ended: give the bytes back
		p.used -= n
	default:
		p.byteQueue.Remove(e)
	}
	p.wakeLocked()
	p.mu.Unlock()
	return fmt.Errorf("wait for %d bytes of memory budget: %w", n, ctx.Err())
}

// grantLocked charges n bytes to l and gives it an item.
func (l *Lease[T]) grantLocked(n int64) {
	l.pool.used += n
	l.takeItemLocked(n)
}

// takeItemLocked gives l the idle item that best fits n bytes (the smallest at least as large, else the largest),
// or a new one. The charge becomes at least the item's size: its buffers are held from now on.
func (l *Lease[T]) takeItemLocked(n int64) {
	p := l.pool
	l.reserved, l.charge = true, n
	best := -1
	for i, it := range p.idle {
		switch {
		case best < 0:
			best = i
		case it.size >= n && (p.idle[best].size < n || it.size < p.idle[best].size):
			best = i
		case it.size < n && p.idle[best].size < n && it.size > p.idle[best].size:
			best = i
		}
	}
	if best < 0 {
		l.item, l.hasItem = p.newItem(), true
		p.evictLocked()
		return
	}
	it := p.idle[best]
	p.idle = append(p.idle[:best], p.idle[best+1:]...)
	p.cached -= it.size
	l.item, l.hasItem = it.item, true
	if it.size > n {
		p.used += it.size - n
		l.charge = it.size
	}
	p.evictLocked()
}

// Item returns the lease's item (a new one when Reserve was not called).
func (l *Lease[T]) Item() T {
	if !l.hasItem {
		l.item, l.hasItem = l.pool.newItem(), true
	}
	return l.item
}

// Charge returns the bytes charged to the lease.
func (l *Lease[T]) Charge() int64 { return l.charge }

// Resize charges the bytes the lease's item holds now, without waiting: less frees budget for others, more may
// exceed the budget until the lease is released.
func (l *Lease[T]) Resize() {
	p := l.pool
	if p == nil || !l.hasItem {
		return
	}
	n := p.size(l.item)
	p.mu.Lock()
	p.used += n - l.charge
	l.charge = n
	p.evictLocked()
	p.wakeLocked()
	p.mu.Unlock()
}

// Release ends the lease: its bytes and slot go to the next waiters, and its item is kept for reuse if it fits in
// the budget (dropped otherwise). Calling it again does nothing.
func (l *Lease[T]) Release() {
	p := l.pool
	if p == nil {
		return
	}
	l.pool = nil
	var size int64
	if l.hasItem {
		size = p.size(l.item)
	}
	p.mu.Lock()
	p.leases--
	p.used -= l.charge
	if l.hasItem && p.used+size <= p.max {
		p.idle = append(p.idle, idleItem[T]{item: l.item, size: size})
		p.cached += size
		p.evictLocked() // the oldest idle items make room for the newest
	}
	p.wakeLocked()
	p.mu.Unlock()
	var zero T
	l.item, l.hasItem = zero, false
}

// evictLocked drops the oldest idle items until charged and idle bytes fit in the budget.
func (p *Pool[T]) evictLocked() {
	i := 0
	for i < len(p.idle) && p.used+p.cached > p.max {
		p.cached -= p.idle[i].size
		i++
	}
	if i > 0 {
		var zero idleItem[T]
		for k := range i {
			p.idle[k] = zero
		}
		p.idle = append(p.idle[:0], p.idle[i:]...)
	}
}

// wakeLocked grants slots and bytes to the waiters at the front of each queue while they fit.
func (p *Pool[T]) wakeLocked() {
	for e := p.slotQueue.Front(); e != nil && p.leases < p.slots; e = p.slotQueue.Front() {
		p.slotQueue.Remove(e)
		p.leases++
		close(e.Value.(*waiter).ready)
	}
	for e := p.byteQueue.Front(); e != nil; e = p.byteQueue.Front() {
		w := e.Value.(*waiter)
		if p.used+w.n > p.max {
			break
		}
		p.byteQueue.Remove(e)
		p.used += w.n // the item is taken by the waiter itself
		close(w.ready)
		p.evictLocked()
	}
}

// Stats is a snapshot of the pool.
type Stats struct {
	Leases  int   // leases not yet released
	Charged int64 // bytes charged to them
	Idle    int   // idle items kept for reuse
	Cached  int64 // bytes those hold
}

// Stats returns a snapshot of the pool.
func (p *Pool[T]) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Leases: p.leases, Charged: p.used, Idle: len(p.idle), Cached: p.cached}
}
