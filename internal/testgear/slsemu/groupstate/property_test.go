package groupstate

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// chooser supplies the random decisions of a simulation.
type chooser interface {
	IntN(n int) int
}

// byteChooser turns fuzz input into decisions; exhausted input ends the simulation.
type byteChooser struct{ data []byte }

func (b *byteChooser) IntN(n int) int {
	if len(b.data) == 0 {
		return 0
	}
	v := int(b.data[0])
	b.data = b.data[1:]
	return v % n
}

func (b *byteChooser) done() bool { return len(b.data) == 0 }

// client models an SDK consumer: it heartbeats the shards it works on (granted plus still draining), drains
// revoked shards over later steps, and keeps working when it gets an error, like heart_beat.go.
type client struct {
	name     string
	paused   bool         // partitioned: no heartbeats, but keeps working
	working  map[int]bool // shards its workers are running on
	draining map[int]bool // subset of working no longer granted
	lastSeen time.Time    // last heartbeat the server registered
	known    bool         // the server has registered it and not forgotten it since (modulo expiry)
	stale    bool         // it was expired or forgotten while working: its work may overlap others'
}

type sim struct {
	t       testing.TB
	ch      chooser
	g       *Group
	now     time.Time
	order   bool
	shards  []Shard
	clients []*client
	trace   []string
}

func newSim(t testing.TB, ch chooser) *sim {
	s := &sim{t: t, ch: ch, now: t0, order: ch.IntN(2) == 1}
	s.g = New("cg", timeout, s.order)
	s.shards = plain(1 + ch.IntN(6))
	for i := range 1 + ch.IntN(4) {
		s.clients = append(s.clients, &client{name: fmt.Sprintf("c%d", i), working: map[int]bool{}, draining: map[int]bool{}})
	}
	return s
}

func (s *sim) fail(format string, args ...any) {
	s.t.Helper()
	tail := s.trace[max(0, len(s.trace)-15):]
	s.t.Fatalf("%s\nlast operations:\n  %s", fmt.Sprintf(format, args...), joinLines(tail))
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}

func (s *sim) log(format string, args ...any) {
	s.trace = append(s.trace, fmt.Sprintf("%s ", s.now.Sub(t0))+fmt.Sprintf(format, args...))
}

// expired reports whether the server has expired (or would expire at its next call) c.
func (s *sim) expired(c *client) bool {
	return !c.known || s.now.Sub(c.lastSeen) > timeout
}

func (s *sim) markStale() {
	for _, c := range s.clients {
		if s.expired(c) {
			c.known = false
			if len(c.working) > 0 {
				c.stale = true
			}
		}
	}
}

func (s *sim) heartbeat(c *client) {
	held := slices.Sorted(maps.Keys(c.working))
	got, err := s.g.Heartbeat(s.now, c.name, held, s.shards)
	s.log("heartbeat %s %v -> %v %v", c.name, held, got, err)
	wasKnown := c.known
	c.known, c.lastSeen = true, s.now
	switch {
	case err == nil:
	case errors.Is(err, ErrNotExistConsumerWithBody) && !wasKnown && len(held) > 0:
		return // the SDK keeps working on what it had
	default:
		s.fail("heartbeat %s: unexpected error %v", c.name, err)
	}
	granted := map[int]bool{}
	for _, id := range got {
		granted[id] = true
		c.working[id] = true
		delete(c.draining, id)
	}
	for id := range c.working {
		if !granted[id] {
			c.draining[id] = true
		}
	}
	if len(c.draining) == 0 {
		c.stale = false
	}
}

func (s *sim) drain(c *client, all bool) {
	for _, id := range slices.Sorted(maps.Keys(c.draining)) {
		delete(c.draining, id)
		delete(c.working, id)
		s.log("drained %s %d", c.name, id)
		if !all {
			return
		}
	}
}

