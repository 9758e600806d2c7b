package groupstate

import (
	"errors"
	"slices"
	"sync"
	"time"
)

// DefaultTimeout replaces a non-positive timeout given to New.
const DefaultTimeout = 60 * time.Second

// Shard is one shard of the logstore as the state machine needs it; the server passes the current list on every call.
type Shard struct {
	ID       int
	ReadOnly bool  // read-only after a split
	Parents  []int // shards this one was split from (used when the group has order=true)
}

// Checkpoint of one shard.
type Checkpoint struct {
	Shard      int
	Cursor     string    // "" when never set
	UpdateTime time.Time // zero when never set
	Consumer   string
}

// Errors the server maps to SLS error codes (it chooses the spelling, e.g. ConsumerNotExsit vs ConsumerNotExist).
var (
	ErrConsumerNotExist         = errors.New("consumer does not exist")
	ErrConsumerNotMatch         = errors.New("consumer does not hold the shard")
	ErrShardNotExist            = errors.New("shard does not exist")
	ErrNotExistConsumerWithBody = errors.New("unknown consumer sent a non-empty heartbeat")
	// ErrInvalidConsumer is returned by Heartbeat for an empty consumer name, which cannot be told from "no owner".
	ErrInvalidConsumer = errors.New("consumer name is empty")
)

// Group is the state of one consumer group. The zero value is not usable; call New.
type Group struct {
	name string

	mu        sync.Mutex
	timeout   time.Duration
	order     bool
	consumers map[string]time.Time // live consumer -> time of its latest heartbeat
	shards    map[int]*shardState
	cps       map[int]Checkpoint
}

// New returns a group without consumers. A timeout <= 0 means DefaultTimeout.
func New(name string, timeout time.Duration, order bool) *Group {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Group{
		name:      name,
		timeout:   timeout,
		order:     order,
		consumers: map[string]time.Time{},
		shards:    map[int]*shardState{},
		cps:       map[int]Checkpoint{},
	}
}

// Name returns the name of the group.
func (g *Group) Name() string { return g.name }

// Settings returns the heartbeat timeout and the order flag.
func (g *Group) Settings() (timeout time.Duration, order bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.timeout, g.order
}

// Update changes the settings; timeout <= 0 keeps the current timeout. A new timeout applies to consumers' current
// silence at the next call. A new order flag applies to unowned shards only: shards already owned stay owned.
func (g *Group) Update(timeout time.Duration, order bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if timeout > 0 {
		g.timeout = timeout
	}
	g.order = order
}

// Heartbeat registers or refreshes consumer, brings the group up to date (expiry, shard list, balance), completes
// the hand-over of every transfer shard the consumer owns but no longer lists in held, and returns the shards the
// consumer now owns in already_alloc, sorted ascending (a non-nil empty slice when none).
//
// A consumer that is unknown (never seen, forgotten or expired, including expired by this very call) and sends a
// non-empty held list gets ErrNotExistConsumerWithBody and a nil slice. It is nevertheless registered with a fresh
// heartbeat time and takes part in the balance computed by this call, so its next heartbeat succeeds whatever it
// lists; the shards it listed are not given back to it by preference. Shards in held that the consumer does not own
// are ignored.
func (g *Group) Heartbeat(now time.Time, consumer string, held []int, shards []Shard) ([]int, error) {
	if consumer == "" {
		return nil, ErrInvalidConsumer
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expire(now)
	g.sync(shards)
	_, known := g.consumers[consumer]
	g.touch(consumer, now)
	if known {
		g.handOver(consumer, held)
	}
	g.rebalance()
	if !known && len(held) > 0 {
		return nil, ErrNotExistConsumerWithBody
	}
	return g.owned(consumer), nil
}

// Forget removes a consumer at once, as if its heartbeat had timed out, and rebalances the shards known from the
// latest call. Unknown consumers are ignored.
func (g *Group) Forget(consumer string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.consumers[consumer]; !ok {
		return
	}
	delete(g.consumers, consumer)
	g.dropConsumers(map[string]bool{consumer: true})
	g.rebalance()
}

// owned returns the shards c owns in already_alloc, sorted, never nil.
func (g *Group) owned(c string) []int {
	out := []int{}
	for id, s := range g.shards {
		if s.state == stateAlreadyAlloc && s.owner == c {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
