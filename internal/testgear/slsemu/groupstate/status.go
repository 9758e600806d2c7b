package groupstate

import (
	"slices"
	"time"
)

// Status is the introspection view for tests and stats: live consumers and what they hold, and each shard's state.
type Status struct {
	Consumers map[string][]int // consumer -> shards held (already_alloc), sorted
	States    map[int]string   // shard -> "not_alloc" | "already_alloc" | "transfer" | "wait" | "over"
	Owners    map[int]string   // shard -> owner consumer ("" when none); the giving consumer for transfer shards
	Transfers map[int]string   // transfer shard -> designated next consumer (transfer shards only)
}

// Status brings the group up to date at now (expiry, shard list, balance, exactly as the start of a heartbeat
// does) and describes it. States and Owners have one entry per shard in shards; Consumers has one per live
// consumer, with a non-nil slice.
func (g *Group) Status(now time.Time, shards []Shard) Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expire(now)
	g.sync(shards)
	g.rebalance()
	st := Status{
		Consumers: make(map[string][]int, len(g.consumers)),
		States:    make(map[int]string, len(g.shards)),
		Owners:    make(map[int]string, len(g.shards)),
		Transfers: map[int]string{},
	}
	for c := range g.consumers {
		st.Consumers[c] = []int{}
	}
	for id, s := range g.shards {
		st.States[id] = s.state.String()
		st.Owners[id] = s.owner
		switch s.state {
		case stateAlreadyAlloc:
			st.Consumers[s.owner] = append(st.Consumers[s.owner], id)
		case stateTransfer:
			st.Transfers[id] = s.next
		}
	}
	for _, held := range st.Consumers {
		slices.Sort(held)
	}
	return st
}
