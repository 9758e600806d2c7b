package leef

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// substitute applies the substitutions to s: C0 controls become U+2400+c, DEL U+2421, each byte of invalid UTF-8
// U+FFFD, and a character for which special is true its fullwidth form (ASCII) or U+FFFD (not ASCII).
func substitute(s string, special func(rune) bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		case special(r) && r < 0x80:
			b.WriteRune(0xff01 + r - '!')
		case special(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// classes are the text classes of an encoder with delimiter d, with the characters each replaces (besides the
// controls and invalid UTF-8), for the model's substitute.
func classes(d rune) []struct {
	name    string
	c       *textClass
	special func(rune) bool
} {
	return []struct {
		name    string
		c       *textClass
		special func(rune) bool
	}{
		{"key", newTextClass(d, '=', '|'), func(r rune) bool { return r == d || r == '=' || r == '|' }},
		{"value", newTextClass(d), func(r rune) bool { return r == d }},
		{"field", newTextClass(0, '|'), func(r rune) bool { return r == '|' }},
	}
}

func TestAppendText(t *testing.T) {
	tests := []struct {
		d                rune
		class            int // 0 key, 1 value, 2 header field
		in, want         string
		limit, maxRunes  int // limit counts from the prefix "p"; 0: none
		wantOK, wantSubs bool
	}{
		{'\t', 1, "hello world", "hello world", 0, 0, true, false},
		{'\t', 1, "", "", 0, 0, true, false},
		{'\t', 1, "a\tb", "a␉b", 0, 0, true, true},
		{'\t', 1, "a=b|c^d", "a=b|c^d", 0, 0, true, false},
		{'\t', 0, "a=b|c^d", "a＝b｜c^d", 0, 0, true, true},
		{'^', 1, "a=b|c^d\te", "a=b|c＾d␉e", 0, 0, true, true},
		{'^', 0, "^", "＾", 0, 0, true, true},
		{'|', 1, "a|b", "a｜b", 0, 0, true, true},
		{'¦', 1, "a¦b|c", "a\uFFFDb|c", 0, 0, true, true},
		{'¦', 1, "\xc2", "\uFFFD", 0, 0, true, true},
		{'\t', 2, "Logon|Failure\n", "Logon｜Failure␊", 0, 0, true, true},
		{'\t', 2, "a^b=c", "a^b=c", 0, 0, true, false},
		{'\t', 1, "\x00\x1f\x7f", "␀␟␡", 0, 0, true, true},
		{'\t', 1, "\r\n", "␍␊", 0, 0, true, true},
		{'\t', 1, "caf\xc3", "caf\uFFFD", 0, 0, true, true},
		{'\t', 1, "\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD", 0, 0, true, true},
		{'\t', 1, "\uFFFD␊＾", "\uFFFD␊＾", 0, 0, true, false},
		{'\t', 1, "a\u0085b\u2028", "a\u0085b\u2028", 0, 0, true, false},
		{'\t', 1, "用户登录", "用户", 7, 0, false, false},      // cut at a character boundary
		{'\t', 1, "用户登录", "用户", 8, 0, false, false},      // not inside the third character
		{'\t', 1, "ab\ncd", "ab", 4, 0, false, false},    // the substitute does not fit whole
		{'\t', 1, "ab\ncd", "ab␊", 5, 0, false, true},    // it does
		{'\t', 1, "abcdef", "abcdef", 7, 0, true, false}, // fits exactly
		{'\t', 2, strings.Repeat("é", 300), strings.Repeat("é", 255), 0, 255, false, false},
		{'\t', 2, strings.Repeat("|", 300), strings.Repeat("｜", 255), 0, 255, false, true},
		{'\t', 2, strings.Repeat("é", 255), strings.Repeat("é", 255), 0, 255, true, false},
	}
	for _, tt := range tests {
		c := classes(tt.d)[tt.class]
		limit := math.MaxInt
		if tt.limit > 0 {
			limit = 1 + tt.limit
		}
		got, ok, subs := c.c.appendText([]byte("p"), tt.in, limit, tt.maxRunes)
		if string(got) != "p"+tt.want || ok != tt.wantOK || subs != tt.wantSubs {
			t.Errorf("%s %q appendText(%q, limit %d, max %d) = %q, %v, %v; want %q, %v, %v", c.name, tt.d, tt.in,
				tt.limit, tt.maxRunes, got[1:], ok, subs, tt.want, tt.wantOK, tt.wantSubs)
		}
	}
}

// FuzzText: appendText writes exactly the model's substitution of any text, in every class and for several
// delimiters; copyPlain (and scanValue for values) agrees with it; and under a limit it writes a prefix of it, cut between characters.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "a", "hello world", "a\tb=c|d^e", "\x00\x7f\xff", "用户登录\xe4\xb8", "abcdefgh^",
		"abcdefghijklmnop|", "\uFFFD¦‖", "0123456789abcde\n"} {
		f.Add(s, uint8(0), uint8(0))
	}
	delims := []rune{'\t', '^', '|', '#', '¦', '‖', '\\', ','}
	f.Fuzz(func(t *testing.T, s string, sel, limit uint8) {
		d := delims[int(sel)%len(delims)]
		for _, c := range classes(d) {
			want := substitute(s, c.special)
			got, ok, subs := c.c.appendText(nil, s, math.MaxInt, 0)
			if string(got) != want || !ok || subs != (want != s) {
				t.Fatalf("%s %q: appendText(%q) = %q, %v, %v; want %q", c.name, d, s, got, ok, subs, want)
			}
			buf := make([]byte, len(s))
			if plain := c.c.copyPlain(buf, s); plain != (want == s) || string(buf) != s {
				t.Fatalf("%s %q: copyPlain(%q) = %v, %q; the substitution is %q", c.name, d, s, plain, buf, want)
			}
			if c.name == "value" {
				ok, all := c.c.scanValue(buf, s)
				if plain := c.c.verdict(s, ok, all); plain != (want == s) || string(buf) != s {
					t.Fatalf("%q: scanValue(%q) says plain %v, %q; the substitution is %q", d, s, plain, buf, want)
				}
			}
			cut, ok, _ := c.c.appendText(nil, s, int(limit), 0)
			if ok != (len(want) <= int(limit)) || !strings.HasPrefix(want, string(cut)) || len(cut) > int(limit) ||
				!utf8.Valid(cut) || !ok && len(cut)+utf8.RuneLen([]rune(want[len(cut):])[0]) <= int(limit) {
				t.Fatalf("%s %q: appendText(%q, limit %d) = %q, %v; whole: %q", c.name, d, s, limit, cut, ok, want)
			}
		}
	})
}
