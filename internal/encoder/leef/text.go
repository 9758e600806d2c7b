package leef

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
)

// LEEF has no escape sequences, so a character that would end a field where it stands is replaced by a visible
// substitute, always a whole 3-byte UTF-8 character:
//
//   - a C0 control byte (0x00-0x1F) by its Control Picture U+2400+byte (LF is ␊, tab ␉), DEL (0x7F) by ␡ U+2421;
//   - a printable ASCII byte that ends a field there (the delimiter in keys and values, '=' and '|' in keys, '|' in
//     header fields) by its fullwidth form U+FF01..U+FF5E (＾ for ^, ＝ for =, ｜ for |);
//   - a non-ASCII delimiter, and each byte that is not part of valid UTF-8, by U+FFFD �.
const substLen = 3

// textClass says which bytes of one kind of text (keys, values, header fields) are replaced, for one delimiter.
type textClass struct {
	// c1..c3 repeat, in all eight bytes, the printable ASCII bytes to replace besides the controls (0x7f, which
	// is replaced anyway, fills the unused ones), for plainBits.
	c1, c2, c3 uint64
	// ascii says, for each ASCII byte, what it becomes: 0 itself, 1 its Control Picture, 2 its fullwidth form.
	ascii [utf8.RuneSelf]uint8
	// delim is a non-ASCII delimiter, which is replaced by U+FFFD; 0 when the delimiter is ASCII.
	delim rune
}

const (
	subNone = iota
	subPicture
	subFullwidth
)

// newTextClass builds the class that replaces the controls, DEL and the given ASCII bytes, and delim when it is
// not ASCII (delim 0: none).
func newTextClass(delim rune, replace ...byte) *textClass {
	t := &textClass{}
	for c := range 0x20 {
		t.ascii[c] = subPicture
	}
	t.ascii[0x7f] = subPicture
	words := []uint64{ones * 0x7f, ones * 0x7f, ones * 0x7f}
	n := 0
	add := func(c byte) {
		if t.ascii[c] != subNone {
			return
		}
		t.ascii[c] = subFullwidth
		words[n] = ones * uint64(c)
		n++
	}
	if delim >= utf8.RuneSelf {
		t.delim = delim
	} else if delim > 0 {
		add(byte(delim)) // a tab is a control already
	}
	for _, c := range replace {
		add(c)
	}
	t.c1, t.c2, t.c3 = words[0], words[1], words[2]
	return t
}

// SWAR constants: ones has 0x01 in every byte, highs 0x80, lows 0x7f.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	lows  = 0x7f7f7f7f7f7f7f7f
)

// valueBits is plainBits with one byte to test, c1, besides the controls: what values need.
func valueBits(w, c1 uint64) uint64 {
	x := w & lows
	return (x+ones*0x60)&^(x+ones)&((x^c1)+lows) | w
}

// plainBits returns, for each of the eight bytes of w, 0x80 when the byte stays as it is (or is non-ASCII, which
// the caller checks separately) and 0 when it is a control, DEL, or one of the bytes of c1, c2, c3. On the low
// seven bits x of each byte every sum stays inside its byte, so each test is exact per byte: x+0x60 reaches 0x80
// iff x >= 0x20, x+0x01 iff x == 0x7f, (x^c)+0x7f iff x != c.
func plainBits(w, c1, c2, c3 uint64) uint64 {
	x := w & lows
	return (x+ones*0x60)&^(x+ones)&((x^c1)+lows)&((x^c2)+lows)&((x^c3)+lows) | w
}

// copyPlain copies s into buf (len(buf) >= len(s)) and reports whether s is sent unchanged in class t, in one
// pass. It writes only buf[:len(s)], also when it returns false.
func (t *textClass) copyPlain(buf []byte, s string) bool {
	ok, all := t.scan(buf, s)
	return t.verdict(s, ok, all)
}

// verdict completes scan: s is plain if no byte was flagged and, when it has non-ASCII bytes, it is valid UTF-8
// without a non-ASCII delimiter.
func (t *textClass) verdict(s string, ok, all uint64) bool {
	if ok&highs != highs {
		return false
	}
	if all&highs == 0 {
		return true
	}
	return utf8.ValidString(s) && (t.delim == 0 || !containsRune(s, t.delim))
}

