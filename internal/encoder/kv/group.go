package kv

import (
	"math"

	"github.com/siemship/siemship/internal/record"
)

// GroupBuffer is AppendGroup's scratch space: the pairs every log of a group shares, escaped once. The zero value
// is ready to use; one GroupBuffer must not be used by two goroutines at once.
type GroupBuffer struct {
	shared []byte
}

// GroupResult counts, over the frames of one AppendGroup call, what AppendFrame reports per frame.
type GroupResult struct {
	Truncated int // frames whose payload was cut to fit MaxMessageBytes
	Sanitized int // frames with an escaped key or value (invalid UTF-8 included)
}

// AppendGroup appends one frame per log of g to dst, byte for byte what AppendFrame appends for each log, and the
// end of each frame (its offset in dst) to ends. The topic, source and tags, which every log of the group carries,
// are escaped once and copied into each frame, instead of being checked again for every log.
func (e *Encoder) AppendGroup(dst []byte, ends []int, g *record.Group, gb *GroupBuffer) ([]byte, []int, GroupResult) {
	var gr GroupResult
	shared, sanitized, ok := e.sharedPairs(g, gb)
	for li := range g.Logs {
		l := &g.Logs[li]
		var r Result
		if ok {
			var start, limit int
			dst, start, limit = e.beginFrame(dst, l)
			dst = append(dst, shared...)
			dst = e.appendPairs(dst, g, l, 2+len(g.Tags), limit, &r)
			dst = e.endFrame(dst, start)
			r.Sanitized = r.Sanitized || sanitized
		} else {
			dst, r = e.AppendFrame(dst, g, l)
		}
		ends = append(ends, len(dst))
		if r.Truncated {
			gr.Truncated++
		}
		if r.Sanitized {
			gr.Sanitized++
		}
	}
	return dst, ends, gr
}

// sharedPairs encodes the group's own pairs (topic, source, tags) into gb as AppendFrame writes them, and reports
// whether they were sanitized. ok is false when copying them is not worth it (fewer than two logs) or not exact:
// when a frame's header and these pairs could exceed MaxMessageBytes, AppendFrame may cut them, so each frame must
// be written in full.
func (e *Encoder) sharedPairs(g *record.Group, gb *GroupBuffer) (shared []byte, sanitized, ok bool) {
	if len(g.Logs) < 2 {
		return nil, false, false
	}
	var r Result
	var none record.Log // no contents: appendPairs writes the topic, the source and the tags
	b := e.appendPairs(gb.shared[:0], g, &none, 0, math.MaxInt, &r)
	gb.shared = b
	if e.max != math.MaxInt && len(e.head)+timestampLen+len(e.tail)+len(b) > e.max {
		return nil, false, false
	}
	return b, r.Sanitized, true
}
