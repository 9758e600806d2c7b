package format

import (
	"strings"
	"testing"
)

// TestHasSpecialExact checks the word-at-a-time test against the byte tables: every byte value at every position
// of a word, next to every possible neighbour byte (borrows and carries must not hide or invent a match that the
// byte loop would disagree with on a word without specials).
func TestHasSpecialExact(t *testing.T) {
	for _, sep := range fuzzSeparators {
		keyTab, valTab := classTables(sep)
		sepWord := ones * uint64(sep[0])
		for b := range 256 {
			for pos := range 8 {
				for _, fill := range []byte{'a', ' ', '~', '|', '_', 0x00, 0xff} {
					w := []byte(strings.Repeat(string(fill), 8))
					w[pos] = byte(b)
					s := string(w)
					wantKey, wantVal := false, false
					for i := range 8 {
						wantKey = wantKey || keyTab[s[i]] != clPlain
						wantVal = wantVal || valTab[s[i]] != clPlain
					}
					if got := hasSpecial(load64(s, 0), sepWord, equalsWord); got != wantKey {
						t.Fatalf("sep %q key word %q: hasSpecial = %v, want %v", sep, s, got, wantKey)
					}
					if got := hasSpecial(load64(s, 0), sepWord, sepWord); got != wantVal {
						t.Fatalf("sep %q value word %q: hasSpecial = %v, want %v", sep, s, got, wantVal)
					}
				}
			}
		}
	}
}

// TestCopyPlain covers every length from 0 to 40 with one special byte at every position.
func TestCopyPlain(t *testing.T) {
	_, valTab := classTables("||")
	sepWord := ones * uint64('|')
	for n := range 41 {
		s := strings.Repeat("x", n)
		buf := make([]byte, n)
		if !copyPlain(buf, s, valTab, sepWord, sepWord) || string(buf) != s {
			t.Fatalf("n=%d: plain string not copied: %q", n, buf)
		}
		for p := range n {
			for _, c := range []byte{'\n', '|', '\\', 0x80, 0x7f} {
				b := []byte(s)
				b[p] = c
				if copyPlain(make([]byte, n), string(b), valTab, sepWord, sepWord) {
					t.Fatalf("n=%d: %q accepted as plain", n, b)
				}
			}
		}
	}
}
