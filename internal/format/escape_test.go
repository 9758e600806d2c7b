package format

import (
	"math/rand/v2"
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
						wantKey = wantKey || (keyTab[s[i]] != clPlain && keyTab[s[i]] != clHigh)
						wantVal = wantVal || (valTab[s[i]] != clPlain && valTab[s[i]] != clHigh)
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

// TestHasSpecialRandom compares hasSpecial with the byte tables on random words, mostly printable ASCII with
// a few special bytes each.
func TestHasSpecialRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keyTab, valTab := classTables("||")
	sepWord := ones * uint64('|')
	for range 1_000_000 {
		var w [8]byte
		for i := range w {
			if rng.IntN(6) == 0 {
				w[i] = byte(rng.Uint32())
			} else {
				w[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		s := string(w[:])
		wantKey, wantVal := false, false
		for i := range 8 {
			wantKey = wantKey || (keyTab[s[i]] != clPlain && keyTab[s[i]] != clHigh)
			wantVal = wantVal || (valTab[s[i]] != clPlain && valTab[s[i]] != clHigh)
		}
		if hasSpecial(load64(s, 0), sepWord, equalsWord) != wantKey || hasSpecial(load64(s, 0), sepWord, sepWord) != wantVal {
			t.Fatalf("word %q: hasSpecial disagrees with the tables", s)
		}
	}
}

// TestCopyPlain covers every length from 0 to 40 with one special byte (or a lone, invalid UTF-8 byte) at every
// position, and valid multi-byte runes, which are plain.
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
			for _, c := range []byte{'\n', '|', '\\', 0x80, 0x7f, 0xff} {
				b := []byte(s)
				b[p] = c
				if copyPlain(make([]byte, n), string(b), valTab, sepWord, sepWord) {
					t.Fatalf("n=%d: %q accepted as plain", n, b)
				}
			}
		}
		if n >= 3 {
			for p := 0; p+3 <= n; p++ {
				u := s[:p] + "用" + s[p+3:]
				buf := make([]byte, n)
				if !copyPlain(buf, u, valTab, sepWord, sepWord) || string(buf) != u {
					t.Fatalf("n=%d: valid UTF-8 %q not copied: %q", n, u, buf)
				}
			}
		}
	}
}