func (s *sim) checkpoint() {
	c := s.clients[s.ch.IntN(len(s.clients))]
	sh := s.ch.IntN(len(s.shards) + 1)
	if sh == len(s.shards) {
		sh = 1000 // unknown shard
	} else {
		sh = s.shards[sh].ID
	}
	force := s.ch.IntN(2) == 1
	atEnd := s.ch.IntN(2) == 1
	before := s.g.Status(s.now, s.shards)
	s.markStale()
	owns := before.Owners[sh] == c.name
	if atEnd && !owns {
		// Only the owner saves end checkpoints in this model (see TestProperties): a non-owner ending a
		// shard and then reverting it (transition 7) legitimately lets two consumers read it.
		atEnd = false
	}
	err := s.g.UpdateCheckpoint(s.now, c.name, sh, "cur", force, atEnd, s.shards)
	s.log("checkpoint %s shard %d force=%v atEnd=%v -> %v", c.name, sh, force, atEnd, err)
	var want error
	_, live := before.Consumers[c.name]
	switch {
	case sh == 1000:
		want = ErrShardNotExist
	case force:
	case !live:
		want = ErrConsumerNotExist
	case !owns:
		want = ErrConsumerNotMatch
	}
	if !errors.Is(err, want) || (want == nil && err != nil) {
		s.fail("checkpoint %s shard %d force=%v: got %v, want %v (status %+v)", c.name, sh, force, err, want, before)
	}
	if err != nil {
		return
	}
	st := s.g.Status(s.now, s.shards)
	ro := false
	if x, ok := lookup(s.shards, sh); ok {
		ro = x.ReadOnly
	}
	switch {
	case atEnd && ro:
		if st.States[sh] != StateOver {
			s.fail("shard %d not over after its end checkpoint: %s", sh, st.States[sh])
		}
		// The owner is done with it and stops its worker.
		delete(c.working, sh)
		delete(c.draining, sh)
	case before.States[sh] == StateOver && st.States[sh] == StateOver:
		s.fail("over shard %d stayed over after a non-end checkpoint", sh)
	}
}

func (s *sim) split() {
	if len(s.shards) >= 14 {
		return
	}
	i := s.ch.IntN(len(s.shards))
	if s.shards[i].ReadOnly {
		return
	}
	p := s.shards[i].ID
	next := slices.MaxFunc(s.shards, func(a, b Shard) int { return a.ID - b.ID }).ID + 1
	s.shards = slices.Clone(s.shards)
	s.shards[i].ReadOnly = true
	s.shards = append(s.shards, Shard{ID: next, Parents: []int{p}}, Shard{ID: next + 1, Parents: []int{p}})
	s.log("split %d into %d and %d", p, next, next+1)
}

func (s *sim) step() {
	c := s.clients[s.ch.IntN(len(s.clients))]
	switch op := s.ch.IntN(20); {
	case op < 8:
		if !c.paused {
			s.markStale()
			s.heartbeat(c)
		}
	case op < 11:
		s.drain(c, s.ch.IntN(2) == 0)
	case op < 13:
		d := time.Duration(s.ch.IntN(25)) * time.Second
		if s.ch.IntN(8) == 0 {
			d = timeout + time.Second
		}
		s.now = s.now.Add(d)
		s.log("advance %v", d)
	case op == 13:
		c.paused = !c.paused
		s.log("paused %s = %v", c.name, c.paused)
	case op == 14:
		// The process restarts: its work is gone, the server still knows it until it times out.
		c.working, c.draining, c.stale, c.paused = map[int]bool{}, map[int]bool{}, false, false
		s.log("restart %s", c.name)
	case op == 15:
		s.g.Forget(c.name)
		c.known = false
		if len(c.working) > 0 {
			c.stale = true
		}
		s.log("forget %s", c.name)
	case op < 19:
		s.checkpoint()
	default:
		s.split()
	}
	s.markStale()
	s.check()
}

