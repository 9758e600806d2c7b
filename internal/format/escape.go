package format

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"
)

// Byte classes for appendEscaped. A zero class is copied as is.
const (
	clPlain     = iota
	clControl   // C0 controls and DEL: \n \r \t or \xHH
	clBackslash // '\' becomes \\
	clSepStart  // first byte of the separator: \<byte> where the separator starts
	clEquals    // '=' in keys: \=
	clHigh      // first byte of a multi-byte rune, or invalid UTF-8
)

// classTables builds the byte classes of keys and values for a separator.
func classTables(sep string) (key, val *[256]uint8) {
	key, val = new([256]uint8), new([256]uint8)
	for c := range 256 {
		var cl uint8
		switch {
		case c < 0x20 || c == 0x7f:
			cl = clControl
		case c == '\\':
			cl = clBackslash
		case c >= utf8.RuneSelf:
			cl = clHigh
		}
		key[c], val[c] = cl, cl
	}
	key[sep[0]], val[sep[0]] = clSepStart, clSepStart
	key['='] = clEquals
	return key, val
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends s escaped by the rules of the package doc. next is the text that follows s in the
// payload (the separator after a value, the tag key after "__tag__:", "" after a key, which '=' follows): a
// separator byte of s is escaped when the separator starts there in s+next. The output never exceeds limit: it
// stops before the first rune or escape sequence that does not fit and returns false.
func (e *Encoder) appendEscaped(dst []byte, s, next string, tab *[256]uint8, limit int, r *Result) ([]byte, bool) {
	eqWord := e.sepWord // values: '=' is plain, so test the separator byte twice
	if tab == e.keyTab {
		eqWord = equalsWord
	}
	if len(dst)+len(s) <= limit {
		if out, ok := appendPlain(dst, s, tab, e.sepWord, eqWord); ok {
			return out, true
		}
	}
	run := 0         // s[run:i] is plain and not yet appended
	invalidEnd := -1 // index after the last invalid byte, to replace a run of them by one U+FFFD
	var ok bool
	i := 0
	for {
		// Skip plain bytes eight at a time; the last (or only) word overlaps bytes already known to be plain or
		// is built from two overlapping 4-byte loads, which can only add false alarms the byte loop resolves.
		if rem := len(s) - i; rem >= 8 {
			for i+8 <= len(s) && !hasSpecialOrHigh(load64(s, i), e.sepWord, eqWord) {
				i += 8
			}
			if i < len(s) && i+8 > len(s) && !hasSpecialOrHigh(load64(s, len(s)-8), e.sepWord, eqWord) {
				i = len(s)
			}
		} else if rem >= 4 && !hasSpecialOrHigh(uint64(load32(s, i))|uint64(load32(s, len(s)-4))<<32, e.sepWord, eqWord) {
			i = len(s)
		}
		for i < len(s) && tab[s[i]] == clPlain {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		cl := tab[c]
		switch cl {
		case clHigh:
			if rn, size := utf8.DecodeRuneInString(s[i:]); rn != utf8.RuneError || size > 1 {
				i += size
				continue
			}
		case clSepStart:
			if !e.sepAt(s, i, next) {
				i++
				continue
			}
		}
		if run < i {
			if dst, ok = appendRun(dst, s[run:i], limit); !ok {
				return dst, false
			}
		}
		r.Sanitized = true
		var b [4]byte
		n := 2
		b[0] = '\\'
		switch cl {
		case clHigh:
			i++
			run = i
			if invalidEnd == i-1 {
				invalidEnd = i
				continue
			}
			invalidEnd = i
			b[0], b[1], b[2], n = 0xef, 0xbf, 0xbd, 3
		case clControl:
			switch c {
			case '\n':
				b[1] = 'n'
			case '\r':
				b[1] = 'r'
			case '\t':
				b[1] = 't'
			default:
				b[1], b[2], b[3], n = 'x', hexDigits[c>>4], hexDigits[c&15], 4
			}
		default: // clBackslash, clSepStart, clEquals
			b[1] = c
		}
		if cl != clHigh {
			i++
			run = i
		}
		if len(dst)+n > limit {
			return dst, false
		}
		dst = append(dst, b[:n]...)
	}
	if run < len(s) {
		return appendRun(dst, s[run:], limit)
	}
	return dst, true
}

// appendPlain is the fast path of appendEscaped: it appends s when no byte of it needs escaping. It returns
// false with len(dst) unchanged when a byte may need escaping.
func appendPlain(dst []byte, s string, tab *[256]uint8, sepWord, eqWord uint64) ([]byte, bool) {
	dst = slices.Grow(dst, len(s))
	start := len(dst)
	if !copyPlain(dst[start:start+len(s)], s, tab, sepWord, eqWord) {
		return dst, false
	}
	return dst[:start+len(s)], true
}

// copyPlain copies s to buf (len(buf) >= len(s)) eight bytes at a time while checking that no byte needs
// escaping (the last word overlaps the one before it; strings of 4..7 bytes use two overlapping 4-byte words).
// Non-ASCII bytes are copied and, if there were any, the whole string is then checked to be valid UTF-8. It
// returns false when a byte may need escaping, having written only into buf[:len(s)].
func copyPlain(buf []byte, s string, tab *[256]uint8, sepWord, eqWord uint64) bool {
	n := len(s)
	var seen uint64 // OR of all words, to know whether any byte was non-ASCII
	switch {
	case n >= 8:
		buf = buf[:n]
		i := 0
		for ; i+8 <= n; i += 8 {
			x := load64(s, i)
			if hasSpecial(x, sepWord, eqWord) {
				return false
			}
			seen |= x
			binary.LittleEndian.PutUint64(buf[i:], x)
		}
		if i < n {
			x := load64(s, n-8)
			if hasSpecial(x, sepWord, eqWord) {
				return false
			}
			seen |= x
			binary.LittleEndian.PutUint64(buf[n-8:], x)
		}
	case n >= 4:
		buf = buf[:n]
		a, b := load32(s, 0), load32(s, n-4)
		x := uint64(a) | uint64(b)<<32
		if hasSpecial(x, sepWord, eqWord) {
			return false
		}
		seen = x
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
	default:
		buf = buf[:n]
		for i := range n {
			c := s[i]
			if cl := tab[c]; cl != clPlain && cl != clHigh {
				return false
			}
			seen |= uint64(c)
			buf[i] = c
		}
	}
	return seen&highs == 0 || utf8.ValidString(s)
}

// SWAR constants: ones has 0x01 in every byte, highs 0x80.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080

	equalsWord = ones * '=' // keys escape '='
)

// hasSpecial reports whether one of the eight bytes in x is an ASCII byte that may need escaping: a C0
// control, DEL, '\\', the separator's first byte (sepWord) or eqWord's byte. Bytes from 0x80 are not reported
// (see hasSpecialOrHigh). Each test is the exact "has a byte below n / equal to zero" bit trick: a borrow starts
// only at a matching byte, so the boolean result is exact.
func hasSpecial(x, sepWord, eqWord uint64) bool {
	ctl := (x - ones*0x20) &^ x
	del := x ^ (ones * 0x7f)
	del = (del - ones) &^ del
	bs := x ^ (ones * '\\')
	bs = (bs - ones) &^ bs
	sp := x ^ sepWord
	sp = (sp - ones) &^ sp
	eq := x ^ eqWord
	eq = (eq - ones) &^ eq
	return (ctl|del|bs|sp|eq)&highs != 0
}

// hasSpecialOrHigh is hasSpecial that also reports bytes from 0x80.
func hasSpecialOrHigh(x, sepWord, eqWord uint64) bool {
	return x&highs != 0 || hasSpecial(x, sepWord, eqWord)
}

// load32 reads s[i:i+4] little-endian.
func load32(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// load64 reads s[i:i+8] little-endian; the compiler merges it into one load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// sepAt reports whether the separator starts at s[i] in s+next (s[i] == sep[0] is known).
func (e *Encoder) sepAt(s string, i int, next string) bool {
	sep := e.sep
	for k := 1; k < len(sep); k++ {
		j := i + k
		var c byte
		switch {
		case j < len(s):
			c = s[j]
		case j-len(s) < len(next):
			c = next[j-len(s)]
		default:
			return false
		}
		if c != sep[k] {
			return false
		}
	}
	return true
}

// appendRun appends valid UTF-8 text, or as much of it as fits below limit cut at a rune boundary.
func appendRun(dst []byte, run string, limit int) ([]byte, bool) {
	if len(dst)+len(run) <= limit {
		return append(dst, run...), true
	}
	n := max(limit-len(dst), 0)
	for n > 0 && run[n]&0xc0 == 0x80 {
		n--
	}
	return append(dst, run[:n]...), false
}
