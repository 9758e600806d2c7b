package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/app"
)

// allCommands are the subcommands the README documents; TestCommandHelp fails when one is missing or an
// undocumented one appears, so that a new command gets its help checked too.
var allCommands = []string{"bench", "check", "checkpoints", "demo", "emulator", "healthcheck", "help-env", "preview",
	"reset-checkpoint", "run", "version"}

func runDispatch(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = dispatch(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestTopLevelHelpAndVersion: the help and version spellings of Go CLIs print to stdout and exit 0.
func TestTopLevelHelpAndVersion(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string // in stdout
	}{
		{[]string{"help"}, append([]string{"usage: siemship [command] [flags]", "siemship help <command>"}, allCommands...)},
		{[]string{"-h"}, []string{"usage: siemship [command] [flags]"}},
		{[]string{"--help"}, []string{"usage: siemship [command] [flags]"}},
		{[]string{"-help"}, []string{"usage: siemship [command] [flags]"}},
		{[]string{"version"}, []string{"siemship " + version + " "}},
		{[]string{"--version"}, []string{"siemship " + version + " "}},
		{[]string{"-version"}, []string{"siemship " + version + " "}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runDispatch(tt.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q, want 0 and nothing on stderr", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

// TestCommandHelp: every subcommand answers `siemship help <command>`, `<command> -h`, `--help` and `-help` with the
// same usage on stdout (listing each of its flags) and exit 0, and an unknown flag with exit 2 and the usage on
// stderr.
func TestCommandHelp(t *testing.T) {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, allCommands) {
		t.Errorf("commands %v, want %v (update allCommands and the README's command table)", names, allCommands)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var flags []string
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			commands[name].setup(fs)
			fs.VisitAll(func(f *flag.Flag) { flags = append(flags, "-"+f.Name) })

			_, want, _ := runDispatch("help", name)
			for _, args := range [][]string{{"help", name}, {name, "-h"}, {name, "--help"}, {name, "-help"}} {
				code, stdout, stderr := runDispatch(args...)
				if code != 0 || stderr != "" {
					t.Errorf("%q: exit %d, stderr %q; want 0 and nothing on stderr", args, code, stderr)
				}
				if !strings.HasPrefix(stdout, "usage: siemship "+name) || !strings.Contains(stdout, commands[name].summary) {
					t.Errorf("%q: stdout does not start with the usage line and summary:\n%s", args, stdout)
				}
				if stdout != want {
					t.Errorf("%q: stdout differs from `siemship help %s`:\n%s\nwant:\n%s", args, name, stdout, want)
				}
				for _, f := range flags {
					if !strings.Contains(stdout, "  "+f+" ") && !strings.Contains(stdout, "  "+f+"\n") {
						t.Errorf("%q: usage lacks flag %s:\n%s", args, f, stdout)
					}
				}
			}

			code, stdout, stderr := runDispatch(name, "--no-such-flag")
			if code != 2 || stdout != "" {
				t.Errorf("unknown flag: exit %d, stdout %q; want 2 and nothing on stdout", code, stdout)
			}
			if !strings.HasPrefix(stderr, "siemship "+name+": flag provided but not defined: -no-such-flag\n") ||
				!strings.Contains(stderr, "usage: siemship "+name) {
				t.Errorf("unknown flag: stderr %q, want the error and the usage", stderr)
			}
		})
	}
}

func TestDispatchErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"help", "nope"}, `unknown command "nope"`},
		{[]string{"help", "run", "check"}, "one command"},
		{[]string{"--no-such-flag"}, "siemship run: flag provided but not defined: -no-such-flag"}, // no command = run
		{[]string{"run", "now"}, `siemship run: unexpected argument "now"`},
		{[]string{"version", "now"}, `siemship version: unexpected argument "now"`},
	} {
		code, stdout, stderr := runDispatch(tt.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q on stderr", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

// The help of run says where its configuration comes from and how signals stop it.
func TestRunHelp(t *testing.T) {
	code, stdout, _ := runDispatch("run", "-h")
	for _, w := range []string{"siemship help-env", "SIGTERM", "SIGHUP", "second signal"} {
		if code != 0 || !strings.Contains(stdout, w) {
			t.Errorf("run -h: exit %d, output lacks %q:\n%s", code, w, stdout)
		}
	}
}

// TestSignalContext: each stop signal cancels the context with the signal as its cause (app.Run logs it).
func TestSignalContext(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, stop := signalContext()
			defer stop()
			if err := syscall.Kill(os.Getpid(), sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatalf("%v did not cancel the context", sig)
			}
			var got app.StopSignal
			if !errors.As(context.Cause(ctx), &got) || got.Signal != sig {
				t.Errorf("cause %v, want app.StopSignal{%v}", context.Cause(ctx), sig)
			}
		})
	}
}
