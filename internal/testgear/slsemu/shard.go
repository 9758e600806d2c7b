package slsemu

import (
	"errors"
	"slices"
	"sort"
	"sync"
	"time"
)

// windowGroups is the size of the aligned windows whose compressed bodies are cached. It equals the largest count
// PullLogs accepts, which is what the consumer library asks for by default.
const windowGroups = 1000

var (
	errCursorRange = errors.New("cursor out of range")
	errReadOnly    = errors.New("shard is read-only")
)

// storedGroup is one log group as received, kept ready to be served.
type storedGroup struct {
	framed []byte // LogGroupList element: tag 0x0A, length, serialized LogGroup
	logs   int32
	recv   int64 // server receive time, unix nanoseconds
}

// window caches the compressed PullLogs body of windowGroups consecutive, aligned, complete log groups.
type window struct {
	mu     sync.Mutex
	bodies map[string][]byte // by compress type
	raw    int
	logs   int
}

// shard is an append-only sequence of log groups. Cursor values are base + absolute index.
type shard struct {
	id       int
	parents  []int
	beginKey [16]byte
	endKey   [16]byte // exclusive, except the all-ones key, which is the top of the range
	created  time.Time
	base     int64

	mu       sync.RWMutex
	readOnly bool
	head     int64         // absolute index of groups[0]: number of groups dropped by retention
	groups   []storedGroup // retained groups
	logs     int64         // logs in the retained groups
	bytes    int64         // raw bytes of the retained groups
	lastRecv int64
	expired  int64 // groups dropped by retention so far

	wmu     sync.Mutex
	windows map[int64]*window // by window index
}

func newShard(id int, begin, end [16]byte, parents []int, created time.Time) *shard {
	return &shard{
		id:       id,
		parents:  parents,
		beginKey: begin,
		endKey:   end,
		created:  created,
		base:     created.Unix()*1_000_000_000 + int64(id)*1_000_000,
		windows:  map[int64]*window{},
	}
}

// bounds returns the cursor values of the first retained group and of the next group to be written.
func (sh *shard) bounds() (begin, end int64) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.base + sh.head, sh.base + sh.head + int64(len(sh.groups))
}

func (sh *shard) isReadOnly() bool {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.readOnly
}

// append stores groups with receive time now (never earlier than the previous group's).
func (sh *shard) append(now time.Time, groups []storedGroup) (first int64, err error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.readOnly {
		return 0, errReadOnly
	}
	recv := max(now.UnixNano(), sh.lastRecv)
	sh.lastRecv = recv
	first = sh.base + sh.head + int64(len(sh.groups))
	for _, g := range groups {
		g.recv = recv
		sh.groups = append(sh.groups, g)
		sh.logs += int64(g.logs)
		sh.bytes += int64(len(g.framed) - framePrefixLen(g.framed))
	}
	return first, nil
}

// expireBefore drops the groups received before t and returns how many were dropped.
func (sh *shard) expireBefore(t time.Time) int {
	limit := t.UnixNano()
	sh.mu.RLock()
	stale := len(sh.groups) > 0 && sh.groups[0].recv < limit
	sh.mu.RUnlock()
	if !stale {
		return 0
	}
	sh.mu.Lock()
	k := sort.Search(len(sh.groups), func(i int) bool { return sh.groups[i].recv >= limit })
	for _, g := range sh.groups[:k] {
		sh.logs -= int64(g.logs)
		sh.bytes -= int64(len(g.framed) - framePrefixLen(g.framed))
	}
	// Readers may still hold the old slice; copying leaves it intact for them and frees the dropped groups later.
	sh.groups = slices.Clone(sh.groups[k:])
	sh.head += int64(k)
	sh.expired += int64(k)
	head := sh.head
	sh.mu.Unlock()

	sh.wmu.Lock()
	for idx := range sh.windows {
		if idx*windowGroups < head {
			delete(sh.windows, idx)
		}
	}
	sh.wmu.Unlock()
	return k
}

// cursorAt returns the cursor of the first group received at or after unix second t, or the end cursor.
func (sh *shard) cursorAt(t int64) int64 {
	limit := t * int64(time.Second)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	k := sort.Search(len(sh.groups), func(i int) bool { return sh.groups[i].recv >= limit })
	return sh.base + sh.head + int64(k)
}