// scan copies s into buf (len(buf) >= len(s)) eight bytes at a time and tests the bytes as it copies them: the
// last word of a string of 8 bytes or more overlaps the one before it, a string of 4 to 7 bytes is two
// overlapping 4-byte words, and a shorter one its first, middle and last byte padded with 'a' (letters are never
// replaced). It returns the AND of plainBits (s needs no substitute if ok&highs == highs and verdict agrees) and
// the OR of the words (s is ASCII if all&highs == 0). It writes only buf[:len(s)].
func (t *textClass) scan(buf []byte, s string) (ok, all uint64) {
	n := len(s)
	switch {
	case n >= 8:
		buf = buf[:n]
		ok = highs
		for i := 0; i+8 < n; i += 8 {
			w := chars.Load64(s, i)
			binary.LittleEndian.PutUint64(buf[i:], w)
			ok &= plainBits(w, t.c1, t.c2, t.c3)
			all |= w
		}
		w := chars.Load64(s, n-8)
		binary.LittleEndian.PutUint64(buf[n-8:], w)
		return ok & plainBits(w, t.c1, t.c2, t.c3), all | w
	case n >= 4:
		buf = buf[:n]
		a, b := chars.Load32(s, 0), chars.Load32(s, n-4)
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
		w := uint64(a) | uint64(b)<<32
		return plainBits(w, t.c1, t.c2, t.c3), w
	case n > 0:
		buf = buf[:n]
		a, b, c := s[0], s[n/2], s[n-1]
		buf[0], buf[n/2], buf[n-1] = a, b, c
		w := uint64(a) | uint64(b)<<8 | uint64(c)<<16 | (ones*'a')&^0xffffff
		return plainBits(w, t.c1, t.c2, t.c3), w
	}
	return highs, 0
}

// scanValue is scan for the class of values, which replaces one printable ASCII byte at most (c1).
func (t *textClass) scanValue(buf []byte, s string) (ok, all uint64) {
	n := len(s)
	switch {
	case n >= 8:
		buf = buf[:n]
		ok = highs
		for i := 0; i+8 < n; i += 8 {
			w := chars.Load64(s, i)
			binary.LittleEndian.PutUint64(buf[i:], w)
			ok &= valueBits(w, t.c1)
			all |= w
		}
		w := chars.Load64(s, n-8)
		binary.LittleEndian.PutUint64(buf[n-8:], w)
		return ok & valueBits(w, t.c1), all | w
	case n >= 4:
		buf = buf[:n]
		a, b := chars.Load32(s, 0), chars.Load32(s, n-4)
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
		w := uint64(a) | uint64(b)<<32
		return valueBits(w, t.c1), w
	case n > 0:
		buf = buf[:n]
		a, b, c := s[0], s[n/2], s[n-1]
		buf[0], buf[n/2], buf[n-1] = a, b, c
		w := uint64(a) | uint64(b)<<8 | uint64(c)<<16 | (ones*'a')&^0xffffff
		return valueBits(w, t.c1), w
	}
	return highs, 0
}

// containsRune is strings.ContainsRune for a valid UTF-8 s.
func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// appendText appends s in class t below limit (an index into dst; math.MaxInt: none), replacing what t replaces,
// and at most maxRunes characters (0: no limit). It never splits a character or a substitute: when the next one
// does not fit it stops and returns ok false. changed reports a substitute.
func (t *textClass) appendText(dst []byte, s string, limit, maxRunes int) (out []byte, ok, changed bool) {
	if len(dst)+len(s) <= limit && (maxRunes == 0 || len(s) <= maxRunes) {
		start := len(dst)
		dst = slices.Grow(dst, len(s))
		if t.copyPlain(dst[start:start+len(s)], s) {
			return dst[:start+len(s)], true, false
		}
	}
	runes := 0
	for i := 0; i < len(s); {
		if maxRunes > 0 && runes == maxRunes {
			return dst, false, changed
		}
		runes++
		c := s[i]
		if c < utf8.RuneSelf {
			switch t.ascii[c] {
			case subNone:
				if len(dst)+1 > limit {
					return dst, false, changed
				}
				dst = append(dst, c)
				i++
				continue
			case subPicture:
				r := rune(0x2400) + rune(c)
				if c == 0x7f {
					r = 0x2421
				}
				if dst, ok = appendSubst(dst, r, limit); !ok {
					return dst, false, changed
				}
			default: // subFullwidth
				if dst, ok = appendSubst(dst, 0xff01+rune(c)-0x21, limit); !ok {
					return dst, false, changed
				}
			}
			changed = true
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == t.delim {
			if dst, ok = appendSubst(dst, utf8.RuneError, limit); !ok {
				return dst, false, changed
			}
			changed = true
			i += size
			continue
		}
		if len(dst)+size > limit {
			return dst, false, changed
		}
		dst = append(dst, s[i:i+size]...)
		i += size
	}
	return dst, true, changed
}

// appendSubst appends the substitute r (3 bytes in UTF-8) if it fits below limit.
func appendSubst(dst []byte, r rune, limit int) ([]byte, bool) {
	if len(dst)+substLen > limit {
		return dst, false
	}
	return utf8.AppendRune(dst, r), true
}
