package groupstate

import (
	"cmp"
	"slices"
)

// rebalance shares the not_alloc, already_alloc and transfer shards among the live consumers.
//
// The load of a consumer is the number of shards it owns in already_alloc plus the transfers designated to it.
// With n participating shards and k consumers, every consumer gets a quota of n/k, and the n%k consumers with the
// highest load (ties: name ascending) get one more, so that a balanced group keeps its quotas from call to call.
// Then, deterministically:
//
//  1. a transfer whose next consumer is over its quota while the owner is under its quota is cancelled (the owner
//     keeps the shard);
//  2. not_alloc shards, by ascending ID, go to the least-loaded consumer under its quota (ties: name ascending)
//     (transition 3);
//  3. each consumer over its quota, by name, sheds its surplus to the least-loaded consumer under its quota: first by
//     redirecting the incoming transfers with the highest shard IDs, then by putting its own already_alloc shards
//     with the highest IDs in transfer (transition 5).
//
// Afterwards every load equals its quota, so loads differ by at most one.
func (g *Group) rebalance() {
	if len(g.consumers) == 0 {
		return
	}
	live := make([]string, 0, len(g.consumers))
	for c := range g.consumers {
		live = append(live, c)
	}
	slices.Sort(live)

	ids := make([]int, 0, len(g.shards))
	load := make(map[string]int, len(live))
	for id, s := range g.shards {
		if !s.participates() {
			continue
		}
		ids = append(ids, id)
		switch s.state {
		case stateAlreadyAlloc:
			load[s.owner]++
		case stateTransfer:
			load[s.next]++
		}
	}
	slices.Sort(ids)

	byLoad := slices.Clone(live)
	slices.SortStableFunc(byLoad, func(a, b string) int { return cmp.Compare(load[b], load[a]) })
	quota := make(map[string]int, len(live))
	for i, c := range byLoad {
		quota[c] = len(ids) / len(live)
		if i < len(ids)%len(live) {
			quota[c]++
		}
	}
	over := func(c string) bool { return load[c] > quota[c] }
	under := func(c string) bool { return load[c] < quota[c] }
	neediest := func() string {
		best := ""
		for _, c := range live {
			if under(c) && (best == "" || load[c] < load[best]) {
				best = c
			}
		}
		return best
	}

	for _, id := range ids {
		s := g.shards[id]
		if s.state == stateTransfer && over(s.next) && under(s.owner) {
			load[s.next]--
			load[s.owner]++
			s.give(s.owner)
		}
	}

	for _, id := range ids {
		s := g.shards[id]
		if s.state != stateNotAlloc {
			continue
		}
		d := neediest()
		if d == "" {
			break // unreachable: the quotas add up to the number of participating shards
		}
		s.give(d)
		load[d]++
	}

	for _, c := range live {
		for over(c) {
			d := neediest()
			if d == "" {
				break // unreachable, as above
			}
			s := g.surplus(ids, c)
			switch {
			case s.state == stateTransfer && s.owner == d:
				s.give(d)
			case s.state == stateTransfer:
				s.next = d
			default:
				s.state = stateTransfer
				s.next = d
			}
			load[c]--
			load[d]++
		}
	}
}

// surplus picks the shard that c, over its quota, gives up next: the incoming transfer with the highest ID, else the
// owned already_alloc shard with the highest ID. ids is sorted ascending; c's load is positive, so one exists.
func (g *Group) surplus(ids []int, c string) *shardState {
	for _, id := range slices.Backward(ids) {
		if s := g.shards[id]; s.state == stateTransfer && s.next == c {
			return s
		}
	}
	for _, id := range slices.Backward(ids) {
		if s := g.shards[id]; s.state == stateAlreadyAlloc && s.owner == c {
			return s
		}
	}
	panic("groupstate: consumer over quota without shards")
}
