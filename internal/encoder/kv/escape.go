package kv

import (
	"encoding/binary"
	"slices"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
)

// Byte classes for appendEscaped. A zero class is copied as is.
const (
	clPlain     = iota
	clControl   // C0 controls and DEL: \n \r \t or \xHH
	clBackslash // '\' becomes \\
	clSepStart  // first byte of the separator: \<byte> where the separator starts
	clEquals    // '=' in keys: \=
	clHigh      // first byte of a multi-byte rune, or invalid UTF-8: \xHH
)

// byteTables classify the bytes of keys or of values for one separator.
type byteTables struct {
	class [256]uint8 // clPlain, clControl, ... for appendEscaped
	// sepWord and eqWord repeat, in all eight bytes, the two printable ASCII bytes besides '\' that copyPlain
	// must find: the separator's first byte, and '=' in keys (in values, where '=' is plain, the separator's
	// first byte again, which plainBits then tests only once).
	sepWord, eqWord uint64
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
	}
	t.sepWord, t.eqWord = chars.Ones*uint64(sep[0]), chars.Ones*uint64(sep[0])
	if key {
		t.eqWord = chars.Ones * '='
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
	run := 0 // s[run:i] is plain and not yet appended
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
			if dst, ok = chars.AppendRun(dst, s[run:i], limit); !ok {
				return dst, false
			}
		}
		r.Sanitized = true
		var b [4]byte
		n := 2
		b[0] = '\\'
		switch cl {
		case clControl, clHigh: // clHigh here is a byte of invalid UTF-8: escaped, so nothing is lost
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
		i++
		run = i
		if len(dst)+n > limit {
			return dst, false
		}
		dst = append(dst, b[:n]...)
	}
	if run < len(s) {
		return chars.AppendRun(dst, s[run:], limit)
	}
	return dst, true
}

// plainBits returns, for each of the eight bytes of w, 0x80 when the byte is a non-ASCII byte or an ASCII byte
// that needs no escaping, and 0 when it is a C0 control, DEL, '\', sepWord's byte or eqWord's byte. On the low
// seven bits of each byte (x, at most 0x7f) every sum below stays inside its byte, so the tests are exact per
// byte: x+0x60 reaches 0x80 iff x >= 0x20, x+0x01 iff x == 0x7f, and (x^c)+0x7f iff x != c. Values pass
// eqWord == sepWord and skip the fifth test (a well-predicted branch, cheaper than the test).
func plainBits(w, sepWord, eqWord uint64) uint64 {
	x := w & chars.Lows
	v := (x+chars.Ones*0x60)&^(x+chars.Ones)&((x^(chars.Ones*'\\'))+chars.Lows)&((x^sepWord)+chars.Lows) | w
	if eqWord != sepWord {
		v &= (x ^ eqWord) + chars.Lows | w
	}
	return v
}

// copyPlain copies s to buf (len(buf) >= len(s)) and reports whether no byte of it needs escaping, i.e. whether
// the copy is the escaped text. It writes only buf[:len(s)], also when it returns false.
func copyPlain(buf []byte, s string, t *byteTables) bool {
	plain, all := copyWords(buf, s, t.sepWord, t.eqWord)
	return plain&chars.Highs == chars.Highs && (all&chars.Highs == 0 || utf8.ValidString(s))
}

// copyWords copies s to buf (len(buf) >= len(s)) eight bytes at a time, without a branch per word: a load, a
// store and plainBits per word. The last word of a string of 8 bytes or more overlaps the one before it, a string
// of 4..7 bytes is two overlapping 4-byte words and a shorter one its first, middle and last byte (padded with
// 'a', which is plain everywhere). It returns the AND of plainBits (s needs no escaping if plain&highs == highs
// and it is valid UTF-8) and the OR of the words (s is ASCII if all&highs == 0). It writes only buf[:len(s)].
func copyWords(buf []byte, s string, sepWord, eqWord uint64) (plain, all uint64) {
	n := len(s)
	switch {
	case n >= 8:
		buf = buf[:n]
		plain = chars.Highs
		i := 0
		for ; i+8 < n; i += 8 {
			w := chars.Load64(s, i)
			binary.LittleEndian.PutUint64(buf[i:], w)
			plain &= plainBits(w, sepWord, eqWord)
			all |= w
		}
		w := chars.Load64(s, n-8)
		binary.LittleEndian.PutUint64(buf[n-8:], w)
		return plain & plainBits(w, sepWord, eqWord), all | w
	case n >= 4:
		buf = buf[:n]
		a, b := chars.Load32(s, 0), chars.Load32(s, n-4)
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
		w := uint64(a) | uint64(b)<<32
		return plainBits(w, sepWord, eqWord), w
	case n > 0:
		buf = buf[:n]
		a, b, c := s[0], s[n/2], s[n-1]
		buf[0], buf[n/2], buf[n-1] = a, b, c
		w := uint64(a) | uint64(b)<<8 | uint64(c)<<16 | (chars.Ones*'a')&^0xffffff
		return plainBits(w, sepWord, eqWord), w
	}
	return chars.Highs, 0
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
