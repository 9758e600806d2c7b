package jsonenc

import (
	"slices"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/record"
)

// state is what writing one object found out.
type state struct {
	sanitized bool // a control character or invalid UTF-8 was escaped, or a renamed member was written
	lossyKey  bool // a key had invalid UTF-8: two keys may have become one (see renames)
}

// appendObject appends the object of log l of group g to dst so that it ends at or before limit (an index into
// dst, at least len(dst)+MinObjectBytes). When the whole object does not fit it writes it again, cut so that
// `,"__truncated__":true}` fits after it: the last member written may have a shortened value, later ones are
// left out. c, if not nil, caches the date of __time__.
func (e *Encoder) appendObject(dst []byte, g *record.Group, l *record.Log, limit int, c *dateCache) ([]byte, Result) {
	start := len(dst)
	limit = max(limit, start+MinObjectBytes)
	var names []string
	renamed := false // names is renames' answer
	if repeats(g.Tags, g, false) || repeats(l.Contents, g, true) {
		names, renamed = renames(g, l), true
	}
	for _, cut := range [2]bool{false, true} {
		end := limit - 1 // room for '}'
		if cut {
			end = limit - len(truncatedMember) - 1 // room for ,"__truncated__":true}
		}
		var st state
		out, ok := writeObject(dst[:start], g, l, names, end, cut, c, &st)
		if st.lossyKey && !renamed {
			// A key had invalid UTF-8: keys that differ only there are one key to a decoder.
			if names, renamed = renames(g, l), true; names != nil {
				st = state{}
				out, ok = writeObject(out[:start], g, l, names, end, cut, c, &st)
			}
		}
		dst = out
		if ok {
			return append(dst, '}'), Result{Sanitized: st.sanitized}
		}
		if cut {
			if dst[len(dst)-1] != '{' {
				dst = append(dst, ',')
			}
			return append(dst, truncatedMember...), Result{Truncated: true, Sanitized: st.sanitized}
		}
	}
	panic("unreachable")
}

// writeObject writes the object's opening brace and its members, all of them before end and true, or (not cut)
// false as soon as one does not fit, or (cut) those that fit, the last one perhaps with its value cut, and
// false. names are renames' (nil: every member keeps its name).
func writeObject(dst []byte, g *record.Group, l *record.Log, names []string, end int, cut bool, c *dateCache, st *state) ([]byte, bool) {
	n := timeMemberLen
	if l.Time == 0 && l.TimeNs == 0 {
		n = len(nullTimeMember)
	}
	if len(dst)+n > end {
		if cut {
			dst = append(dst, '{')
		}
		return dst, false
	}
	dst = appendTimeMember(dst, l.Time, l.TimeNs, c)
	var ok bool
	if dst, ok = appendMember(dst, "", topicName, g.Topic, end, cut, st); !ok {
		return dst, false
	}
	if dst, ok = appendMember(dst, "", sourceName, g.Source, end, cut, st); !ok {
		return dst, false
	}
	if names == nil {
		for i := range g.Tags {
			if dst, ok = appendMember(dst, tagPrefix, g.Tags[i].Key, g.Tags[i].Value, end, cut, st); !ok {
				return dst, false
			}
		}
		return appendContents(dst, l.Contents, end, cut, st)
	}
	for i := range g.Tags {
		if dst, ok = appendRenamed(dst, tagPrefix, g.Tags[i], names[3+i], end, cut, st); !ok {
			return dst, false
		}
	}
	for i := range l.Contents {
		if dst, ok = appendRenamed(dst, "", l.Contents[i], names[3+len(g.Tags)+i], end, cut, st); !ok {
			return dst, false
		}
	}
	return dst, true
}

// appendRenamed appends member f (its key after prefix) under name, or under its own when name is "".
func appendRenamed(dst []byte, prefix string, f record.Field, name string, end int, cut bool, st *state) ([]byte, bool) {
	if name == "" {
		return appendMember(dst, prefix, f.Key, f.Value, end, cut, st)
	}
	n := len(dst)
	dst, ok := appendMember(dst, "", name, f.Value, end, cut, st)
	if len(dst) > n {
		st.sanitized = true
	}
	return dst, ok
}

// memberLen is the length of ,"prefix+key":"value" when nothing needs escaping.
func memberLen(prefix, key, value string) int { return len(prefix) + len(key) + len(value) + 6 }

