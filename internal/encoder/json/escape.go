package jsonenc

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
)

// plainBits returns, for each of the eight bytes of w, 0x80 when the byte is a non-ASCII byte or an ASCII byte
// that a JSON string carries as is, and 0 when it is a C0 control, DEL, '"' or '\'. On the low seven bits of each
// byte (x, at most 0x7f) every sum below stays inside its byte, so the tests are exact per byte: x+0x60 reaches
// 0x80 iff x >= 0x20, x+0x01 iff x == 0x7f, and (x^c)+0x7f iff x != c.
func plainBits(w uint64) uint64 {
	x := w & chars.Lows
	return (x+chars.Ones*0x60)&^(x+chars.Ones)&((x^(chars.Ones*'\\'))+chars.Lows)&((x^(chars.Ones*'"'))+chars.Lows) | w
}

// copyWords copies s to buf (len(buf) >= len(s)) eight bytes at a time, without a branch per word: a load, a
// store and plainBits per word. The last word of a string of 8 bytes or more overlaps the one before it, a string
// of 4..7 bytes is two overlapping 4-byte words and a shorter one its first, middle and last byte (padded with
// 'a'). It returns the AND of plainBits (no ASCII byte of s needs escaping if plain&highs == highs) and the OR of
// the words (s is ASCII if all&highs == 0). It writes only buf[:len(s)].
func copyWords(buf []byte, s string) (plain, all uint64) {
	n := len(s)
	switch {
	case n >= 8:
		buf = buf[:n]
		plain = chars.Highs
		i := 0
		for ; i+8 < n; i += 8 {
			w := chars.Load64(s, i)
			binary.LittleEndian.PutUint64(buf[i:], w)
			plain &= plainBits(w)
			all |= w
		}
		w := chars.Load64(s, n-8)
		binary.LittleEndian.PutUint64(buf[n-8:], w)
		return plain & plainBits(w), all | w
	case n >= 4:
		buf = buf[:n]
		a, b := chars.Load32(s, 0), chars.Load32(s, n-4)
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
		w := uint64(a) | uint64(b)<<32
		return plainBits(w), w
	case n > 0:
		buf = buf[:n]
		a, b, c := s[0], s[n/2], s[n-1]
		buf[0], buf[n/2], buf[n-1] = a, b, c
		w := uint64(a) | uint64(b)<<8 | uint64(c)<<16 | (chars.Ones*'a')&^0xffffff
		return plainBits(w), w
	}
	return chars.Highs, 0
}

// copyKey is copyWords for a key: it also returns its keyHash, from the words it loads anyway.
func copyKey(buf []byte, s string) (plain, all, hash uint64) {
	n := len(s)
	switch {
	case n >= 8:
		buf = buf[:n]
		first, last := chars.Load64(s, 0), chars.Load64(s, n-8)
		plain, all = plainBits(first), first
		binary.LittleEndian.PutUint64(buf, first)
		for i := 8; i+8 < n; i += 8 {
			w := chars.Load64(s, i)
			binary.LittleEndian.PutUint64(buf[i:], w)
			plain &= plainBits(w)
			all |= w
		}
		binary.LittleEndian.PutUint64(buf[n-8:], last)
		return plain & plainBits(last), all | last, mixKey(first, last, n)
	case n >= 4:
		buf = buf[:n]
		a, b := chars.Load32(s, 0), chars.Load32(s, n-4)
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
		w := uint64(a) | uint64(b)<<32
		return plainBits(w), w, mixKey(uint64(a), uint64(b), n)
	case n > 0:
		buf = buf[:n]
		a, b, c := s[0], s[n/2], s[n-1]
		buf[0], buf[n/2], buf[n-1] = a, b, c
		w := uint64(a) | uint64(b)<<8 | uint64(c)<<16
		return plainBits(w | (chars.Ones*'a')&^0xffffff), w, mixKey(w, 0, n)
	}
	return chars.Highs, 0, mixKey(0, 0, 0)
}

// plainUTF8 reports whether b, which holds no byte that plainBits rejects, is the text of a JSON string as is:
// valid UTF-8 without U+2028 or U+2029 (sent as \u2028 and \u2029).
func plainUTF8(b []byte) bool {
	return utf8.Valid(b) && !hasLineSeparator(b)
}

// hasLineSeparator reports whether b holds U+2028 or U+2029 (E2 80 A8, E2 80 A9).
func hasLineSeparator(b []byte) bool {
	for {
		i := slices.Index(b, 0xe2)
		if i < 0 || i+2 >= len(b) {
			return false
		}
		if b[i+1] == 0x80 && b[i+2]&0xfe == 0xa8 {
			return true
		}
		b = b[i+1:]
	}
}

// escaped is what appendEscaped writes for an ASCII byte that is not plain: a short escape or \u00XX (lower-case
// hex, as encoding/json writes them). Plain bytes have "".
var escaped = func() (t [128]string) {
	const hex = "0123456789abcdef"
	for c := range 0x20 {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&15])
	}
	t['\b'], t['\f'], t['\n'], t['\r'], t['\t'] = `\b`, `\f`, `\n`, `\r`, `\t`
	t['"'], t['\\'], t[0x7f] = `\"`, `\\`, `\u007f`
	return t
}()

// appendEscaped appends s as the inside of a JSON string: '"', '\', C0 controls and DEL escaped (\" \\ \b \f \n
// \r \t, \u00XX otherwise), U+2028 and U+2029 as \u2028 and \u2029, each byte that is not part of valid UTF-8 as
// \ufffd; everything else as is. It never goes beyond limit: it stops before the first rune or escape sequence
// that does not fit and returns false. A control character or invalid UTF-8 sets st.sanitized; invalid UTF-8 in a
// key (key true) also sets st.lossyKey.
func appendEscaped(dst []byte, s string, limit int, key bool, st *state) ([]byte, bool) {
	run := 0 // s[run:i] is plain and not yet appended
	var ok bool
	for i := 0; i < len(s); {
		if i+8 <= len(s) { // skip plain ASCII a word at a time
			if w := chars.Load64(s, i); w&chars.Highs == 0 && plainBits(w)&chars.Highs == chars.Highs {
				i += 8
				continue
			}
		}
		c := s[i]
		var esc string
		size := 1
		sanitized, lossy := false, false
		switch {
		case c < utf8.RuneSelf:
			if esc = escaped[c]; esc == "" {
				i++
				continue
			}
			sanitized = c < 0x20 || c == 0x7f // not '"' or '\', which every JSON string escapes
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				esc, sanitized, lossy = `\ufffd`, true, true
			case r == '\u2028':
				esc = `\u2028`
			case r == '\u2029':
				esc = `\u2029`
			default:
				i += size
				continue
			}
		}
		if run < i {
			if dst, ok = chars.AppendRun(dst, s[run:i], limit); !ok {
				return dst, false
			}
		}
		if len(dst)+len(esc) > limit {
			return dst, false
		}
		dst = append(dst, esc...)
		st.sanitized = st.sanitized || sanitized
		st.lossyKey = st.lossyKey || lossy && key
		i += size
		run = i
	}
	if run < len(s) {
		return chars.AppendRun(dst, s[run:], limit)
	}
	return dst, true
}

// canonical is what a JSON decoder gives back for s as appendEscaped writes it: s with each byte that is not part
// of valid UTF-8 replaced by U+FFFD. Keys are unique in this form (see names.go).
func canonical(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
