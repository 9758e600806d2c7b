package groupstate

import "time"

// touch records a heartbeat of c at now; the recorded time never goes backwards.
func (g *Group) touch(c string, now time.Time) {
	if seen, ok := g.consumers[c]; !ok || now.After(seen) {
		g.consumers[c] = now
	}
}

// expire removes every consumer silent for longer than the timeout at now.
func (g *Group) expire(now time.Time) {
	var gone map[string]bool
	for c, seen := range g.consumers {
		if now.Sub(seen) > g.timeout {
			if gone == nil {
				gone = map[string]bool{}
			}
			gone[c] = true
			delete(g.consumers, c)
		}
	}
	if gone != nil {
		g.dropConsumers(gone)
	}
}

// dropConsumers fixes the shards of consumers already removed from g.consumers: their already_alloc shards become
// not_alloc (transition 4), their transfer shards go to the designated next consumer when it is still live or to
// not_alloc otherwise (transition 9), and transfers to them are cancelled so that the owner keeps the shard
// (transition 6, second case).
func (g *Group) dropConsumers(gone map[string]bool) {
	for _, s := range g.shards {
		switch s.state {
		case stateAlreadyAlloc:
			if gone[s.owner] {
				s.free()
			}
		case stateTransfer:
			switch {
			case gone[s.owner] && gone[s.next]:
				s.free()
			case gone[s.owner]:
				s.give(s.next)
			case gone[s.next]:
				s.give(s.owner)
			}
		}
	}
}

// handOver completes the transfer of every shard c owns in transfer and no longer lists in held (transition 6).
func (g *Group) handOver(c string, held []int) {
	listed := make(map[int]bool, len(held))
	for _, id := range held {
		listed[id] = true
	}
	for id, s := range g.shards {
		if s.state == stateTransfer && s.owner == c && !listed[id] {
			s.give(s.next)
		}
	}
}
