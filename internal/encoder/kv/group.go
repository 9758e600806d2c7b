package kv

import (
	"math"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// AppendGroup appends to b one frame per log of g, byte for byte what AppendFrame appends for each log, and
// counts the frames it truncated or sanitized. The topic, source and tags, which every log of the group carries,
// are escaped once into s and copied into each frame, instead of being checked again for every log. One s must not
// be used by two goroutines at once. heads, when not nil, holds the header fields the mapping chose for each log.
func (e *Encoder) AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts {
	var gr message.Counts
	dst, ends := b.Buf, b.Ends
	shared, sanitized, ok := e.sharedPairs(g, s)
	for li := range g.Logs {
		l := &g.Logs[li]
		var hd *message.Head
		if heads != nil {
			hd = &heads[li]
		}
		var r Result
		if ok {
			var start, limit int
			dst, start, limit, r.Sanitized = e.beginFrame(dst, l, hd)
			dst = append(dst, shared...)
			dst = e.appendPairs(dst, g, l, 2+len(g.Tags), limit, &r)
			dst = e.endFrame(dst, start)
			r.Sanitized = r.Sanitized || sanitized
		} else {
			dst, r = e.appendFrame(dst, g, l, hd)
		}
		ends = append(ends, len(dst))
		if r.Truncated {
			gr.Truncated++
		}
		if r.Sanitized {
			gr.Sanitized++
		}
	}
	b.Buf, b.Ends = dst, ends
	return gr
}

// sharedPairs encodes the group's own pairs (topic, source, tags) into s as AppendFrame writes them, and reports
// whether they were sanitized. ok is false when copying them is not worth it (fewer than two logs) or not exact:
// when a frame's header and these pairs could exceed MaxMessageBytes, AppendFrame may cut them, so each frame must
// be written in full.
func (e *Encoder) sharedPairs(g *record.Group, s *message.Scratch) (shared []byte, sanitized, ok bool) {
	if len(g.Logs) < 2 {
		return nil, false, false
	}
	var r Result
	var none record.Log // no contents: appendPairs writes the topic, the source and the tags
	b := e.appendPairs(s.Buf[:0], g, &none, 0, math.MaxInt, &r)
	s.Buf = b
	if e.max != math.MaxInt && e.hdr.Len()+len(b) > e.max {
		return nil, false, false
	}
	return b, r.Sanitized, true
}
