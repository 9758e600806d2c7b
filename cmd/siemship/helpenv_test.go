package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/config"
)

func TestHelpEnvText(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runCommand(t.Context(), "help-env", nil, &stdout, &stderr); code != 0 || stderr.Len() > 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	out := stdout.String()
	for _, v := range config.Reference() {
		if !strings.Contains(out, "\n  "+v.Name+" ") && !strings.Contains(out, "\n  "+v.Name+"\n") {
			t.Errorf("no entry for %s", v.Name)
		}
		if !strings.Contains(out, "\n"+v.Group+"\n") {
			t.Errorf("no heading %q", v.Group)
		}
	}
	for _, want := range []string{
		"  SLS_ENDPOINT †                     required\n",
		"  SLS_AK_KEY †                       required; secret\n",
		"  SLS_SECURITY_TOKEN                 secret\n",
		"  SYSLOG_PORT †                      default: 514\n",
		"  SYSLOG_APP_NAME                    default: -; also: SYSLOG_TAG\n",
		"  SLS_HEARTBEAT_TIMEOUT              default: 3 × SLS_HEARTBEAT_INTERVAL (60s)\n",
		"  SLS_AK_KEY_FILE\n      Path of a file holding SLS_AK_KEY,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for i, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %d has trailing spaces: %q", i+1, l)
		}
		if strings.HasPrefix(l, "      ") && len([]rune(l)) > helpEnvWidth {
			t.Errorf("line %d is longer than %d: %q", i+1, helpEnvWidth, l)
		}
	}
}

func TestHelpEnvMarkdown(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runCommand(t.Context(), "help-env", []string{"-markdown"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if stdout.String() != config.Markdown() {
		t.Errorf("-markdown output differs from config.Markdown()")
	}
}

func TestHelpEnvBadArguments(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-nope"}} {
		var stdout, stderr bytes.Buffer
		if code := runCommand(t.Context(), "help-env", args, &stdout, &stderr); code != 2 || stdout.Len() > 0 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout.String(), stderr.String())
		}
	}
}

func TestHelpEnvRegistered(t *testing.T) {
	if _, ok := commands["help-env"]; !ok {
		t.Fatal("help-env is not registered")
	}
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"help-env"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "SYSLOG_HOST") {
		t.Errorf("dispatch help-env: exit %d, stderr %q", code, stderr.String())
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
		{"averyveryverylongword x", 5, []string{"averyveryverylongword", "x"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
	}
	for _, tt := range tests {
		got := wrap(tt.in, tt.width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
