package groupstate

// sync aligns the group with the server's current shard list: shards missing from the list are dropped with their
// checkpoints, new shards are added (transition 1), and every unowned shard is put in wait or not_alloc
// (transition 2 and its reverse). With order=true a shard waits while one of its parents is known and not over;
// parents missing from the list count as finished, and only direct parents are looked at. Owned shards are never
// moved to wait, even if order was switched on or a parent came back from over.
func (g *Group) sync(shards []Shard) {
	present := make(map[int]bool, len(shards))
	for _, sh := range shards {
		present[sh.ID] = true
		if _, ok := g.shards[sh.ID]; !ok {
			g.shards[sh.ID] = &shardState{state: stateNotAlloc}
		}
	}
	for id := range g.shards {
		if !present[id] {
			delete(g.shards, id)
		}
	}
	for id := range g.cps {
		if !present[id] {
			delete(g.cps, id)
		}
	}
	for _, sh := range shards {
		s := g.shards[sh.ID]
		if s.state != stateNotAlloc && s.state != stateWait {
			continue
		}
		s.state = stateNotAlloc
		if g.order && g.unfinishedParent(sh) {
			s.state = stateWait
		}
	}
}

// unfinishedParent reports whether a parent of sh is known and not over.
func (g *Group) unfinishedParent(sh Shard) bool {
	for _, p := range sh.Parents {
		if p == sh.ID {
			continue
		}
		if ps, ok := g.shards[p]; ok && ps.state != stateOver {
			return true
		}
	}
	return false
}

// lookup returns the shard with the given ID from the server's list.
func lookup(shards []Shard, id int) (Shard, bool) {
	for _, sh := range shards {
		if sh.ID == id {
			return sh, true
		}
	}
	return Shard{}, false
}