// timeAt returns the receive time of the group at cursor c. The end cursor gives the receive time of the last
// group (or the creation time of an empty shard).
func (sh *shard) timeAt(c int64) (time.Time, error) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	i := c - sh.base - sh.head
	switch {
	case i < 0 || i > int64(len(sh.groups)):
		return time.Time{}, errCursorRange
	case i < int64(len(sh.groups)):
		return time.Unix(0, sh.groups[i].recv), nil
	case len(sh.groups) > 0:
		return time.Unix(0, sh.groups[len(sh.groups)-1].recv), nil
	case sh.lastRecv != 0:
		return time.Unix(0, sh.lastRecv), nil
	}
	return sh.created, nil
}

// readResult is what one PullLogs returns before encoding.
type readResult struct {
	from, to int64 // cursor values: [from, to)
	groups   []storedGroup
	win      *window // non-nil when [from, to) is exactly one complete cached window
	atEnd    bool    // to is the end of a read-only shard, or the requested end cursor
}

// read returns up to count groups from cursor from, stopping before end (end < 0: no limit). When count is at
// least windowGroups the read stops at a window boundary, so that a consumer reading full batches hits the cache.
func (sh *shard) read(from int64, count int, end int64) (readResult, error) {
	sh.mu.RLock()
	begin := sh.base + sh.head
	last := begin + int64(len(sh.groups))
	groups := sh.groups
	readOnly := sh.readOnly
	sh.mu.RUnlock()

	if from < begin || from > last {
		return readResult{}, errCursorRange
	}
	to := min(from+int64(count), last)
	if end >= 0 && end < to {
		to = max(end, from)
	}
	aligned := false
	if count >= windowGroups {
		abs := from - sh.base
		boundary := sh.base + (abs/windowGroups+1)*windowGroups
		to = min(to, boundary)
		aligned = abs%windowGroups == 0 && to == boundary
	}
	rr := readResult{
		from:   from,
		to:     to,
		groups: groups[from-begin : to-begin],
		atEnd:  (readOnly && to == last) || (end >= 0 && to >= end),
	}
	if aligned {
		rr.win = sh.window((from - sh.base) / windowGroups)
	}
	return rr, nil
}

func (sh *shard) window(idx int64) *window {
	sh.wmu.Lock()
	defer sh.wmu.Unlock()
	w := sh.windows[idx]
	if w == nil {
		w = &window{bodies: map[string][]byte{}}
		sh.windows[idx] = w
	}
	return w
}

// completeWindows returns the indexes of the complete, fully retained windows.
func (sh *shard) completeWindows() []int64 {
	sh.mu.RLock()
	head, total := sh.head, sh.head+int64(len(sh.groups))
	sh.mu.RUnlock()
	var out []int64
	for idx := (head + windowGroups - 1) / windowGroups; (idx+1)*windowGroups <= total; idx++ {
		out = append(out, idx)
	}
	return out
}

// groupsOf returns the groups of window idx, or nil when they are no longer all retained.
func (sh *shard) groupsOf(idx int64) []storedGroup {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	lo := idx*windowGroups - sh.head
	hi := lo + windowGroups
	if lo < 0 || hi > int64(len(sh.groups)) {
		return nil
	}
	return sh.groups[lo:hi]
}

// body returns the window's compressed body, building it once per compress type.
func (w *window) body(c *codec, typ string, groups []storedGroup) (body []byte, raw, logs int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if b, ok := w.bodies[typ]; ok {
		return b, w.raw, w.logs
	}
	rawBytes, logs := concatGroups(groups)
	w.raw, w.logs = len(rawBytes), logs
	b := c.compress(typ, rawBytes)
	w.bodies[typ] = b
	return b, w.raw, w.logs
}

// concatGroups returns the serialized LogGroupList of groups and its log count.
func concatGroups(groups []storedGroup) ([]byte, int) {
	return appendGroups(nil, groups)
}

// appendGroups appends the serialized LogGroupList of groups to dst and returns it with the log count.
func appendGroups(dst []byte, groups []storedGroup) ([]byte, int) {
	n, logs := len(dst), 0
	for _, g := range groups {
		n += len(g.framed)
		logs += int(g.logs)
	}
	if cap(dst) < n {
		dst = append(make([]byte, 0, n), dst...)
	}
	for _, g := range groups {
		dst = append(dst, g.framed...)
	}
	return dst, logs
}
