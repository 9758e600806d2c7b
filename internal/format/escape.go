package format

import (
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

// Flags of the fast tables: OR-ed over a whole string, they tell whether it can be copied as is.
const (
	fastSpecial = 0x01 // an ASCII byte that needs escaping (or a separator check)
	fastHigh    = 0x80 // a byte from 0x80: the string must be checked to be valid UTF-8
)

// byteTables classify the bytes of keys or of values for one separator.
type byteTables struct {
	class [256]uint8 // clPlain, clControl, ... for appendEscaped
	fast  [256]uint8 // 0, fastSpecial or fastHigh for copyPlain
}

// newByteTables builds the tables of keys (which also escape '=') or values for a separator.
func newByteTables(sep string, key bool) *byteTables {
	t := new(byteTables)
	for c := range 256 {
		var cl uint8
		switch {
		case c < 0x20 || c == 0x7f:
			cl = clControl
		case c == '\\':
			cl = clBackslash
		case c == int(sep[0]):
			cl = clSepStart
		case c == '=' && key:
			cl = clEquals
		case c >= utf8.RuneSelf:
			cl = clHigh
		}
		t.class[c] = cl
		switch cl {
		case clPlain:
		case clHigh:
			t.fast[c] = fastHigh
		default:
			t.fast[c] = fastSpecial
		}
	}
	return t
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends s escaped by the rules of the package doc. next is the text that follows s in the
// payload (the separator after a value, the tag key after "__tag__:", "" after a key, which '=' follows): a
// separator byte of s is escaped when the separator starts there in s+next. The output never exceeds limit: it
// stops before the first rune or escape sequence that does not fit and returns false.
func (e *Encoder) appendEscaped(dst []byte, s, next string, t *byteTables, limit int, r *Result) ([]byte, bool) {
	if len(dst)+len(s) <= limit {
		start := len(dst)
		dst = slices.Grow(dst, len(s))
		if copyPlain(dst[start:start+len(s)], s, t) {
			return dst[:start+len(s)], true
		}
	}
	tab := &t.class
	run := 0         // s[run:i] is plain and not yet appended
	invalidEnd := -1 // index after the last invalid byte, to replace a run of them by one U+FFFD
	var ok bool
	for i := 0; i < len(s); {
		c := s[i]
		cl := tab[c]
		switch cl {
		case clPlain:
			i++
			continue
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

// copyPlain copies s to buf (len(buf) >= len(s)) when no byte of it needs escaping and reports whether it did.
// It ORs the fast-table flags of all bytes (four independent accumulators, no branch per byte) and checks a
// string with non-ASCII bytes to be valid UTF-8. This beats an 8-bytes-at-a-time bit trick on the short keys and
// values of real records.
func copyPlain(buf []byte, s string, t *byteTables) bool {
	tab := &t.fast
	var a0, a1, a2, a3 uint8
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a0 |= tab[s[i]]
		a1 |= tab[s[i+1]]
		a2 |= tab[s[i+2]]
		a3 |= tab[s[i+3]]
	}
	for ; i < len(s); i++ {
		a0 |= tab[s[i]]
	}
	a := a0 | a1 | a2 | a3
	if a&fastSpecial != 0 || a&fastHigh != 0 && !utf8.ValidString(s) {
		return false
	}
	copy(buf, s)
	return true
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