// check verifies the server invariants and the exclusivity seen by the clients.
func (s *sim) check() {
	st := s.g.Status(s.now, s.shards)
	if len(st.States) != len(s.shards) || len(st.Owners) != len(s.shards) {
		s.fail("status sizes: %+v for %d shards", st, len(s.shards))
	}
	for _, c := range s.clients {
		if _, live := st.Consumers[c.name]; live == s.expired(c) {
			s.fail("consumer %s live=%v, model expired=%v", c.name, live, s.expired(c))
		}
	}
	load := map[string]int{}
	aa := map[int]string{}
	for c, held := range st.Consumers {
		if held == nil || !slices.IsSorted(held) {
			s.fail("consumer %s holds %#v", c, held)
		}
		for _, id := range held {
			if prev, dup := aa[id]; dup {
				s.fail("shard %d held by %s and %s", id, prev, c)
			}
			aa[id] = c
		}
	}
	for _, sh := range s.shards {
		id, state, owner := sh.ID, st.States[sh.ID], st.Owners[sh.ID]
		next, inTransfer := st.Transfers[id]
		switch state {
		case StateAlreadyAlloc:
			if aa[id] != owner || owner == "" || inTransfer {
				s.fail("shard %d already_alloc: owner %q, listed under %q", id, owner, aa[id])
			}
			load[owner]++
		case StateTransfer:
			_, ownerLive := st.Consumers[owner]
			_, nextLive := st.Consumers[next]
			if !ownerLive || !nextLive || owner == next || aa[id] != "" {
				s.fail("shard %d transfer %q -> %q", id, owner, next)
			}
			load[next]++
		case StateNotAlloc:
			if len(st.Consumers) > 0 {
				s.fail("shard %d not_alloc with live consumers", id)
			}
		case StateWait:
			if !s.order || !slices.ContainsFunc(sh.Parents, func(p int) bool { return st.States[p] != "" && st.States[p] != StateOver }) {
				s.fail("shard %d waits without reason (order=%v, parents %v)", id, s.order, sh.Parents)
			}
		case StateOver:
			if !sh.ReadOnly {
				s.fail("writable shard %d over", id)
			}
		default:
			s.fail("shard %d in state %q", id, state)
		}
		if state != StateAlreadyAlloc && state != StateTransfer && owner != "" {
			s.fail("shard %d %s with owner %q", id, state, owner)
		}
		if state != StateTransfer && inTransfer {
			s.fail("shard %d %s with next %q", id, state, next)
		}
		if state == StateNotAlloc && s.order && slices.ContainsFunc(sh.Parents, func(p int) bool { return st.States[p] != "" && st.States[p] != StateOver }) {
			s.fail("shard %d not_alloc with an unfinished parent", id)
		}
	}
	// Loads are balanced at all times (transfers count for their next consumer).
	if len(st.Consumers) > 0 {
		lo, hi := len(s.shards), 0
		for c := range st.Consumers {
			lo, hi = min(lo, load[c]), max(hi, load[c])
		}
		if hi-lo > 1 {
			s.fail("unbalanced loads %v", load)
		}
	}
	// No shard is worked on by two clients that were never expired while working.
	worker := map[int]string{}
	for _, c := range s.clients {
		if c.stale {
			continue
		}
		for id := range c.working {
			if w, dup := worker[id]; dup {
				s.fail("shard %d worked on by %s and %s", id, w, c.name)
			}
			worker[id] = c.name
		}
	}
}

// settle lets every client heartbeat and drain at once until nothing moves, then checks the stable state.
func (s *sim) settle() {
	s.log("settle")
	for _, c := range s.clients {
		c.paused = false
	}
	for range 4 {
		s.now = s.now.Add(time.Second)
		for _, c := range s.clients {
			s.markStale()
			s.heartbeat(c)
			s.drain(c, true)
		}
		for _, c := range s.clients {
			s.heartbeat(c)
		}
		s.check()
	}
	st := s.g.Status(s.now, s.shards)
	if len(st.Transfers) != 0 {
		s.fail("transfers left after settling: %v", st.Transfers)
	}
	if len(st.Consumers) != len(s.clients) {
		s.fail("consumers after settling: %v", st.Consumers)
	}
	lo, hi, total := len(s.shards), 0, 0
	for _, c := range s.clients {
		held := st.Consumers[c.name]
		if !slices.Equal(held, slices.Sorted(maps.Keys(c.working))) || c.stale {
			s.fail("client %s works on %v (stale=%v), server says %v", c.name, c.working, c.stale, held)
		}
		lo, hi, total = min(lo, len(held)), max(hi, len(held)), total+len(held)
	}
	consumable := 0
	for _, state := range st.States {
		if state != StateWait && state != StateOver {
			consumable++
		}
	}
	if hi-lo > 1 || total != consumable {
		s.fail("settled state unbalanced: %v (%d consumable shards)", st.Consumers, consumable)
	}
}

func TestProperties(t *testing.T) {
	for seed := range uint64(300) {
		s := newSim(t, rand.New(rand.NewPCG(seed, 0x5eed)))
		s.log("seed %d order=%v shards=%d clients=%d", seed, s.order, len(s.shards), len(s.clients))
		for i := range 300 {
			s.step()
			if i%100 == 99 {
				s.settle()
			}
		}
		s.settle()
	}
}

func FuzzGroup(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 3, 2, 0, 0, 0, 0, 1, 0, 2, 0, 8, 1, 1, 1, 4, 1, 0, 12, 7, 0, 2, 0, 0, 16, 0, 1})
	f.Add([]byte("the quick brown fox jumps over the lazy dog, many times over and over again"))
	f.Add([]byte{0, 5, 3, 19, 1, 19, 2, 19, 0, 0, 1, 0, 2, 0, 12, 0, 0, 15, 1, 1, 16, 4, 1, 1, 0, 14, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2000 {
			return
		}
		ch := &byteChooser{data: data}
		s := newSim(t, ch)
		for !ch.done() {
			s.step()
		}
		s.settle()
	})
}
