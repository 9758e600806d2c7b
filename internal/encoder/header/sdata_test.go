package header

import (
	"testing"

	"github.com/crewjam/rfc5424"
)

func TestValidateStructuredData(t *testing.T) {
	valid := []string{
		"",
		"-",
		`[siemship@32473]`,
		`[siemship@32473 src="sls"]`,
		`[siemship@32473 project="p1" logstore="audit"][origin ip="10.0.0.1"]`,
		`[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]`,
		`[meta sequenceId="1"][timeQuality tzKnown="1"]`,
		`[meta sequenceId="1"][timeQuality tzKnown="1"][origin ip="10.0.0.1"]`,
		`[a@1 k="v" k="w"][b@1.2.3 x=""]`,
		`[x@32473.1.2 v="a \"quoted\" \\ back\]slash"]`,
		`[x@1 v=""]`,
		`[x@1 v="日本語 ünïcödé"]`,
		`[abcdefghijklmnopqrstuvwxyz@12345 abcdefghijklmnopqrstuvwxyzabcdef="32-char name"]`,
	}
	for _, s := range valid {
		if err := ValidateStructuredData(s); err != nil {
			t.Errorf("ValidateStructuredData(%q) = %v", s, err)
			continue
		}
		if s == "" {
			s = "-"
		}
		// Oracle: crewjam's parser reads it back as structured data.
		var m rfc5424.Message
		if err := m.UnmarshalBinary([]byte("<14>1 2026-11-23T09:22:25Z h a p m " + s + " msg")); err != nil || string(m.Message) != "msg" {
			t.Errorf("crewjam rejects %q: %v (message %q)", s, err, m.Message)
		}
	}
	invalid := []struct {
		in   string
		want string
	}{
		{"x", "expected [ at byte 1"},
		{"env=prod", "expected [ at byte 1"},
		{"--", "expected [ at byte 1"},
		{"[", "expected an SD-ID at byte 2"},
		{"[]", "expected an SD-ID at byte 2"},
		{"[ ]", "expected an SD-ID at byte 2"},
		{"[[0@0]", "expected an SD-ID at byte 2"},
		{"[siemship]", "SD-ID siemship is neither registered (timeQuality, origin, meta) nor name@<enterprise number>"},
		{"[siemship@]", "SD-ID siemship@ must be name@<enterprise number>, e.g. origin@32473"},
		{"[@32473]", "SD-ID @32473 must be name@<enterprise number>, e.g. origin@32473"},
		{"[siemship@abc]", "SD-ID siemship@abc must be name@<enterprise number>, e.g. origin@32473"},
		{"[x@1.]", "SD-ID x@1. must be name@<enterprise number>, e.g. origin@32473"},
		{"[x@.1]", "SD-ID x@.1 must be name@<enterprise number>, e.g. origin@32473"},
		{"[siemship@32473", "missing ] to close [siemship@32473"},
		{`[x@1 k="v"`, "missing ] to close [x@1"},
		{"[siemship@32473]x", "expected [ at byte 17"},
		{"[x@1] [y@1]", "expected [ at byte 6"},
		{"[siemship@32473][siemship@32473]", "SD-ID siemship@32473 occurs twice"},
		{`[x@1 ]`, "expected a PARAM-NAME at byte 6"},
		{`[siemship@32473 k]`, `expected =" after k at byte 18`},
		{`[x@1 k=v]`, `expected =" after k at byte 7`},
		{`[x@1 k="v]`, `value of k: ] must be escaped as \]`},
		{`[x@1 k="v`, `value of k: missing closing "`},
		{`[siemship@32473 ="v"]`, "expected a PARAM-NAME at byte 17"},
		{`[x@1 k="v"x]`, "expected a space or ] at byte 11"},
		{`[x@1 k="a]b"]`, `value of k: ] must be escaped as \]`},
		{`[x@1 k="a\b"]`, `value of k: a \ must be followed by ", \ or ]`},
		{`[x@1 k="a` + "\n" + `b"]`, `value of k: control character '\n' is not allowed`},
		{`[x@1 k="a` + "\t" + `b"]`, `value of k: control character '\t' is not allowed`},
		{`[x@1 k="a` + "\x7f" + `b"]`, `value of k: control character '\x7f' is not allowed`},
		{`[x@1 k="a` + "\xff" + `b"]`, "value of k: not valid UTF-8"},
		{`[x@1 k"="v"]`, `expected =" after k at byte 7`},
		{`[x@1 a[b="v"]`, `expected =" after a at byte 7`},
		{"[abcdefghijklmnopqrstuvwxyzabcd@1234]", "SD-ID abcdefghijklmnopqrstuvwxyzabcd@1234 is longer than 32 characters"},
		{`[x@1 abcdefghijklmnopqrstuvwxyzabcdefg="v"]`, "PARAM-NAME abcdefghijklmnopqrstuvwxyzabcdefg is longer than 32 characters"},
		{"[sie\u00e9@32473]", "SD-ID sie is neither registered (timeQuality, origin, meta) nor name@<enterprise number>"},
		{"[x@1\tk=\"v\"]", "expected a space or ] at byte 5"},
	}
	for _, tt := range invalid {
		got := "<nil>"
		if err := ValidateStructuredData(tt.in); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("ValidateStructuredData(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzStructuredData uses crewjam/rfc5424's parser as an oracle: what we accept, it must parse, with the same
// number of elements, and New must accept it too.
func FuzzStructuredData(f *testing.F) {
	for _, s := range []string{`[origin@32473 env="prod"]`, `[a@1][b@2 k="\]"]`, `[meta x="1"]`, `[x@1 k="v`, `[`, `-`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, newErr := New(Options{Facility: 1, Severity: 6, StructuredData: s})
		if ValidateStructuredData(s) != nil {
			if newErr == nil {
				t.Fatalf("New accepts %q, ValidateStructuredData does not", s)
			}
			return
		}
		if newErr != nil {
			t.Fatalf("ValidateStructuredData accepts %q, New does not: %v", s, newErr)
		}
		if s == "" {
			return
		}
		var m rfc5424.Message
		if err := m.UnmarshalBinary([]byte("<14>1 2026-01-02T15:04:05Z host app 1 id " + s + " body")); err != nil {
			t.Fatalf("we accept %q, crewjam rejects it: %v", s, err)
		}
		if n := countElements(s); len(m.StructuredData) != n {
			t.Errorf("%q: crewjam found %d elements, we expect %d", s, len(m.StructuredData), n)
		}
		if string(m.Message) != "body" {
			t.Errorf("%q: crewjam read the message as %q", s, m.Message)
		}
	})
}

// countElements counts SD-ELEMENTs of valid structured data: '[' outside quoted values.
func countElements(s string) int {
	n, inValue := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case inValue && s[i] == '\\':
			i++
		case s[i] == '"':
			inValue = !inValue
		case !inValue && s[i] == '[':
			n++
		}
	}
	return n
}