// appendMember appends the member ,"prefix+key":"value", escaped; prefix is a constant that needs no escaping.
// When it does not fit before end it returns false: not cut, with nothing appended (the caller starts again);
// cut, with what fits of the value, or nothing when its name and an empty value do not fit.
func appendMember(dst []byte, prefix, key, value string, end int, cut bool, st *state) ([]byte, bool) {
	start := len(dst)
	if n := memberLen(prefix, key, value); start+n <= end {
		dst = slices.Grow(dst, n)
		buf := dst[start : start+n]
		buf[0], buf[1] = ',', '"'
		k := 2 + copy(buf[2:], prefix)
		pk, ak := copyWords(buf[k:], key)
		k += len(key)
		buf[k], buf[k+1], buf[k+2] = '"', ':', '"'
		pv, av := copyWords(buf[k+3:], value)
		buf[n-1] = '"'
		if pk&pv&chars.Highs == chars.Highs && ((ak|av)&chars.Highs == 0 || plainUTF8(buf)) {
			return dst[:start+n], true
		}
	} else if !cut {
		return dst, false // escaping never shortens: it cannot fit
	}
	saved := *st
	if start+2+len(prefix)+4 > end {
		return dst, false
	}
	dst = append(dst, ',', '"')
	dst = append(dst, prefix...)
	var ok bool
	if dst, ok = appendEscaped(dst, key, end-4, true, st); !ok { // room for ":"" (the value's quotes)
		*st = saved
		return dst[:start], false
	}
	dst = append(dst, '"', ':', '"')
	dst, ok = appendEscaped(dst, value, end-1, false, st)
	dst = append(dst, '"')
	if !ok && !cut {
		return dst[:start], false
	}
	return dst, ok
}

// appendContents appends the members of fields, which keep their names. The usual record, whose contents need no
// escaping and fit, is written with one capacity check and copyMembers (valid UTF-8 is checked once, at the end);
// appendMember writes the rest, from the first member that needs escaping on, exactly as it would have written
// every member.
func appendContents(dst []byte, fields []record.Field, end int, cut bool, st *state) ([]byte, bool) {
	dst, i, _ := appendPlainContents(dst, fields, end, nil)
	var ok bool
	for ; i < len(fields); i++ {
		if dst, ok = appendMember(dst, "", fields[i].Key, fields[i].Value, end, cut, st); !ok {
			return dst, false
		}
	}
	return dst, true
}

// appendPlainContents appends the leading members of fields that need no escaping, when all of fields fit before
// end, and returns their number. With g (not nil) it also looks for keys that repeat (see repeats) among them: on
// one, it returns repeat true and dst as it was.
func appendPlainContents(dst []byte, fields []record.Field, end int, g *record.Group) (out []byte, count int, repeat bool) {
	n := 0
	for j := range fields {
		n += memberLen("", fields[j].Key, fields[j].Value)
	}
	start := len(dst)
	if n == 0 || start+n > end {
		return dst, 0, false
	}
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	k, count, all, repeat := copyMembers(buf, fields, g)
	if repeat {
		return dst, 0, true
	}
	if all&chars.Highs != 0 && !plainUTF8(buf[:k]) {
		// The members are valid UTF-8 iff each key and value is: the ASCII bytes around them end any sequence.
		return dst, 0, false
	}
	return dst[:start+k], count, false
}

// copyMembers writes fields into buf (at least their memberLen long) as ,"key":"value" each, until one needs
// escaping. It returns the end of the members that did not, their number, and a word whose highs bits are set when
// one of them has a non-ASCII byte (the caller checks UTF-8). With g (not nil), it returns repeat true when a key
// of these members repeats another or starts with "__" and is reserved (see repeats). It uses copyMembersVector
// where the CPU has it, and copyMembersWords elsewhere; both write the same bytes and return the same k, count
// and all&highs.
func copyMembers(buf []byte, fields []record.Field, g *record.Group) (k, count int, all uint64, repeat bool) {
	if vectorMembers && len(buf) > 0 {
		k, count, all = copyMembersVector(&buf[0], len(buf), fields, jsonNibbles)
		return k, count, all, g != nil && repeats(fields[:count], g, true)
	}
	return copyMembersWords(buf, fields, g)
}

// copyMembersWords is copyMembers with copyKey and copyWords, eight bytes at a time. With g it stops at a key
// that one of the members before it has, or that starts with "__" and is reserved: it keeps repeats' Bloom
// filter of keyHash as it copies the keys, whose words copyKey has loaded already.
func copyMembersWords(buf []byte, fields []record.Field, g *record.Group) (k, count int, all uint64, repeat bool) {
	var bloom [2]uint64
	for i := range fields {
		f := &fields[i]
		kk := k
		buf[kk], buf[kk+1] = ',', '"'
		kk += 2
		pk, ak, h := copyKey(buf[kk:], f.Key)
		kk += len(f.Key)
		buf[kk], buf[kk+1], buf[kk+2] = '"', ':', '"'
		kk += 3
		pv, av := copyWords(buf[kk:], f.Value)
		kk += len(f.Value)
		buf[kk] = '"'
		if pk&pv&chars.Highs != chars.Highs {
			break
		}
		if g != nil {
			b := h >> 57
			w, bit := b>>6, uint64(1)<<(b&63)
			if bloom[w]&bit != 0 && hasKey(fields[:i], f.Key) || isReserved(f.Key, g) {
				return k, count, all, true
			}
			bloom[w] |= bit
		}
		all |= ak | av
		k = kk + 1
		count++
	}
	return k, count, all, false
}
