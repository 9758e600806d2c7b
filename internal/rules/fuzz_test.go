package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, every message names the source, and whatever it accepts can be matched.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, seed := range []string{
		"",
		"rules: []",
		"rules:\n  - {name: a, keyword: x, drop: true}\n",
		"rules:\n  - {name: a, match: {a: ''}, severity: 9}\n",
		"rules:\n  - {name: a, regex: {'*': '(?i)x|y'}, tag: {k: v}, except: [{match: {b: '*'}}]}\n",
		"rules:\n  - &a {name: a, keyword: x, drop: true}\n  - *a\n",
		"rules:\n  - name: a\n    match: {'__tag__:': x, __topic__: [a, b]}\n---\n",
	} {
		f.Add([]byte(seed))
	}
	g, l := actionTrail()
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if s != nil {
				t.Fatal("a Set with an error")
			}
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml:") {
					t.Fatalf("message without the source: %q", line)
				}
			}
			return
		}
		rs := s.Rules()
		if len(rs) == 0 || len(rs) > maxRules {
			t.Fatalf("%d rules accepted", len(rs))
		}
		names := map[string]bool{}
		for _, r := range rs {
			if !validName(r.Name) || names[r.Name] || r.Severity < -1 || r.Severity > 7 || r.Line < 1 ||
				r.Drop && (r.Severity >= 0 || len(r.Tag) > 0) || !r.Drop && r.Severity < 0 && len(r.Tag) == 0 {
				t.Fatalf("invalid rule accepted: %+v", r)
			}
			names[r.Name] = true
		}
		if i := s.Match(g, l); i < -1 || i >= len(rs) {
			t.Fatalf("Match = %d with %d rules", i, len(rs))
		}
	})
}
