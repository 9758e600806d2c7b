package rules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/record"
)

// TestParseErrors asserts every error class with its exact message and line, and that all problems of a file are
// reported at once.
func TestParseErrors(t *testing.T) {
	const ok = "    match: {a: b}\n    severity: info\n" // completes a rule whose first line is "- name: x"
	tests := []struct {
		name string
		in   string
		want []string // the lines of the joined error, without the "r.yaml:" prefix
	}{
		// The file as a whole.
		{"empty", "", []string{"1: no rules"}},
		{"comments only", "# nothing\n# here\n", []string{"1: no rules"}},
		{"document marker only", "---\n", []string{"1: no rules"}},
		{"null rules", "\nrules:\n", []string{"2: no rules"}},
		{"empty rules", "rules: []\n", []string{"1: no rules"}},
		{"no rules key", "# c\nfoo: 1\n", []string{`2: unknown key "foo" (the file has one key, rules)`, "2: no rules"}},
		{"file is a list", "- name: a\n", []string{"1: the file: must be a mapping, not a list"}},
		{"file is a string", "rules\n", []string{`1: the file: must be a mapping, not "rules"`}},
		{"rules not a list", "rules:\n  name: a\n", []string{"2: rules: must be a list of rules, not a mapping"}},
		{"rules twice", "rules:\n  - name: a\n" + ok + "rules: []\n", []string{`5: the file: key "rules" given twice (first at line 1)`}},
		{"syntax", "rules:\n  - name: a\n   match: x\n", []string{"2: did not find expected '-' indicator"}}, // the line of the block the problem is in
		{"syntax mapping value", "rules:\n  - name: a\n    match: b: c\n", []string{"3: mapping values are not allowed in this context"}},
		{"syntax unclosed flow", "rules:\n  - name: a\n    match: {a: [b\n", []string{"3: did not find expected ',' or ']'"}},
		{"syntax scanner", "rules:\n  - name: *,\n", []string{"2: did not find expected alphabetic or numeric character"}},
		{"syntax first line", "a: -", []string{"1: block sequence entries are not allowed in this context"}},
		{"duplicate directive", "%YAML 1.1\n%YAML 1.1\n---\n", []string{"2: found duplicate %YAML directive"}},
		{"control character", "rules:\n  - name: a\x01\n", []string{"2: control character U+0001 (YAML does not allow it)"}},
		{"not UTF-8", "rules:\n\n  - name: \xff\n", []string{"3: not valid UTF-8 (the rules file must be UTF-8)"}},
		{"tab indentation", "rules:\n\t- name: a\n", []string{"2: found character that cannot start any token"}},
		{"two documents", "rules:\n  - name: a\n" + ok + "---\nrules: []\n", []string{"5: a second YAML document: the rules file holds one"}},
		{"alias", "rules:\n  - name: a\n    match: &m {a: b}\n    severity: info\n  - name: b\n    match: *m\n    severity: info\n",
			[]string{"6: YAML aliases (*m) are not supported: write the value out"}},
		{"unknown anchor", "rules:\n  - name: a\n    match: *m\n", []string{" unknown anchor 'm' referenced"}}, // the decoder gives no line
		{"merge key", "rules:\n  - name: a\n    <<: {severity: info}\n    match: {a: b}\n",
			[]string{"3: rule: key: must be a string, not a merge key (<<)", `2: rule "a" has no action (severity, tag or drop: true)`}},
		{"rule not a mapping", "rules:\n  - drop\n", []string{`2: rule: must be a mapping, not "drop"`}},

		// A rule's keys.
		{"unknown key", "rules:\n  - name: a\n" + ok + "    sevrity: info\n",
			[]string{`5: unknown key "sevrity" in a rule (want name, match, keyword, regex, except, severity, tag, drop)`}},
		{"key twice", "rules:\n  - name: a\n" + ok + "    severity: err\n", []string{`5: rule: key "severity" given twice (first at line 4)`}},
		{"key not a string", "rules:\n  - name: a\n" + ok + "    [x]: 1\n", []string{"5: rule: key: must be a string, not a list"}},
		{"no name", "rules:\n  - match: {a: b}\n    drop: true\n", []string{"2: rule without a name"}},
		{"null name", "rules:\n  - name:\n" + ok, []string{"2: name: must be a string, not null"}},
		{"bad name", "rules:\n  - name: a b\n" + ok, []string{`2: name "a b": must be 1 to 64 letters, digits, '_', '.' or '-'`}},
		{"long name", "rules:\n  - name: " + strings.Repeat("n", 65) + "\n" + ok,
			[]string{`2: name "` + strings.Repeat("n", 65) + `": must be 1 to 64 letters, digits, '_', '.' or '-'`}},
		{"empty name", "rules:\n  - name: ''\n" + ok, []string{`2: name "": must be 1 to 64 letters, digits, '_', '.' or '-'`}},
		{"duplicate name", "rules:\n  - name: a\n" + ok + "  - name: b\n" + ok + "  - name: a\n" + ok,
			[]string{`8: name "a": already used by the rule at line 2`}},
		{"no condition", "rules:\n  - name: a\n    severity: info\n", []string{`2: rule "a" has no condition (match, keyword or regex)`}},
		{"no action", "rules:\n  - name: a\n    match: {a: b}\n", []string{`2: rule "a" has no action (severity, tag or drop: true)`}},
		{"drop false is no action", "rules:\n  - name: a\n    match: {a: b}\n    drop: false\n",
			[]string{`2: rule "a" has no action (severity, tag or drop: true)`}},
		{"nothing", "rules:\n  - {}\n", []string{"2: rule without a name", "2: rule has no condition (match, keyword or regex)",
			"2: rule has no action (severity, tag or drop: true)"}},
		{"drop with severity", "rules:\n  - name: a\n    match: {a: b}\n    severity: info\n    drop: true\n",
			[]string{`5: rule "a": drop: true together with severity or tag: a dropped record is not sent`}},
		{"drop with tag", "rules:\n  - name: a\n    drop: true\n    match: {a: b}\n    tag: {x: y}\n",
			[]string{`3: rule "a": drop: true together with severity or tag: a dropped record is not sent`}},
		{"drop not a bool", "rules:\n  - name: a\n    match: {a: b}\n    drop: yes\n", []string{`4: drop: must be true or false, not "yes"`}},
		{"drop quoted", "rules:\n  - name: a\n    match: {a: b}\n    drop: 'true'\n", []string{`4: drop: must be true or false, not "true"`}},

		// Conditions.
		{"match not a mapping", "rules:\n  - name: a\n    match: [a, b]\n    drop: true\n", []string{"3: match: must be a mapping, not a list"}},
		{"match empty", "rules:\n  - name: a\n    match: {}\n    drop: true\n", []string{"3: match: no fields"}},
		{"match value mapping", "rules:\n  - name: a\n    match:\n      a: {b: c}\n    drop: true\n",
			[]string{`4: match: "a": must be a string or a list of strings, not a mapping`}},
		{"match value null", "rules:\n  - name: a\n    match:\n      a:\n    drop: true\n", []string{`4: match: "a": must be a string, not null`}},
		{"match empty list", "rules:\n  - name: a\n    match:\n      a: []\n    drop: true\n", []string{`4: match: "a": empty list`}},
		{"match nested list", "rules:\n  - name: a\n    match:\n      a:\n        - b\n        - [c]\n    drop: true\n",
			[]string{`6: match: "a": must be a string, not a list`}},
		{"match star among values", "rules:\n  - name: a\n    match:\n      a:\n        - b\n        - '*'\n    drop: true\n",
			[]string{`6: match: "a": "*" (any non-empty value) must be the only value`}},
		{"match empty field", "rules:\n  - name: a\n    match:\n      '': b\n    drop: true\n", []string{"4: empty field name"}},
		{"match star field", "rules:\n  - name: a\n    match:\n      '*': b\n    drop: true\n",
			[]string{`4: field name "*" (every field) is only allowed in regex`}},
		{"match tag without key", "rules:\n  - name: a\n    match:\n      '__tag__:': b\n    drop: true\n",
			[]string{`4: field name "__tag__:": the tag's key is missing`}},
		{"match time", "rules:\n  - name: a\n    match:\n      __time__: '0'\n    drop: true\n",
			[]string{`4: field name "__time__": the record's time is not a field rules can test`}},
		{"match field twice", "rules:\n  - name: a\n    match:\n      a: b\n      a: c\n    drop: true\n",
			[]string{`5: match: key "a" given twice (first at line 4)`}},
		{"keyword empty", "rules:\n  - name: a\n    keyword: ''\n    drop: true\n", []string{"3: keyword: empty"}},
		{"keyword empty in list", "rules:\n  - name: a\n    keyword:\n      - root\n      - ''\n    drop: true\n", []string{"5: keyword: empty"}},
		{"keyword empty list", "rules:\n  - name: a\n    keyword: []\n    drop: true\n", []string{"3: keyword: empty list"}},
		{"keyword mapping", "rules:\n  - name: a\n    keyword: {a: b}\n    drop: true\n",
			[]string{"3: keyword: must be a string or a list of strings, not a mapping"}},
		{"keyword binary", "rules:\n  - name: a\n    keyword: !!binary aGk=\n    drop: true\n",
			[]string{`3: keyword: must be a string, not the tag "!!binary" "aGk="`}},
		{"odd tag", "rules:\n  - name: a\n    keyword: !!%0A x\n    drop: true\n",
			[]string{`3: keyword: must be a string, not the tag "!!\n" "x"`}},
		{"regex with a line break", "rules:\n  - name: a\n    regex: {a: \"(\\n\"}\n    drop: true\n",
			[]string{`3: regex: "a": error parsing regexp: missing closing ): "(\n"`}},
		{"regex bad", "rules:\n  - name: a\n    regex:\n      a: 'x'\n      b: '(x'\n    drop: true\n",
			[]string{"5: regex: \"b\": error parsing regexp: missing closing ): `(x`"}},
		{"regex perl lookahead", "rules:\n  - name: a\n    regex:\n      a: '(?=x)'\n    drop: true\n",
			[]string{"4: regex: \"a\": error parsing regexp: invalid or unsupported Perl syntax: `(?=`"}},
		{"regex list", "rules:\n  - name: a\n    regex:\n      a: [x, y]\n    drop: true\n", []string{`4: regex: "a": must be a string, not a list`}},
		{"regex empty field", "rules:\n  - name: a\n    regex: {'': x}\n    drop: true\n", []string{"3: empty field name"}},
		{"regex empty", "rules:\n  - name: a\n    regex: {}\n    drop: true\n", []string{"3: regex: no fields"}},

		// Exclusions.
		{"except not a list", "rules:\n  - name: a\n" + ok + "    except: {match: {a: c}}\n",
			[]string{"5: except: must be a list of condition sets (- match/keyword/regex), not a mapping"}},
		{"except empty", "rules:\n  - name: a\n" + ok + "    except: []\n", []string{"5: except: empty list"}},
		{"except unknown key", "rules:\n  - name: a\n" + ok + "    except:\n      - match: {a: c}\n        severity: info\n",
			[]string{`7: unknown key "severity" in an exclusion (want match, keyword or regex)`}},
		{"except without condition", "rules:\n  - name: a\n" + ok + "    except:\n      - {}\n",
			[]string{"6: exclusion without a condition (match, keyword or regex)"}},
		{"except entry string", "rules:\n  - name: a\n" + ok + "    except:\n      - root\n", []string{`6: except: must be a mapping, not "root"`}},
		{"except bad regex", "rules:\n  - name: a\n" + ok + "    except:\n      - regex: {a: '['}\n",
			[]string{"6: regex: \"a\": error parsing regexp: missing closing ]: `[`"}},

		// Actions.
		{"severity bad", "rules:\n  - name: a\n    match: {a: b}\n    severity: loud\n",
			[]string{`4: severity "loud": must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7`}},
		{"severity 8", "rules:\n  - name: a\n    match: {a: b}\n    severity: 8\n",
			[]string{`4: severity "8": must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7`}},
		{"severity null", "rules:\n  - name: a\n    match: {a: b}\n    severity:\n", []string{"4: severity: must be a string, not null"}},
		{"tag not a mapping", "rules:\n  - name: a\n    match: {a: b}\n    tag: alert\n", []string{`4: tag: must be a mapping, not "alert"`}},
		{"tag empty", "rules:\n  - name: a\n    match: {a: b}\n    tag: {}\n", []string{"4: tag: no fields"}},
		{"tag empty key", "rules:\n  - name: a\n    match: {a: b}\n    tag:\n      '': x\n", []string{"5: tag: empty field name"}},
		{"tag null value", "rules:\n  - name: a\n    match: {a: b}\n    tag:\n      x:\n", []string{`5: tag: "x": must be a string, not null`}},
		{"tag list value", "rules:\n  - name: a\n    match: {a: b}\n    tag:\n      x: [a]\n", []string{`5: tag: "x": must be a string, not a list`}},

		// All problems at once, in file order within each rule.
		{"several", "rules:\n  - name: a\n    match: {a: b}\n    severity: loud\n  - name: a\n    regex: {x: '('}\n    severity: info\n  - name: c\n    drop: 1\n",
			[]string{
				`4: severity "loud": must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7`,
				`5: name "a": already used by the rule at line 2`,
				"6: regex: \"x\": error parsing regexp: missing closing ): `(`",
				`9: drop: must be true or false, not "1"`,
				`8: rule "c" has no condition (match, keyword or regex)`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.in), "r.yaml")
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", s.Rules())
			}
			if s != nil {
				t.Errorf("Parse returned a Set with its error")
			}
			want := "r.yaml:" + strings.Join(tt.want, "\nr.yaml:")
			if got := err.Error(); got != want {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range maxRules + 1 {
		b.WriteString("  - {name: r" + itoa(i) + ", keyword: x, drop: true}\n")
	}
	_, err := Parse([]byte(b.String()), "r.yaml")
	if err == nil || err.Error() != "r.yaml:1002: more than 1000 rules" {
		t.Errorf("1001 rules: %v", err)
	}

	s, err := Parse([]byte(strings.Join(strings.SplitAfter(b.String(), "\n")[:maxRules+1], "")), "r.yaml")
	if err != nil || len(s.Rules()) != maxRules {
		t.Errorf("1000 rules: %v", err)
	}

	big := []byte("rules:\n  - {name: a, keyword: x, drop: true}\n" + strings.Repeat("#", maxFileBytes))
	if _, err := Parse(big, "r.yaml"); err == nil || err.Error() != "r.yaml: larger than the limit of 1 MiB (1048576 bytes)" {
		t.Errorf("large file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || err.Error() != path+": larger than the limit of 1 MiB (1048576 bytes)" {
		t.Errorf("Load large file: %v", err)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestLoad(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Errorf("a directory: no error")
	}

	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte("rules:\n  - name: a\n    keyword: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || err.Error() != path+`:2: rule "a" has no action (severity, tag or drop: true)` {
		t.Errorf("errors name the file: %v", err)
	}
}

// TestExample parses the example of docs/rules.md.
func TestExample(t *testing.T) {
	s, err := Load(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Name: "drop-describe-calls", Line: 3, Severity: -1, Drop: true},
		{Name: "failed-signin", Line: 8, Severity: 4, Tag: []record.Field{{Key: "alert", Value: "failed-signin"}}},
		{Name: "root-user", Line: 14, Severity: 2},
	}
	if got := s.Rules(); !reflect.DeepEqual(got, want) {
		t.Errorf("Rules:\n%+v\nwant\n%+v", got, want)
	}

	// The docs show the same file.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```yaml\n"+string(example)+"```\n") {
		t.Errorf("docs/rules.md does not show testdata/example.yaml verbatim in a yaml block")
	}
}

func TestParseValues(t *testing.T) {
	s, err := Parse([]byte(`rules:
  - name: numbers.as_written-1
    match:
      status: 403
      code: 0x10
      ok: true
      ratio: 1.50
    severity: 3
    tag:
      b: second
      a: 1
      empty: ''
  - name: names
    keyword: k
    severity: LOG_WARNING
  - name: alias
    keyword: k
    severity: Critical
`), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rs := s.Rules()
	if rs[0].Severity != 3 || rs[1].Severity != 4 || rs[2].Severity != 2 {
		t.Errorf("severities %d %d %d, want 3 4 2", rs[0].Severity, rs[1].Severity, rs[2].Severity)
	}
	wantTag := []record.Field{{Key: "b", Value: "second"}, {Key: "a", Value: "1"}, {Key: "empty", Value: ""}}
	if !reflect.DeepEqual(rs[0].Tag, wantTag) {
		t.Errorf("tag %+v, want %+v in file order", rs[0].Tag, wantTag)
	}
	l := &record.Log{Contents: []record.Field{{Key: "status", Value: "403"}, {Key: "code", Value: "0x10"}, {Key: "ok", Value: "true"}, {Key: "ratio", Value: "1.50"}}}
	if got := s.Match(&record.Group{}, l); got != 0 {
		t.Errorf("numbers and booleans compare as written: Match = %d, want 0", got)
	}
}
