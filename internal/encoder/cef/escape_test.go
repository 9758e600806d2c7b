package cef

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
)

// refValuePlain, refHeaderPlain and refAlnumNoX (keyWords) are the SWAR checks' references, a byte at a time.
func refValuePlain(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsAny(s, `\=`) && !hostile(s)
}

func refHeaderPlain(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsAny(s, `\|`) && !hostile(s)
}

func refAlnumNoX(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) || s[i] == 'x' {
			return false
		}
	}
	return true
}

// FuzzPlain compares valuePlain, headerPlain, keyWords, copyKey and copyValue (eight bytes at a time) with their references, for s and
// for every prefix of s, so that each length's word layout is covered.
func FuzzPlain(f *testing.F) {
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghi", "x=y", "a|b", "a\\b",
		"\x00", "\x1f", " ", "~", "\x7f", "\x80", "é", "用户登录", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD", "x", "abcdefgx",
		"0123456789abcdef0123456789abcdef\n", "4A6C1D6E-8B1F-4C2E-9E3A-1F2B3C4D5E6F", "AZaz09", "@[`{/:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for n := 0; n <= len(s); n++ {
			p := s[:n]
			if got, want := valuePlain(p), refValuePlain(p); got != want {
				t.Fatalf("valuePlain(%q) = %v, want %v", p, got, want)
			}
			got, ascii := headerPlain(p)
			wantASCII := true
			for i := 0; i < len(p); i++ {
				wantASCII = wantASCII && p[i] < utf8.RuneSelf
			}
			if want := refHeaderPlain(p); got != want || ascii != wantASCII {
				t.Fatalf("headerPlain(%q) = %v, %v; want %v, %v", p, got, ascii, want, wantASCII)
			}
			alnum, xs := keyWords(p)
			buf := make([]byte, len(p))
			calnum, cxs := copyKey(buf, p)
			if got, want := alnum == chars.Highs && xs == 0, refAlnumNoX(p); got != want || calnum != alnum || cxs != xs ||
				string(buf) != p {
				t.Fatalf("keyWords(%q) = %#x, %#x (copyKey %#x, %#x, %q); want alphanumeric without x: %v", p, alnum, xs,
					calnum, cxs, buf, want)
			}
			if alnum == chars.Highs && xs != 0 && !strings.Contains(p, "x") {
				t.Fatalf("keyWords(%q) finds an x", p)
			}
			vbuf := make([]byte, len(p))
			if plain, all := copyValue(vbuf, p); string(vbuf) != p ||
				(plain&chars.Highs == chars.Highs && (all&chars.Highs == 0 || utf8.ValidString(p))) != refValuePlain(p) {
				t.Fatalf("copyValue(%q) = %#x, %#x, copied %q", p, plain, all, vbuf)
			}
		}
	})
}

// TestAppendValueCuts sweeps the limit over a value of escapes, replacements and 1- to 4-byte characters: what is
// written is always a whole number of units of the uncut output, and at most one unit short of the limit.
func TestAppendValueCuts(t *testing.T) {
	v := strings.Repeat("a\\=\n\r\x01\x7f\xff用🎉 ", 20)
	var r Result
	full, ok := appendValue(nil, v, 1<<30, &r)
	if !ok || !r.Sanitized {
		t.Fatalf("full: ok %v, %+v", ok, r)
	}
	for limit := 0; limit <= len(full); limit++ {
		got, ok := appendValue([]byte("p"), v, limit+1, &r)
		got = got[1:]
		if !bytes.HasPrefix(full, got) || len(got) > limit || len(got) < limit-3 || ok != (len(got) == len(full)) {
			t.Fatalf("limit %d: %q (ok %v) is not a cut of %q", limit, got, ok, full)
		}
		if !utf8.Valid(got) || bytes.HasSuffix(got, []byte{'\\'}) && !bytes.HasSuffix(got, []byte(`\\`)) {
			t.Fatalf("limit %d: cut inside a character or escape: %q", limit, got)
		}
	}
}

// TestAppendHeaderField checks the character limit and the byte limit of a header field.
func TestAppendHeaderField(t *testing.T) {
	for _, tc := range []struct {
		in        string
		max, end  int
		want      string
		cut, sane bool
	}{
		{"plain", 63, 100, "plain", false, false},
		{"a|b\\c=d", 63, 100, `a\|b\\c=d`, false, true},
		{"line\nbreak\r\tx\x00\x7f\xff", 63, 100, "line␊break␍␉x␀␡\uFFFD", false, true},
		{strings.Repeat("v", 64), 63, 100, strings.Repeat("v", 63), true, false},
		{strings.Repeat("名", 64), 63, 1000, strings.Repeat("名", 63), true, false},
		{strings.Repeat("|", 63), 63, 1000, strings.Repeat(`\|`, 63), false, true},
		{strings.Repeat("|", 64), 63, 1000, strings.Repeat(`\|`, 63), true, true},
		{"ab|cd", 63, 3, "ab", true, false},
		{"ab|cd", 63, 4, `ab\|`, true, true},
		{"名名", 63, 5, "名", true, false},
		{"", 63, 0, "", false, false},
	} {
		var r Result
		got, ok := appendHeaderField(nil, tc.in, tc.max, tc.end, &r)
		if string(got) != tc.want || ok == tc.cut || r.Truncated != tc.cut || r.Sanitized != tc.sane {
			t.Errorf("appendHeaderField(%q, %d, %d) = %q, %v, %+v; want %q, cut %v, sanitized %v", tc.in, tc.max, tc.end,
				got, ok, r, tc.want, tc.cut, tc.sane)
		}
	}
}
