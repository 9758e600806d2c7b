package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Var documents one environment variable. Reference derives them from Config's struct tags.
type Var struct {
	Name        string
	Group       string // heading: "SLS consumer", "Syslog destination", "Process"
	Default     string // as documented ("" = none)
	Description string
	Required    bool
	Secret      bool     // the value is never logged or printed
	Aliases     []string // other accepted names
	Sample      bool     // Alibaba's Python sample uses the same name
}

// Reference lists every variable in declaration order, *_FILE companions right after their variable. It is the
// single source of `siemship help-env` and docs/configuration.md.
func Reference() []Var {
	var vars []Var
	for _, f := range fields(new(Config)) {
		def := f.def
		if f.defaultDoc != "" {
			def = f.defaultDoc
		}
		v := Var{
			Name: f.name, Group: f.group, Default: def, Description: f.desc,
			Required: f.required, Secret: f.secret(), Sample: f.sample,
		}
		if f.alias != "" {
			v.Aliases = []string{f.alias}
		}
		vars = append(vars, v)
		if f.file != "" {
			vars = append(vars, Var{
				Name:  f.file,
				Group: f.group,
				Description: fmt.Sprintf("Path of a file holding %s, e.g. a mounted Kubernetes or Docker secret; trailing line breaks "+
					"are removed. Read once at start-up. Setting both %s and %s is an error.", f.name, f.name, f.file),
			})
		}
	}
	return vars
}

// Markdown renders the reference as docs/configuration.md.
func Markdown() string {
	vars := Reference()
	var b strings.Builder
	b.WriteString(`<!-- Code generated from internal/config by "go test ./internal/config -update". DO NOT EDIT. -->

# Configuration

siemship is configured only through environment variables. ` + "`siemship help-env`" + ` prints this reference; this
page is generated from the same source (the ` + "`Config`" + ` struct in ` + "`internal/config`" + `).

How values are read:

- **Start-up check.** Every problem is reported at once, one line per variable, naming what is allowed; siemship
  does not start until all are fixed.
- **Empty means unset.** ` + "`SYSLOG_PORT=`" + ` is the same as not setting it: the default applies.
- **Unknown names are errors.** A variable that starts with ` + "`SLS_`, `SYSLOG_` or `SIEMSHIP_`" + ` but is not
  listed here stops start-up with a suggestion (` + "`unknown variable SLS_PROJEC, did you mean SLS_PROJECT?`" + `),
  because a misspelt name would otherwise fall back to its default unnoticed. Names are case-sensitive. The
  variables Kubernetes injects for Services (` + "`SIEMSHIP_SERVICE_HOST`, `SIEMSHIP_PORT=tcp://…`" + `) are
  recognised by name and value and ignored.
- **Durations** take a unit: ` + "`500ms`, `20s`, `1m30s`" + `.
- **Sizes** take a unit: ` + "`256MiB`, `1GiB`" + ` (KiB, MiB, GiB, TiB count in powers of 1024; KB, MB, GB, TB in
  powers of 1000).
- **Secrets** (marked *Secret.*) are never logged or printed; each can also be read from a file named by the
  matching ` + "`*_FILE`" + ` variable.
- **Enumerations** (protocol, framing, compression, log level, ...) are case-insensitive.

Names marked † are the ones Alibaba's Python syslog sample uses; they keep their meaning and defaults, so an
existing deployment of the sample can switch to siemship without renaming anything.
`)
	group := ""
	for _, v := range vars {
		if v.Group != group {
			group = v.Group
			fmt.Fprintf(&b, "\n## %s\n\n| Variable | Default | Description |\n|---|---|---|\n", group)
		}
		name := "`" + v.Name + "`"
		if v.Sample {
			name += " †"
		}
		def := "—"
		switch {
		case v.Required:
			def = "**required**"
		case v.Default != "" && !strings.Contains(v.Default, " "):
			def = mdCode(v.Default)
		case v.Default != "":
			def = mdText(v.Default)
		}
		desc := mdText(v.Description)
		if len(v.Aliases) > 0 {
			desc += " Also accepted as " + mdCode(strings.Join(v.Aliases, ", ")) + "."
		}
		if v.Secret {
			desc = "*Secret.* " + desc
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", name, def, desc)
	}
	return b.String()
}

// varName finds names of our variables inside descriptions, to set them as code.
var varName = regexp.MustCompile(`\b(SLS|SYSLOG|SIEMSHIP)_[A-Z0-9_]*[A-Z0-9]\b`)

// mdText escapes s for a table cell, with variable names as code spans.
func mdText(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range varName.FindAllStringIndex(s, -1) {
		b.WriteString(mdEscape(s[last:m[0]]))
		b.WriteString(mdCode(s[m[0]:m[1]]))
		last = m[1]
	}
	b.WriteString(mdEscape(s[last:]))
	return b.String()
}

// mdEscape backslash-escapes the characters that Markdown or a table would interpret.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#", r) {
			b.WriteByte('\\')
		}
		if r == '\n' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode sets s as a code span in a table cell; pipes stay escaped, as GitHub's tables require even in code.
func mdCode(s string) string { return "`" + strings.ReplaceAll(s, "|", `\|`) + "`" }
