package cef

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
)

// What CEF cannot carry as is, and what is sent instead:
//
//	                          header field            extension value
//	'\'                       \\                      \\
//	'|'                       \|                      | (unchanged)
//	'='                       = (unchanged)           \=
//	LF, CR                    U+240A, U+240D          \n, \r
//	other C0 controls, DEL    U+2400+c, U+2421 (the Unicode Control Pictures: TAB is U+2409, ESC U+241B)
//	invalid UTF-8             U+FFFD for each byte that is not part of a valid UTF-8 character
//
// The standard has escapes for the first four rows only (header: \| and \\; extension: \\, \=, \n and \r), so a
// control byte other than a line break in a value, a line break in a header field and invalid UTF-8 cannot be
// sent: they are replaced by a visible character, which is the one lossy step. Each original character (a valid
// UTF-8 character or a replaced byte) becomes exactly one character of the parsed field, so the header fields'
// limits in characters count the same before and after.

// plainBits returns, for each byte of w, 0x80 when the byte needs no escaping (a non-ASCII byte counts as plain: the
// caller checks UTF-8) and 0 for a C0 control, DEL, '\' or the byte in every byte of c ('=' for values, '|' for
// header fields). On the low seven bits x of a byte no sum below carries into the next byte: x+0x60 reaches 0x80
// iff x >= 0x20, x+0x01 iff x == 0x7f, and (x^c)+0x7f iff x != c.
func plainBits(w, c uint64) uint64 {
	x := w & chars.Lows
	return (x+chars.Ones*0x60)&^(x+chars.Ones)&((x^(chars.Ones*'\\'))+chars.Lows)&((x^c)+chars.Lows) | w
}

// keyBits returns, for each byte of w, 0x80 in alnum when the byte is an ASCII letter or digit and 0x80 in xs
// when it is 'x' (or a non-ASCII byte whose low seven bits are 'x', which only costs the precise check).
// x+(0x80-lo) reaches 0x80 iff x >= lo, so a range lo..hi is (x+(0x80-lo)) &^ (x+(0x80-hi-1)). Setting bit 0x20
// turns upper-case letters into lower-case ones and no other byte into a letter, so one range finds both cases.
func keyBits(w uint64) (alnum, xs uint64) {
	x := w & chars.Lows
	y := x | chars.Ones*0x20
	digit := (x + chars.Ones*(0x80-'0')) &^ (x + chars.Ones*(0x80-'9'-1))
	letter := (y + chars.Ones*(0x80-'a')) &^ (y + chars.Ones*(0x80-'z'-1))
	return (digit | letter) &^ w & chars.Highs, ^((x ^ (chars.Ones * 'x')) + chars.Lows) & chars.Highs
}

// word returns the i-th of the words that cover s (len(s) > 0), little-endian: s[8i:8i+8] while it is whole, then
// the last eight bytes (overlapping the word before), or for a string shorter than eight bytes its bytes padded
// with 'a', which every check takes for plain. words is the number of words.
func words(s string) int { return (len(s) + 7) / 8 }

func word(s string, i int) uint64 {
	n := len(s)
	switch {
	case 8*i+8 <= n:
		return chars.Load64(s, 8*i)
	case n >= 8:
		return chars.Load64(s, n-8)
	case n >= 4:
		return uint64(chars.Load32(s, 0)) | uint64(chars.Load32(s, n-4))<<32
	}
	return uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16 | (chars.Ones*'a')&^0xffffff
}

// copyValue copies v to buf (len(buf) >= len(v)) a word at a time, as word reads them (a string of 8 bytes or more
// ends with a word that overlaps the one before; a shorter one is two overlapping 4-byte words or its first, middle
// and last byte), and returns the AND of plainBits of its words (v needs no escaping if plain&highs == highs and it
// is valid UTF-8) and their OR (v is ASCII if all&highs == 0). It writes only buf[:len(v)].
func copyValue(buf []byte, v string) (plain, all uint64) {
	n := len(v)
	switch {
	case n >= 8:
		buf = buf[:n]
		plain = chars.Highs
		i := 0
		for ; i+8 < n; i += 8 {
			w := chars.Load64(v, i)
			binary.LittleEndian.PutUint64(buf[i:], w)
			plain &= plainBits(w, chars.Ones*'=')
			all |= w
		}
		w := chars.Load64(v, n-8)
		binary.LittleEndian.PutUint64(buf[n-8:], w)
		return plain & plainBits(w, chars.Ones*'='), all | w
	case n >= 4:
		buf = buf[:n]
		a, b := chars.Load32(v, 0), chars.Load32(v, n-4)
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
		w := uint64(a) | uint64(b)<<32
		return plainBits(w, chars.Ones*'='), w
	case n > 0:
		buf = buf[:n]
		a, b, c := v[0], v[n/2], v[n-1]
		buf[0], buf[n/2], buf[n-1] = a, b, c
		w := uint64(a) | uint64(b)<<8 | uint64(c)<<16 | (chars.Ones*'a')&^0xffffff
		return plainBits(w, chars.Ones*'='), w
	}
	return chars.Highs, 0
}

