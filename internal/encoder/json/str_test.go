package jsonenc

import (
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	for _, c := range []struct {
		in        string
		max       int
		want      string
		cut, sani bool
	}{
		{"plain", 100, `"plain"`, false, false},
		{`a"b\c`, 100, `"a\"b\\c"`, false, false},
		{"line\nbreak\x00", 100, `"line\nbreak\u0000"`, false, true},
		{"bad\xffutf8", 100, `"bad\ufffdutf8"`, false, true},
		{"abcdef", 3, `"abc"`, true, false},
		{"ab\ncd", 3, `"ab"`, true, false}, // the escape does not fit: cut before it, nothing escaped
		{"é1234", 1, `""`, true, false},    // nor does the two-byte rune
	} {
		got, cut, sani := AppendString([]byte("x"), c.in, c.max)
		if string(got) != "x"+c.want || cut != c.cut || sani != c.sani {
			t.Errorf("AppendString(%q, %d) = %s %v %v, want x%s %v %v", c.in, c.max, got, cut, sani, c.want, c.cut, c.sani)
		}
		var s string
		if err := json.Unmarshal(got[1:], &s); err != nil {
			t.Errorf("%s: %v", got[1:], err)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a\"\\\n\xff\u2028", 5)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		got, cut, _ := AppendString(nil, s, max)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q -> %s: %v", s, got, err)
		}
		if len(got)-2 > max {
			t.Fatalf("%q max %d: %d bytes", s, max, len(got)-2)
		}
		if !cut && back != canonical(s) {
			t.Fatalf("%q -> %s -> %q", s, got, back)
		}
	})
}
