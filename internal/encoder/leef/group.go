package leef

import (
	"math"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// AppendGroup appends to b one frame per log of g, byte for byte what AppendFrame appends for each log, and
// counts the frames it truncated or sanitized. The group's attributes (topic, source, tags), which every log
// carries, are written once into s with their keys, and copied into each frame. One s must not be used by two
// goroutines at once. heads, when not nil, holds the header fields the mapping chose for each log; each frame is
// then written in full (AppendFrameHead).
func (e *Encoder) AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts {
	var counts message.Counts
	dst, ends := b.Buf, b.Ends
	if heads != nil {
		for li := range g.Logs {
			var r Result
			dst, r = e.AppendFrameHead(dst, g, &g.Logs[li], &heads[li])
			ends = append(ends, len(dst))
			counts.Add(r.Truncated, r.Sanitized)
		}
		b.Buf, b.Ends = dst, ends
		return counts
	}
	var groupKeys, keys keySet
	var run keyRun
	shared, sanitized, ok := e.sharedAttrs(g, s, &groupKeys)
	for li := range g.Logs {
		l := &g.Logs[li]
		var r Result
		if ok {
			var start, limit int
			dst, start, limit = e.hdr.Begin(dst, l)
			dst = e.appendHead(dst)
			if len(dst)+len(shared) <= limit && keys.copyFrom(&groupKeys, 1+len(l.Contents)) {
				base := len(dst)
				dst = append(dst, shared...)
				dst = e.appendLogAttrs(dst, base, l, &keys, limit, &run, &r)
				r.Sanitized = r.Sanitized || sanitized
				dst = e.hdr.End(dst, start)
			} else { // AppendFrame would cut the group's attributes, or the keys need a big set: write it in full
				dst, r = e.AppendFrame(dst[:start], g, l)
			}
		} else {
			dst, r = e.AppendFrame(dst, g, l)
		}
		ends = append(ends, len(dst))
		if r.Truncated {
			counts.Truncated++
		}
		if r.Sanitized {
			counts.Sanitized++
		}
	}
	b.Buf, b.Ends = dst, ends
	return counts
}

// sharedAttrs writes the attributes of g into s as AppendFrame writes them at the start of the attributes, and
// their keys into keys, and reports whether they were sanitized. ok is false for a group of fewer than two logs,
// where sharing saves nothing, or of more tags than a small key set holds.
func (e *Encoder) sharedAttrs(g *record.Group, s *message.Scratch, keys *keySet) (shared []byte, sanitized, ok bool) {
	if len(g.Logs) < 2 || 2+len(g.Tags) > smallKeys {
		return nil, false, false
	}
	var r Result
	keys.reset(2 + len(g.Tags))
	s.Buf, _ = e.appendGroupAttrs(s.Buf[:0], 0, g, keys, math.MaxInt, &r)
	return s.Buf, r.Sanitized, true
}
