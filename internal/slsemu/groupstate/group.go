// Package groupstate is the server-side consumer-group state machine of the SLS emulator.
//
// Work in progress: the API is final, the internals are being completed.
package groupstate

import (
	"errors"
	"slices"
	"sync"
	"time"
)

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

// Errors the server maps to SLS error codes.
var (
	ErrConsumerNotExist         = errors.New("consumer does not exist")
	ErrConsumerNotMatch         = errors.New("consumer does not hold the shard")
	ErrShardNotExist            = errors.New("shard does not exist")
	ErrNotExistConsumerWithBody = errors.New("unknown consumer sent a non-empty heartbeat")
)

// Status is the introspection view for tests and stats.
type Status struct {
	Consumers map[string][]int // consumer -> shards held (already_alloc), sorted
	States    map[int]string   // shard -> state name
	Owners    map[int]string   // shard -> owner consumer ("" when none)
}

// Group is one consumer group.
type Group struct {
	mu      sync.Mutex
	name    string
	timeout time.Duration
	order   bool
	cps     map[int]Checkpoint
}

// New returns an empty group.
func New(name string, timeout time.Duration, order bool) *Group {
	return &Group{name: name, timeout: timeout, order: order, cps: map[int]Checkpoint{}}
}

// Name returns the group name.
func (g *Group) Name() string { return g.name }

// Settings returns the group settings.
func (g *Group) Settings() (timeout time.Duration, order bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.timeout, g.order
}

// Update changes the settings; timeout <= 0 keeps the current timeout.
func (g *Group) Update(timeout time.Duration, order bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if timeout > 0 {
		g.timeout = timeout
	}
	g.order = order
}

// Heartbeat (stub) returns every shard.
func (g *Group) Heartbeat(now time.Time, consumer string, held []int, shards []Shard) ([]int, error) {
	out := []int{}
	for _, s := range shards {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out, nil
}

// UpdateCheckpoint (stub) stores a checkpoint.
func (g *Group) UpdateCheckpoint(now time.Time, consumer string, shard int, cursor string, force, atEnd bool, shards []Shard) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !slices.ContainsFunc(shards, func(s Shard) bool { return s.ID == shard }) {
		return ErrShardNotExist
	}
	g.cps[shard] = Checkpoint{Shard: shard, Cursor: cursor, UpdateTime: now, Consumer: consumer}
	return nil
}

// Checkpoints returns one entry per shard in shards order.
func (g *Group) Checkpoints(shards []Shard) []Checkpoint {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Checkpoint, 0, len(shards))
	for _, s := range shards {
		cp, ok := g.cps[s.ID]
		if !ok {
			cp = Checkpoint{Shard: s.ID}
		}
		out = append(out, cp)
	}
	return out
}

// Forget removes a consumer at once.
func (g *Group) Forget(consumer string) {}

// Status (stub).
func (g *Group) Status(now time.Time, shards []Shard) Status {
	return Status{Consumers: map[string][]int{}, States: map[int]string{}, Owners: map[int]string{}}
}
