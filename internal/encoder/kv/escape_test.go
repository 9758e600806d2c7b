package kv

import (
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
)

// TestByteTables checks both tables of every separator against the escaping rules, byte by byte.
func TestByteTables(t *testing.T) {
	for _, sep := range fuzzSeparators {
		for _, key := range []bool{false, true} {
			tab := newByteTables(sep, key)
			for c := range 256 {
				b := byte(c)
				special := b < 0x20 || b == 0x7f || b == '\\' || b == sep[0] || (key && b == '=')
				if got := tab.class[c] != clPlain && tab.class[c] != clHigh; got != special {
					t.Errorf("sep %q key=%v byte %#x: class %d, special %v", sep, key, c, tab.class[c], special)
				}
				if (tab.class[c] == clHigh) != (b >= 0x80) {
					t.Errorf("sep %q key=%v byte %#x: class %d", sep, key, c, tab.class[c])
				}
				// plainBits must report exactly the special bytes, in every lane of the word.
				for lane := range 8 {
					w := chars.Ones*'a'&^(0xff<<(8*lane)) | uint64(b)<<(8*lane)
					bits := plainBits(w, tab.sepWord, tab.eqWord)
					if bits&chars.Highs != chars.Highs&^(0x80<<(8*lane)) && bits&chars.Highs != chars.Highs {
						t.Fatalf("sep %q key=%v byte %#x lane %d: other lanes changed: %#x", sep, key, c, lane, bits)
					}
					if got := bits>>(8*lane)&0x80 == 0; got != special {
						t.Errorf("sep %q key=%v byte %#x lane %d: plainBits says special=%v", sep, key, c, lane, got)
					}
				}
			}
		}
	}
}

// TestCopyPlain covers every length from 0 to 40 with one byte needing escaping (or a lone, invalid UTF-8 byte)
// at every position, and valid multi-byte runes, which are plain.
func TestCopyPlain(t *testing.T) {
	val := newByteTables("||", false)
	for n := range 41 {
		s := strings.Repeat("x", n)
		buf := make([]byte, n)
		if !copyPlain(buf, s, val) || string(buf) != s {
			t.Fatalf("n=%d: plain string not copied: %q", n, buf)
		}
		for p := range n {
			for _, c := range []byte{'\n', 0, '|', '\\', 0x80, 0x7f, 0xff} {
				b := []byte(s)
				b[p] = c
				if copyPlain(make([]byte, n), string(b), val) {
					t.Fatalf("n=%d: %q accepted as plain", n, b)
				}
			}
		}
		for p := 0; p+3 <= n; p++ {
			u := s[:p] + "用" + s[p+3:]
			buf := make([]byte, n)
			if !copyPlain(buf, u, val) || string(buf) != u {
				t.Fatalf("n=%d: valid UTF-8 %q not copied: %q", n, u, buf)
			}
		}
	}
}
