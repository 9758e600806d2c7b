// Command siemship ships Alibaba Cloud SLS logs to a SIEM as RFC 5424 syslog.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/siemship/siemship/internal/app"
)

// command is one subcommand. run returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands is filled by the init functions of the files named after each subcommand.
var commands = map[string]command{}

const defaultCommand = "run"

func main() {
	app.Version = version
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch picks the subcommand (run when none is given) and runs it with a context that is cancelled on the
// first SIGINT or SIGTERM. A second signal exits at once.
func dispatch(args []string, stdout, stderr io.Writer) int {
	name := defaultCommand
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "siemship: unknown command %q (try: siemship help)\n", name)
		return 2
	}
	ctx, stop := signalContext()
	defer stop()
	return cmd.run(ctx, args, stdout, stderr)
}

// signalContext is cancelled by the first SIGINT/SIGTERM; the second one exits the process with status 130.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			cancel()
		case <-done:
			return
		}
		select {
		case <-ch:
			fmt.Fprintln(os.Stderr, "siemship: second signal, exiting at once")
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() { signal.Stop(ch); close(done); cancel() }
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
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nWith no command, siemship runs %q.\n", defaultCommand)
}
