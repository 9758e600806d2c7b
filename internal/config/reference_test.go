package config

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from the Config struct")

// docsPath is the generated reference, relative to this package.
var docsPath = filepath.Join("..", "..", "docs", "configuration.md")

// TestDocsUpToDate fails when docs/configuration.md differs from Markdown(); -update rewrites it.
func TestDocsUpToDate(t *testing.T) {
	want := Markdown()
	if *update {
		if err := os.MkdirAll(filepath.Dir(docsPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/config -update)", err)
	}
	if string(got) != want {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := line(gl, i), line(wl, i)
			if g != w {
				t.Fatalf("docs/configuration.md is out of date with the Config struct; regenerate it with\n"+
					"\tgo test ./internal/config -update\nfirst difference at line %d:\n file: %s\n want: %s", i+1, g, w)
			}
		}
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end of file>"
}

// TestReferenceTags checks the struct tags every variable needs, so that a new field cannot miss its docs.
func TestReferenceTags(t *testing.T) {
	vars := Reference()
	seen := map[string]bool{}
	for _, v := range vars {
		if seen[v.Name] {
			t.Errorf("%s appears twice", v.Name)
		}
		seen[v.Name] = true
		if !hasOurPrefix(v.Name) {
			t.Errorf("%s lacks one of the prefixes %v", v.Name, prefixes)
		}
		if len(v.Description) < 20 || !strings.HasSuffix(v.Description, ".") {
			t.Errorf("%s: description too short or not a sentence: %q", v.Name, v.Description)
		}
		if v.Group == "" {
			t.Errorf("%s has no group", v.Name)
		}
		if v.Required && v.Default != "" {
			t.Errorf("%s is required and has a default", v.Name)
		}
		for _, a := range v.Aliases {
			if seen[a] || !hasOurPrefix(a) {
				t.Errorf("alias %s of %s clashes or lacks a prefix", a, v.Name)
			}
		}
	}
	for _, f := range fields(new(Config)) {
		if f.def != "" && f.defaultDoc != "" {
			t.Errorf("%s has both default and defaultdoc", f.name)
		}
		if f.file != "" && !f.secret() {
			t.Errorf("%s has a file companion but is not a Secret", f.name)
		}
	}
	// Every sample name from the issue is kept.
	for _, n := range []string{"SLS_ENDPOINT", "SLS_AK_ID", "SLS_AK_KEY", "SLS_PROJECT", "SLS_LOGSTORE", "SLS_CG", "SYSLOG_HOST", "SYSLOG_PORT", "SYSLOG_PROTOCOL"} {
		found := false
		for _, v := range vars {
			found = found || (v.Name == n && v.Sample)
		}
		if !found {
			t.Errorf("%s is not marked as a name of Alibaba's sample", n)
		}
	}
}

func TestReferenceContent(t *testing.T) {
	get := func(name string) Var {
		for _, v := range Reference() {
			if v.Name == name {
				return v
			}
		}
		t.Fatalf("%s not in Reference", name)
		return Var{}
	}
	tests := []struct {
		got, want Var
	}{
		{get("SLS_ENDPOINT"), Var{Name: "SLS_ENDPOINT", Required: true, Sample: true}},
		{get("SLS_AK_KEY"), Var{Name: "SLS_AK_KEY", Required: true, Secret: true, Sample: true}},
		{get("SLS_AK_KEY_FILE"), Var{Name: "SLS_AK_KEY_FILE"}},
		{get("SLS_SECURITY_TOKEN"), Var{Name: "SLS_SECURITY_TOKEN", Secret: true}},
		{get("SYSLOG_PORT"), Var{Name: "SYSLOG_PORT", Default: "514", Sample: true}},
		{get("SYSLOG_APP_NAME"), Var{Name: "SYSLOG_APP_NAME", Default: "-", Aliases: []string{"SYSLOG_TAG"}}},
		{get("SLS_HEARTBEAT_TIMEOUT"), Var{Name: "SLS_HEARTBEAT_TIMEOUT", Default: "3 × SLS_HEARTBEAT_INTERVAL (60s)"}},
	}
	for _, tt := range tests {
		got := tt.got
		got.Group, got.Description = "", ""
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("got %+v, want %+v", got, tt.want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a | b", `a \| b`},
		{"e.g. * | where x", `e.g. \* \| where x`},
		{"[origin@32473 env=\"prod\"]", `\[origin@32473 env="prod"\]`},
		{"see SLS_HEARTBEAT_INTERVAL (20s)", "see `SLS_HEARTBEAT_INTERVAL` (20s)"},
		{"SIEMSHIP_SHUTDOWN_TIMEOUT.", "`SIEMSHIP_SHUTDOWN_TIMEOUT`."},
		{"a_b <c>", `a\_b \<c\>`},
		{"line\nbreak", "line break"},
	}
	for _, tt := range tests {
		if got := mdText(tt.in); got != tt.want {
			t.Errorf("mdText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := mdCode("||"); got != "`\\|\\|`" {
		t.Errorf("mdCode = %q", got)
	}
	md := Markdown()
	for _, v := range Reference() {
		if !strings.Contains(md, "| `"+v.Name+"`") {
			t.Errorf("Markdown lacks a row for %s", v.Name)
		}
	}
	for i, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "| `") && strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") != 4 {
			t.Errorf("line %d has a stray cell separator: %s", i+1, l)
		}
	}
}
