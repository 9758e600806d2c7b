package slsemu

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siemship/siemship/internal/testgear/slsemu/groupstate"
)

var (
	errShardNotExist = errors.New("shard does not exist")
	errNoWritable    = errors.New("logstore has no read-write shard")
	errBadHashKey    = errors.New("hash key must be hexadecimal")
)

// logstore holds the shards and consumer groups of one logstore.
type logstore struct {
	project, name string
	ttl           time.Duration // 0: keep forever
	created       time.Time

	mu     sync.RWMutex
	shards []*shard // ordered by ID
	groups map[string]*groupstate.Group

	rr  atomic.Uint64 // round robin over read-write shards for load-balanced writes
	gen generator
}

func newLogstore(project, name string, shards int, ttl time.Duration, now time.Time, seed uint64) *logstore {
	ls := &logstore{project: project, name: name, ttl: ttl, created: now, groups: map[string]*groupstate.Group{}}
	ranges := splitKeyRange(shards)
	for i := range shards {
		ls.shards = append(ls.shards, newShard(i, ranges[i], ranges[i+1], nil, now))
	}
	ls.gen.init(seed, project, name)
	return ls
}

// splitKeyRange divides the 128-bit hash space into n ranges and returns their n+1 boundaries; the last boundary
// is the all-ones key.
func splitKeyRange(n int) [][16]byte {
	top := new(big.Int).Lsh(big.NewInt(1), 128)
	out := make([][16]byte, n+1)
	for i := 0; i <= n; i++ {
		v := new(big.Int).Mul(top, big.NewInt(int64(i)))
		v.Div(v, big.NewInt(int64(n)))
		if i == n {
			v.Sub(v, big.NewInt(1))
		}
		v.FillBytes(out[i][:])
	}
	return out
}

func midKey(a, b [16]byte) [16]byte {
	x := new(big.Int).SetBytes(a[:])
	y := new(big.Int).SetBytes(b[:])
	x.Add(x, y).Rsh(x, 1)
	var out [16]byte
	x.FillBytes(out[:])
	return out
}

// parseHashKey reads a hex hash key; shorter keys are padded with zeros on the right.
func parseHashKey(s string) ([16]byte, error) {
	var out [16]byte
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 32 {
		return out, errBadHashKey
	}
	s += strings.Repeat("0", 32-len(s))
	if _, err := hex.Decode(out[:], []byte(s)); err != nil {
		return out, errBadHashKey
	}
	return out, nil
}

func (ls *logstore) shard(id int) (*shard, bool) {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	for _, sh := range ls.shards {
		if sh.id == id {
			return sh, true
		}
	}
	return nil, false
}

func (ls *logstore) allShards() []*shard {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	return slices.Clone(ls.shards)
}

// stateShards is the shard list in the form the consumer-group state machine takes.
func (ls *logstore) stateShards() []groupstate.Shard {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	out := make([]groupstate.Shard, 0, len(ls.shards))
	for _, sh := range ls.shards {
		out = append(out, groupstate.Shard{ID: sh.id, ReadOnly: sh.isReadOnly(), Parents: slices.Clone(sh.parents)})
	}
	return out
}

// writable returns the read-write shards.
func (ls *logstore) writable() []*shard {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	out := make([]*shard, 0, len(ls.shards))
	for _, sh := range ls.shards {
		if !sh.isReadOnly() {
			out = append(out, sh)
		}
	}
	return out
}

// pick returns the read-write shard for a write: by hash key when key is not empty, else round robin.
func (ls *logstore) pick(key string) (*shard, error) {
	rw := ls.writable()
	if len(rw) == 0 {
		return nil, errNoWritable
	}
	if key == "" {
		return rw[int(ls.rr.Add(1)-1)%len(rw)], nil
	}
	k, err := parseHashKey(key)
	if err != nil {
		return nil, err
	}
	for _, sh := range rw {
		if bytes.Compare(sh.beginKey[:], k[:]) <= 0 && (bytes.Compare(k[:], sh.endKey[:]) < 0 || sh.endKey == maxKey) {
			return sh, nil
		}
	}
	return rw[len(rw)-1], nil
}

var maxKey = [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// split makes shard id read-only and adds two read-write children covering its key range, split at key (the
// middle of the range when key is nil). It returns the parent and the children.
func (ls *logstore) split(id int, key *[16]byte, now time.Time) ([]*shard, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var parent *shard
	maxID := -1
	for _, sh := range ls.shards {
		maxID = max(maxID, sh.id)
		if sh.id == id {
			parent = sh
		}
	}
	if parent == nil {
		return nil, errShardNotExist
	}
	mid := midKey(parent.beginKey, parent.endKey)
	if key != nil {
		mid = *key
	}
	if bytes.Compare(mid[:], parent.beginKey[:]) <= 0 || bytes.Compare(mid[:], parent.endKey[:]) >= 0 {
		return nil, fmt.Errorf("split key %x is not inside the range of shard %d", mid, id)
	}
	parent.mu.Lock()
	if parent.readOnly {
		parent.mu.Unlock()
		return nil, errReadOnly
	}
	parent.readOnly = true
	parent.mu.Unlock()
	a := newShard(maxID+1, parent.beginKey, mid, []int{id}, now)
	b := newShard(maxID+2, mid, parent.endKey, []int{id}, now)
	ls.shards = append(ls.shards, a, b)
	return []*shard{parent, a, b}, nil
}

func (ls *logstore) group(name string) (*groupstate.Group, bool) {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	g, ok := ls.groups[name]
	return g, ok
}

// deleteGroup removes a group with its consumers and checkpoints; false when there was none.
func (ls *logstore) deleteGroup(name string) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	_, ok := ls.groups[name]
	delete(ls.groups, name)
	return ok
}

func (ls *logstore) groupNames() []string {
	ls.mu.RLock()
	defer ls.mu.RUnlock()
	names := make([]string, 0, len(ls.groups))
	for n := range ls.groups {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// expire drops data older than the TTL (relative to now) or received before before, whichever is later.
func (ls *logstore) expire(now, before time.Time) int {
	if ls.ttl > 0 && now.Add(-ls.ttl).After(before) {
		before = now.Add(-ls.ttl)
	}
	if before.IsZero() {
		return 0
	}
	n := 0
	for _, sh := range ls.allShards() {
		n += sh.expireBefore(before)
	}
	return n
}
