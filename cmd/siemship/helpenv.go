package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/siemship/siemship/internal/config"
)

func init() {
	commands["help-env"] = command{summary: "print the environment variables siemship reads", setup: setupHelpEnv}
}

// setupHelpEnv prints config.Reference as text, or with -markdown as docs/configuration.md.
func setupHelpEnv(fs *flag.FlagSet) runFunc {
	markdown := fs.Bool("markdown", false, "print the reference as Markdown (docs/configuration.md)")
	return func(_ context.Context, stdout, _ io.Writer) int {
		if *markdown {
			fmt.Fprint(stdout, config.Markdown())
			return 0
		}
		writeEnvReference(stdout, config.Reference())
		return 0
	}
}

const helpEnvWidth = 100

func writeEnvReference(w io.Writer, vars []config.Var) {
	fmt.Fprintln(w, "siemship reads these environment variables (docs/configuration.md has the same list).")
	fmt.Fprintln(w, "Empty values count as unset; unknown SLS_*, SYSLOG_* and SIEMSHIP_* names are errors; durations take a unit (500ms, 20s).")
	fmt.Fprintln(w, "† = same name and meaning as in Alibaba's Python syslog sample.")
	group := ""
	for _, v := range vars {
		if v.Group != group {
			group = v.Group
			fmt.Fprintf(w, "\n%s\n", group)
		}
		name := v.Name
		if v.Sample {
			name += " †"
		}
		var notes []string
		switch {
		case v.Required:
			notes = append(notes, "required")
		case v.Default != "":
			notes = append(notes, "default: "+v.Default)
		}
		if v.Secret {
			notes = append(notes, "secret")
		}
		if len(v.Aliases) > 0 {
			notes = append(notes, "also: "+strings.Join(v.Aliases, ", "))
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-34s %s", name, strings.Join(notes, "; ")), " "))
		for _, line := range wrap(v.Description, helpEnvWidth-6) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}

// wrap splits s into lines of at most width bytes at spaces (a longer word gets a line of its own).
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
