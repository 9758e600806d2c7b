package leef

import (
	"unicode/utf8"
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

// plainBits returns, for each of the eight bytes of w, 0x80 when the byte stays as it is (or is non-ASCII, which
// the caller checks separately) and 0 when it is a control, DEL, or one of the bytes of c1, c2, c3. On the low
// seven bits x of each byte every sum stays inside its byte, so each test is exact per byte: x+0x60 reaches 0x80
// iff x >= 0x20, x+0x01 iff x == 0x7f, (x^c)+0x7f iff x != c.
func plainBits(w, c1, c2, c3 uint64) uint64 {
	x := w & lows
	return (x+ones*0x60)&^(x+ones)&((x^c1)+lows)&((x^c2)+lows)&((x^c3)+lows) | w
}

// load64 reads s[i:i+8] little-endian; the compiler merges it into one load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plain reports whether s is sent unchanged in class t: valid UTF-8 without a byte or character that t replaces.
// It tests eight bytes at a time: the last word of a string of 8 bytes or more overlaps the one before it, a
// string of 4 to 7 bytes is two overlapping 4-byte words, and a shorter one its first, middle and last byte padded
// with 'a' (letters are never replaced).
func (t *textClass) plain(s string) bool {
	n := len(s)
	var ok, all uint64
	switch {
	case n >= 8:
		ok = highs
		for i := 0; i+8 < n; i += 8 {
			w := load64(s, i)
			ok &= plainBits(w, t.c1, t.c2, t.c3)
			all |= w
		}
		w := load64(s, n-8)
		ok &= plainBits(w, t.c1, t.c2, t.c3)
		all |= w
	case n >= 4:
		w := uint64(load32(s, 0)) | uint64(load32(s, n-4))<<32
		ok, all = plainBits(w, t.c1, t.c2, t.c3), w
	case n > 0:
		w := uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16 | (ones*'a')&^0xffffff
		ok, all = plainBits(w, t.c1, t.c2, t.c3), w
	default:
		return true
	}
	if ok&highs != highs {
		return false
	}
	if all&highs == 0 {
		return true
	}
	return utf8.ValidString(s) && (t.delim == 0 || !containsRune(s, t.delim))
}

// load32 reads s[i:i+4] little-endian; the compiler merges it into one load.
func load32(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
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
	if len(dst)+len(s) <= limit && (maxRunes == 0 || len(s) <= maxRunes) && t.plain(s) {
		return append(dst, s...), true, false
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
