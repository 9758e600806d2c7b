package groupstate

import (
	"cmp"
	"slices"
)

// rebalance shares the not_alloc, already_alloc and transfer shards among the live consumers, as described in the
// package documentation (step 3): quotas, then cancelled transfers, then not_alloc assignment (transition 3), then
// surplus shed through transfer (transition 5). Afterwards every load equals its quota.
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
