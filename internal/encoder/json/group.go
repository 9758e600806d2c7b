package jsonenc

import (
	"math"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// AppendGroup appends to b one frame per log of g, byte for byte what AppendFrame appends for each log, and
// counts the frames it truncated or sanitized. The members that every log of the group has (__topic__,
// __source__, the tags) are escaped once into s and copied into each object, and a date is computed once for the
// logs that share it. One s must not be used by two goroutines at once. heads, when not nil, holds the header
// fields the mapping chose for each log (bare objects have no header to put them in).
func (e *Encoder) AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts {
	var counts message.Counts
	dst, ends := b.Buf, b.Ends
	shared, sanitized, ok := sharedMembers(g, s)
	var dates dateCache
	for li := range g.Logs {
		l := &g.Logs[li]
		var hd *message.Head
		if heads != nil {
			hd = &heads[li]
		}
		var r Result
		done := false
		var start, limit int
		var headSanitized bool
		dst, start, limit, headSanitized = e.beginFrame(dst, l, hd)
		if ok {
			dst, r, done = appendShared(dst, g, l, shared, sanitized, limit, &dates)
		}
		if !done {
			dst, r = e.appendObject(dst, g, l, limit, &dates)
		}
		r.Sanitized = r.Sanitized || headSanitized
		dst = e.endFrame(dst, start)
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

// sharedMembers writes the group's own members (topic, source, tags) into s as appendObject writes them, and
// reports whether they were sanitized. ok is false when copying them is not worth it (fewer than two logs) or
// not exact: when two tags have one name, so that renames decides their names by each record's contents.
func sharedMembers(g *record.Group, s *message.Scratch) (shared []byte, sanitized, ok bool) {
	if len(g.Logs) < 2 || repeats(g.Tags, g, false) {
		return nil, false, false
	}
	var st state
	var none record.Log // no contents: writeObject writes the time, the topic, the source and the tags
	b, _ := writeObject(s.Buf[:0], g, &none, nil, math.MaxInt, false, nil, &st)
	s.Buf = b
	if st.lossyKey { // a tag's key had invalid UTF-8: it may be another tag's name to a decoder
		return nil, false, false
	}
	return b[len(nullTimeMember):], st.sanitized, true
}

// appendShared appends the object of log l with the group's shared members, as appendObject would, when nothing
// needs what only appendObject does: no member renamed, no cut. It returns false, with dst as it was, otherwise.
func appendShared(dst []byte, g *record.Group, l *record.Log, shared []byte, sanitized bool, limit int, dates *dateCache) ([]byte, Result, bool) {
	start := len(dst)
	end := limit - 1 // room for '}'
	if start+timeMemberLen+len(shared) > end {
		return dst, Result{}, false
	}
	dst = appendTimeMember(dst, l.Time, l.TimeNs, dates)
	dst = append(dst, shared...)
	dst, i, repeat := appendPlainContents(dst, l.Contents, end, g)
	if repeat || i < len(l.Contents) && repeats(l.Contents, g, true) {
		return dst[:start], Result{}, false
	}
	var st state
	var ok bool
	for ; i < len(l.Contents); i++ {
		f := &l.Contents[i]
		if dst, ok = appendMember(dst, "", f.Key, f.Value, end, false, &st); !ok || st.lossyKey {
			return dst[:start], Result{}, false
		}
	}
	return append(dst, '}'), Result{Sanitized: sanitized || st.sanitized}, true
}
