package groupstate

import "time"

// UpdateCheckpoint stores a checkpoint. atEnd is computed by the server: true when cursor equals the shard's end
// cursor. The group is first brought up to date (expiry, shard list, balance), then:
//
//   - a shard missing from shards gives ErrShardNotExist, whatever force says;
//   - force=false: an unknown or expired consumer gives ErrConsumerNotExist, and a consumer that does not own the
//     shard in already_alloc or transfer gives ErrConsumerNotMatch (the owner of a transfer shard may still save it
//     while it drains; the designated next consumer may not yet);
//   - force=true succeeds for any consumer name, registered or not.
//
// A stored checkpoint does not count as a heartbeat. Storing atEnd on a read-only shard moves it to over whatever its
// state (transition 8); storing a non-end cursor on an over shard makes it not_alloc again (transition 7, only
// reachable with force=true since an over shard has no owner). The group is then rebalanced.
func (g *Group) UpdateCheckpoint(now time.Time, consumer string, shard int, cursor string, force, atEnd bool, shards []Shard) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expire(now)
	g.sync(shards)
	err := g.checkpoint(now, consumer, shard, cursor, force, atEnd, shards)
	g.sync(shards)
	g.rebalance()
	return err
}

func (g *Group) checkpoint(now time.Time, consumer string, shard int, cursor string, force, atEnd bool, shards []Shard) error {
	s, ok := g.shards[shard]
	sh, listed := lookup(shards, shard)
	if !ok || !listed {
		return ErrShardNotExist
	}
	if !force {
		if _, ok := g.consumers[consumer]; !ok {
			return ErrConsumerNotExist
		}
		if (s.state != stateAlreadyAlloc && s.state != stateTransfer) || s.owner != consumer {
			return ErrConsumerNotMatch
		}
	}
	g.cps[shard] = Checkpoint{Shard: shard, Cursor: cursor, UpdateTime: now, Consumer: consumer}
	switch {
	case atEnd && sh.ReadOnly:
		*s = shardState{state: stateOver}
	case !atEnd && s.state == stateOver:
		s.free()
	}
	return nil
}

// Checkpoints returns one entry per shard in shards order (Cursor "" and zero UpdateTime when unset).
func (g *Group) Checkpoints(shards []Shard) []Checkpoint {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Checkpoint, 0, len(shards))
	for _, sh := range shards {
		cp, ok := g.cps[sh.ID]
		if !ok {
			cp = Checkpoint{Shard: sh.ID}
		}
		out = append(out, cp)
	}
	return out
}
