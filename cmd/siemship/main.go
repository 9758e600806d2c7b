// Command siemship ships Alibaba Cloud SLS logs to a SIEM as RFC 5424 syslog.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	_ "time/tzdata" // SYSLOG_RFC3164_TIMEZONE in images without a zone database

	"github.com/siemship/siemship/internal/app"
)

// command is one subcommand.
type command struct {
	summary string // one line, for the command list and the top of the command's usage
	details string // optional paragraph after the summary in the command's usage
	// setup declares the command's flags on fs and returns the function that runs the command once they are
	// parsed; it returns the process exit status. No command takes positional arguments.
	setup func(fs *flag.FlagSet) runFunc
}

type runFunc func(ctx context.Context, stdout, stderr io.Writer) int

// commands is filled by the init functions of the files named after each subcommand.
var commands = map[string]command{}

const defaultCommand = "run"

func main() {
	app.Version = version
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch picks the subcommand (run when none is given) and runs it with a context that is cancelled on the
// first stop signal. help, -h, --help and -help print the usage; --version and -version are the version command.
func dispatch(args []string, stdout, stderr io.Writer) int {
	name := defaultCommand
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "help" || isHelpFlag(a):
			return help(args[1:], stdout, stderr)
		case a == "-version" || a == "--version":
			name, args = "version", args[1:]
		case !strings.HasPrefix(a, "-"):
			name, args = a, args[1:]
		}
	}
	if _, ok := commands[name]; !ok {
		fmt.Fprintf(stderr, "siemship: unknown command %q (try: siemship help)\n", name)
		return 2
	}
	ctx, stop := signalContext()
	defer stop()
	return runCommand(ctx, name, args, stdout, stderr)
}

func isHelpFlag(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// runCommand parses the flags of command name and runs it. This is the one place that handles -h/--help (the
// command's usage on stdout, exit 0) and bad flags or arguments (the error and the usage on stderr, exit 2).
func runCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	fs, run := flags(name)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		commandUsage(stdout, name, fs)
		return 0
	case err == nil && fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "siemship %s: %v\n", name, err)
		commandUsage(stderr, name, fs)
		return 2
	}
	return run(ctx, stdout, stderr)
}

// flags returns a fresh flag set of command name, silent (runCommand prints), and its run function.
func flags(name string) (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet("siemship "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs, commands[name].setup(fs)
}

// help is `siemship help [command]`.
func help(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || args[0] == "help":
		usage(stdout)
		return 0
	case len(args) > 1:
		fmt.Fprintf(stderr, "siemship help: takes one command, got %q\n", strings.Join(args, " "))
		return 2
	}
	if _, ok := commands[args[0]]; !ok {
		fmt.Fprintf(stderr, "siemship help: unknown command %q (try: siemship help)\n", args[0])
		return 2
	}
	fs, _ := flags(args[0])
	commandUsage(stdout, args[0], fs)
	return 0
}

// commandUsage writes the usage of one command: synopsis, summary, details and flags.
func commandUsage(w io.Writer, name string, fs *flag.FlagSet) {
	cmd := commands[name]
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	synopsis := "siemship " + name
	if hasFlags {
		synopsis += " [flags]"
	}
	fmt.Fprintf(w, "usage: %s\n\n%s\n", synopsis, cmd.summary)
	if cmd.details != "" {
		fmt.Fprintf(w, "\n%s\n", cmd.details)
	}
	if hasFlags {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// stopSignals are the signals that stop siemship gracefully. SIGHUP is one of them: siemship is configured by its
// environment alone, so there is nothing to reload, and under a terminal or supervisord a hangup means the session
// that started it is gone. A process started with SIGHUP ignored (nohup) keeps ignoring it.
func stopSignals() []os.Signal {
	sigs := []os.Signal{syscall.SIGTERM, syscall.SIGINT}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// signalContext is cancelled by the first stop signal, with an app.StopSignal as its cause (app.Run logs which
// signal started the stop); the second one exits the process at once with status 130.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, stopSignals()...)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(app.StopSignal{Signal: sig})
		case <-done:
			return
		}
		select {
		case sig := <-ch:
			fmt.Fprintf(os.Stderr, "siemship: second signal (%v), exiting at once\n", sig)
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() { signal.Stop(ch); close(done); cancel(nil) }
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: siemship [command] [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-17s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nWith no command, siemship runs %q. siemship help <command> (or siemship <command> -h) shows a command's flags;\n", defaultCommand)
	fmt.Fprintln(w, "siemship help-env lists the environment variables that configure it; siemship --version prints the version.")
}
