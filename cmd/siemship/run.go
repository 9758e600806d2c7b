package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/telemetry"
)

func init() {
	commands["run"] = command{
		summary: "ship SLS logs to the syslog receiver until stopped (the default command)",
		details: "run takes no flags: environment variables configure it (siemship help-env lists them, siemship check tests them).\n" +
			"SIGTERM, SIGINT and SIGHUP stop it gracefully: it stops pulling, finishes or abandons the batches in flight and\n" +
			"saves the checkpoints, within SIEMSHIP_SHUTDOWN_TIMEOUT. A second signal exits at once (status 130).\n" +
			"Exit status: 0 after a clean stop, 2 for a configuration siemship or SLS refuses, 1 otherwise.",
		setup: func(*flag.FlagSet) runFunc { return runRun },
	}
}

// runRun is `siemship run`: exit 0 after a clean stop, 2 for a configuration SLS or siemship refuses, 1 otherwise.
func runRun(ctx context.Context, _, stderr io.Writer) int {
	cfg, code := loadConfig(config.Load, os.Environ(), stderr)
	if cfg == nil {
		return code
	}
	log, err := telemetry.NewLogger(cfg.LogLevel.String(), string(cfg.LogFormat), stderr)
	if err != nil {
		fmt.Fprintf(stderr, "siemship: %v\n", err)
		return 2
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed flush of stderr
	return runApp(ctx, cfg, log, stderr)
}

// runApp builds and runs the shipper and maps the outcome to an exit status.
func runApp(ctx context.Context, cfg *config.Config, log *zap.Logger, stderr io.Writer) int {
	log.Info("siemship starting", zap.String("version", version), zap.Object("config", cfg))
	a, err := app.New(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "siemship: %v\n", err)
		return 2
	}
	if err := a.Run(ctx); err != nil {
		if app.IsConfigError(err) {
			fmt.Fprintf(stderr, "siemship: %v\n", err)
			return 2
		}
		log.Error("siemship stopped with an error", zap.Error(err))
		return 1
	}
	return 0
}

// loadConfig reads and validates the configuration with load (config.Load, or config.LoadSLS for the commands that
// only talk to SLS); on failure it prints every problem, one per line, and returns a nil config and exit status 2.
func loadConfig(load func([]string) (*config.Config, error), environ []string, stderr io.Writer) (*config.Config, int) {
	cfg, err := load(environ)
	if err != nil {
		var problems []string
		var joined interface{ Unwrap() []error }
		if errors.As(err, &joined) {
			for _, e := range joined.Unwrap() {
				problems = append(problems, e.Error())
			}
		} else {
			problems = strings.Split(err.Error(), "\n")
		}
		fmt.Fprintf(stderr, "siemship: invalid configuration (%d problem(s); see siemship help-env):\n", len(problems))
		for _, p := range problems {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		return nil, 2
	}
	return cfg, 0
}
