package config

import (
	"testing"

	"github.com/crewjam/rfc5424"
)

func TestCheckStructuredData(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = valid
	}{
		{`[origin@32473]`, ""},
		{`[origin@32473 env="prod"]`, ""},
		{`[a@1 k="v" k="w"][b@1.2.3 x=""]`, ""},
		{`[meta sequenceId="1"][timeQuality tzKnown="1"][origin ip="10.0.0.1"]`, ""},
		{`[x@1 v="quote \" backslash \\ bracket \] done"]`, ""},
		{`[x@1 v="ünïcødé 日本"]`, ""},
		{``, "empty"},
		{`-`, "expected [ at byte 1"},
		{`env=prod`, "expected [ at byte 1"},
		{`[]`, "expected an SD-ID at byte 2"},
		{`[x@1`, "missing ] to close [x@1"},
		{`[x@1] [y@1]`, "expected [ at byte 6"},
		{`[x@1 ]`, "expected a PARAM-NAME at byte 6"},
		{`[x@1 k=v]`, `expected =" after k at byte 7`},
		{`[x@1 k="v]`, `value of k: ] must be escaped as \]`},
		{`[x@1 k="v`, `value of k: missing closing "`},
		{`[x@1 k="a\b"]`, `value of k: a \ must be followed by ", \ or ]`},
		{"[x@1 k=\"\xff\"]", "value of k: not valid UTF-8"},
		{`[x@1 k="v"`, "missing ] to close [x@1"},
		{`[x@1 k="v"x]`, "expected a space or ] at byte 11"},
		{`[x@1][x@1]`, "SD-ID x@1 occurs twice"},
		{`[custom k="v"]`, "SD-ID custom is neither registered (timeQuality, origin, meta) nor name@<enterprise number>"},
		{`[x@acme]`, "SD-ID x@acme must be name@<enterprise number>, e.g. origin@32473"},
		{`[@1]`, "SD-ID @1 must be name@<enterprise number>, e.g. origin@32473"},
		{`[x@1.]`, "SD-ID x@1. must be name@<enterprise number>, e.g. origin@32473"},
		{`[abcdefghijklmnopqrstuvwxyzabcd@1234]`, "SD-ID abcdefghijklmnopqrstuvwxyzabcd@1234 is longer than 32 characters"},
		{`[x@1 abcdefghijklmnopqrstuvwxyzabcdefg="v"]`, "PARAM-NAME abcdefghijklmnopqrstuvwxyzabcdefg is longer than 32 characters"},
		{"[x@1\tk=\"v\"]", "expected a space or ] at byte 5"},
		{`[[0@0]`, "expected an SD-ID at byte 2"},
	}
	for _, tt := range tests {
		err := checkStructuredData(tt.in)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("checkStructuredData(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzStructuredData uses crewjam/rfc5424's parser as an oracle: what we accept, it must parse, with the same
// number of elements.
func FuzzStructuredData(f *testing.F) {
	for _, s := range []string{`[origin@32473 env="prod"]`, `[a@1][b@2 k="\]"]`, `[meta x="1"]`, `[x@1 k="v`, `[`, `-`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkStructuredData(s) != nil {
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
