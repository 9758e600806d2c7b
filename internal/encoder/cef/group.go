package cef

import (
	"math"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// maxCachedKeys is how many contents of a group's first log shared.keys covers.
const maxCachedKeys = 64

// shared holds what AppendGroup writes once for all logs of a group, in the caller's scratch.
type shared struct {
	head           head   // the header values headBytes was written for
	headBytes      []byte // "CEF:0|vendor|product|version|class|name|sev|" for head, with the standard's limits only
	headResult     Result
	pairs          []byte // " slsTopic=… slsSource=… slsTag…=…", every pair after its space, without a limit
	pairsSanitized bool
	// keys[i] is the CEF key of the last i-th content whose key appendKey had to transform (bit i of cached is set
	// then): the logs of a group usually share their keys, and a transformed key (a dotted name, eventId) costs
	// more than a comparison. cacheKey fills it as the logs come.
	keys    [maxCachedKeys]cachedKey
	cached  uint64
	scratch *message.Scratch
	// rtDigits are the ten digits of rtSec, the seconds of the last log's time when they have ten digits (0: none
	// yet), which the next logs of the group often share.
	rtSec    uint32
	rtDigits [10]byte
}

// cachedKey is a content key and the CEF key appendKey wrote for it.
type cachedKey struct {
	key     string
	cef     []byte // in the scratch
	hostile bool   // appendKey's report
}

// AppendGroup appends to b one frame per log of g, byte for byte what AppendFrame appends for each log, and counts
// the frames it truncated or sanitized. The CEF header and the group's pairs (topic, source, tags), the same for
// every log of the group, are escaped once into s and copied into each frame where they fit as they are. One s
// must not be used by two goroutines at once. heads, when not nil, holds the header fields the mapping chose for
// each log (AppendFrameHead).
func (e *Encoder) AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts {
	var c message.Counts
	dst, ends := b.Buf, b.Ends
	var sh shared
	var shp *shared
	if len(g.Logs) >= 2 {
		e.prepare(&sh, g, s)
		shp = &sh
	}
	// Without heads every log has the group's header values: those of sh.head, when prepared.
	var h head
	hp := &h
	if heads == nil {
		if shp != nil {
			hp = &sh.head
		} else {
			h = e.headFor(g, nil)
		}
	}
	for li := range g.Logs {
		l := &g.Logs[li]
		var hd *message.Head
		if heads != nil {
			hd = &heads[li]
			h = e.headFor(g, hd)
		}
		var r Result
		dst, r = e.appendFrame(dst, g, l, hp, shp, hd)
		ends = append(ends, len(dst))
		if r.Truncated {
			c.Truncated++
		}
		if r.Sanitized {
			c.Sanitized++
		}
	}
	b.Buf, b.Ends = dst, ends
	return c
}

// prepare writes the shared parts of g's frames into s: the CEF header of the first log's header values and the
// group's pairs, without MaxMessageBytes (appendFrame copies them only where they fit).
func (e *Encoder) prepare(sh *shared, g *record.Group, s *message.Scratch) {
	sh.head = e.headFor(g, nil)
	buf := append(s.Buf[:0], e.prefix...)
	buf = appendHeadFields(buf, &sh.head, severityText[min(max(sh.head.severity, 0), MaxSeverity)], &sh.headResult)
	n := len(buf)
	var r Result
	buf, _ = e.appendGroupPairs(buf, g, false, math.MaxInt, &r)
	s.Buf = buf
	sh.headBytes, sh.pairs, sh.pairsSanitized = buf[:n], buf[n:], r.Sanitized
	sh.scratch = s
}

// cacheKey writes the CEF key of key, the i-th content of a log, into the scratch, for the next logs of the group
// whose i-th content has the same key, and reports whether it did (not for the empty key, nor beyond
// maxCachedKeys). The scratch may move; what it held before stays where the slices point.
func (sh *shared) cacheKey(i int, key string) bool {
	if i >= maxCachedKeys || key == "" {
		return false
	}
	start := len(sh.scratch.Buf)
	buf, hostile := appendKey(sh.scratch.Buf, "", key)
	sh.scratch.Buf = buf
	sh.keys[i] = cachedKey{key: key, cef: buf[start:len(buf):len(buf)], hostile: hostile}
	sh.cached |= 1 << i
	return true
}