// copyKey is copyValue for a key: it returns the AND of the alnum bits of keyBits over the words of k and the OR
// of their xs bits (k is alphanumeric if alnum == highs; it has no 'x' if xs == 0).
func copyKey(buf []byte, k string) (alnum, xs uint64) {
	n := len(k)
	switch {
	case n >= 8:
		buf = buf[:n]
		alnum = chars.Highs
		i := 0
		for ; i+8 < n; i += 8 {
			w := chars.Load64(k, i)
			binary.LittleEndian.PutUint64(buf[i:], w)
			a, x := keyBits(w)
			alnum, xs = alnum&a, xs|x
		}
		w := chars.Load64(k, n-8)
		binary.LittleEndian.PutUint64(buf[n-8:], w)
		a, x := keyBits(w)
		return alnum & a, xs | x
	case n >= 4:
		buf = buf[:n]
		a, b := chars.Load32(k, 0), chars.Load32(k, n-4)
		binary.LittleEndian.PutUint32(buf, a)
		binary.LittleEndian.PutUint32(buf[n-4:], b)
		return keyBits(uint64(a) | uint64(b)<<32)
	case n > 0:
		buf = buf[:n]
		a, b, c := k[0], k[n/2], k[n-1]
		buf[0], buf[n/2], buf[n-1] = a, b, c
		return keyBits(uint64(a) | uint64(b)<<8 | uint64(c)<<16 | (chars.Ones*'a')&^0xffffff)
	}
	return chars.Highs, 0
}

// valuePlain reports whether v is sent unchanged as an extension value: no '\', '=', control byte or DEL, and
// valid UTF-8.
func valuePlain(v string) bool {
	plain, all := uint64(chars.Highs), uint64(0)
	for i, n := 0, words(v); i < n; i++ {
		w := word(v, i)
		plain &= plainBits(w, chars.Ones*'=')
		all |= w
	}
	return plain&chars.Highs == chars.Highs && (all&chars.Highs == 0 || utf8.ValidString(v))
}

// headerPlain reports whether s is sent unchanged in a header field, length aside: no '\', '|', control byte or
// DEL, and valid UTF-8. ascii tells whether s is ASCII.
func headerPlain(s string) (plain, ascii bool) {
	p, all := uint64(chars.Highs), uint64(0)
	for i, n := 0, words(s); i < n; i++ {
		w := word(s, i)
		p &= plainBits(w, chars.Ones*'|')
		all |= w
	}
	ascii = all&chars.Highs == 0
	return p&chars.Highs == chars.Highs && (ascii || utf8.ValidString(s)), ascii
}

// keyWords returns what copyKey returns, without copying.
func keyWords(k string) (alnum, xs uint64) {
	alnum = chars.Highs
	for i, n := 0, words(k); i < n; i++ {
		a, x := keyBits(word(k, i))
		alnum, xs = alnum&a, xs|x
	}
	return alnum, xs
}

// replacement returns the character sent for a control byte or DEL c: its Unicode Control Picture.
func replacement(c byte) [3]byte {
	if c == 0x7f {
		return [3]byte{0xe2, 0x90, 0xa1} // U+2421
	}
	return [3]byte{0xe2, 0x90, 0x80 + c} // U+2400 + c
}

// unit returns the escape or replacement of the character at s[i] for an extension value (header false) or a header
// field (header true): out[:n] is what to send and size the bytes of s it stands for; n == 0 means the character
// is sent as is.
func unit(s string, i int, header bool) (out [3]byte, n, size int) {
	c := s[i]
	switch {
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return [3]byte{0xef, 0xbf, 0xbd}, 3, 1 // U+FFFD
		}
		return out, 0, size
	case c == '\\':
		return [3]byte{'\\', '\\'}, 2, 1
	case c == '=' && !header:
		return [3]byte{'\\', '='}, 2, 1
	case c == '|' && header:
		return [3]byte{'\\', '|'}, 2, 1
	case c == '\n' && !header:
		return [3]byte{'\\', 'n'}, 2, 1
	case c == '\r' && !header:
		return [3]byte{'\\', 'r'}, 2, 1
	case c < 0x20 || c == 0x7f:
		return replacement(c), 3, 1
	}
	return out, 0, 1
}

// appendValue appends v escaped for an extension value, all of it or, when it does not fit below limit, what fits
// cut before an escape, a replacement or a UTF-8 character; it returns false if it cut.
func appendValue(dst []byte, v string, limit int, r *Result) ([]byte, bool) {
	run := 0 // v[run:i] is sent as is and not yet appended
	for i := 0; i < len(v); {
		out, n, size := unit(v, i, false)
		if n == 0 {
			i += size
			continue
		}
		var ok bool
		if dst, ok = chars.AppendRun(dst, v[run:i], limit); !ok {
			return dst, false
		}
		r.Sanitized = true
		if len(dst)+n > limit {
			return dst, false
		}
		dst = append(dst, out[:n]...)
		i += size
		run = i
	}
	return chars.AppendRun(dst, v[run:], limit)
}

// appendHeaderField appends s escaped for a header field: at most maxChars characters, and never past end (an
// index into dst). When it cuts s it does so before a character or its escape, sets r.Truncated and returns
// false.
func appendHeaderField(dst []byte, s string, maxChars, end int, r *Result) ([]byte, bool) {
	if plain, ascii := headerPlain(s); plain && len(dst)+len(s) <= end &&
		(len(s) <= maxChars || !ascii && utf8.RuneCountInString(s) <= maxChars) {
		return append(dst, s...), true
	}
	chars := 0
	for i := 0; i < len(s); chars++ {
		out, n, size := unit(s, i, true)
		add := size
		if n > 0 {
			add = n
		}
		if chars == maxChars || len(dst)+add > end {
			r.Truncated = true
			return dst, false
		}
		if n == 0 {
			dst = append(dst, s[i:i+size]...)
		} else {
			r.Sanitized = true
			dst = append(dst, out[:n]...)
		}
		i += size
	}
	return dst, true
}
