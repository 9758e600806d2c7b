package docker

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/config"
)

var update = flag.Bool("update", false, "rewrite .env.example from internal/config")

const envExample = ".env.example"

// envExampleText renders every variable of config.Reference as a Docker env file: required variables set empty
// (so that siemship names each one missing), the others commented out with their default.
func envExampleText() string {
	var b strings.Builder
	b.WriteString(`# Every environment variable siemship reads, with its default. Generated from internal/config by
# "go test ./deploy/docker -update"; do not edit (docs/configuration.md is the same reference as a table).
#
# Copy it to siemship.env, fill in the required variables, uncomment what you change, then:
#   docker run --env-file siemship.env siemship
# Docker reads env files literally: no quotes, no variable expansion, no comment after a value. An empty value
# counts as unset. The image itself sets SIEMSHIP_HTTP_ADDR=:9090 for its health check.
`)
	vars := config.Reference()
	hasFile := map[string]bool{}
	for _, v := range vars {
		hasFile[v.Name] = true
	}
	group := ""
	for _, v := range vars {
		if v.Group != group {
			group = v.Group
			b.WriteString("\n######## " + group + "\n")
		}
		b.WriteString("\n")
		desc := v.Description
		if len(v.Aliases) > 0 {
			desc += " Also accepted as " + strings.Join(v.Aliases, ", ") + "."
		}
		if v.Secret && hasFile[v.Name+"_FILE"] {
			desc += " Secret: never logged; prefer " + v.Name + "_FILE with a mounted secret."
		}
		switch {
		case v.Required && hasFile[v.Name+"_FILE"]:
			desc += " Required, unless " + v.Name + "_FILE is set."
		case v.Required:
			desc += " Required."
		case v.Default != "" && strings.Contains(v.Default, " "):
			desc += " Default: " + v.Default + "."
		}
		for _, line := range wrap(desc, 116) {
			b.WriteString("# " + line + "\n")
		}
		switch {
		case v.Required:
			b.WriteString(v.Name + "=\n")
		case v.Default != "" && !strings.Contains(v.Default, " "):
			b.WriteString("# " + v.Name + "=" + v.Default + "\n")
		default:
			b.WriteString("# " + v.Name + "=\n")
		}
	}
	return b.String()
}

// wrap breaks s into lines of at most width bytes at spaces (a longer word gets a line of its own).
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// TestEnvExample keeps .env.example in step with the configuration: regenerate with -update.
func TestEnvExample(t *testing.T) {
	want := envExampleText()
	if *update {
		if err := os.WriteFile(envExample, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date with internal/config: run go test ./deploy/docker -update", envExample)
	}
	for _, v := range config.Reference() {
		if !strings.Contains(want, "\n"+v.Name+"=\n") && !strings.Contains(want, "\n# "+v.Name+"=") {
			t.Errorf("%s has no line for %s", envExample, v.Name)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, nil},
		{"a b c", 3, []string{"a b", "c"}},
		{"averyveryverylongword b", 5, []string{"averyveryverylongword", "b"}},
		{"one  two\nthree", 100, []string{"one two three"}},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.width); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
