package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/telemetry"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

func init() {
	commands["demo"] = command{summary: "run emulator, siemship and a receiver on embedded defaults and report loss", setup: setupDemo}
}

// Fixed names of the demo's embedded emulator.
const (
	demoProject  = "demo-project"
	demoLogstore = "actiontrail"
	demoGroup    = "siemship-demo"
	demoKeyID    = "demo-access-key-id"
	demoSecret   = "demo-access-key-secret" // #nosec G101 -- a throw-away key of the in-process emulator
)

// setupDemo is `siemship demo`: an embedded SLS emulator with generated audit logs, siemship configured through the
// same environment variables a user sets, and an embedded receiver that prints what a SIEM would receive. It stops
// by itself once every record arrived (or after --timeout) and prints a summary; exit 0 only when nothing was lost.
func setupDemo(fs *flag.FlagSet) runFunc {
	var o demoOptions
	fs.IntVar(&o.records, "records", 20000, "records the emulator generates")
	fs.IntVar(&o.shards, "shards", 4, "shards of the demo logstore")
	fs.IntVar(&o.show, "show", 5, "received messages to print")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up after this long")
	fs.StringVar(&o.logLevel, "log-level", "warn", "siemship's log level (debug, info, warn, error)")
	fs.StringVar(&o.format, "format", "kv", "SIEMSHIP_FORMAT: kv, cef, leef or json")
	fs.StringVar(&o.header, "header", "rfc5424", "SYSLOG_HEADER: rfc5424, rfc3164 (or none with json)")
	fs.StringVar(&o.preset, "preset", "", "SIEMSHIP_PRESET: actiontrail (the generated records are ActionTrail-like), or empty")
	return func(ctx context.Context, stdout, stderr io.Writer) int { return runDemo(ctx, o, stdout, stderr) }
}

type demoOptions struct {
	records, shards, show int
	timeout               time.Duration
	logLevel              string
	format, header        string
	preset                string
}

func runDemo(ctx context.Context, o demoOptions, stdout, stderr io.Writer) int {
	if o.records < 1 || o.shards < 1 || o.shards > 64 || o.timeout <= 0 {
		fmt.Fprintln(stderr, "siemship demo: --records must be >= 1, --shards 1..64 and --timeout > 0")
		return 2
	}
	log, err := telemetry.NewLogger(o.logLevel, "console", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "siemship demo: %v\n", err)
		return 2
	}

	emu := slsemu.New(slsemu.Options{})
	emu.AddKey(demoKeyID, demoSecret)
	if err := emu.AddLogstore(demoProject, demoLogstore, o.shards, 0); err != nil {
		fmt.Fprintf(stderr, "siemship demo: %v\n", err)
		return 1
	}
	if err := emu.Generate(demoProject, demoLogstore, o.records); err != nil {
		fmt.Fprintf(stderr, "siemship demo: %v\n", err)
		return 1
	}
	emuURL, err := emu.Start(ctx, "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(stderr, "siemship demo: start emulator: %v\n", err)
		return 1
	}
	defer emu.Shutdown(context.Background()) //nolint:errcheck // best effort at exit

	led := ledger.NewKey(ledger.KeyFromEnv([]string{"SIEMSHIP_FORMAT=" + o.format}))
	var printMu sync.Mutex
	printed := 0
	recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, func(msg []byte) {
		led.Observe(msg)
		printMu.Lock()
		if printed < o.show {
			printed++
			fmt.Fprintf(stdout, "received: %s\n", msg)
		}
		printMu.Unlock()
	})
	if err != nil {
		fmt.Fprintf(stderr, "siemship demo: start receiver: %v\n", err)
		return 1
	}
	defer recv.Close()

	u, _ := url.Parse(emuURL)
	rhost, rport, _ := net.SplitHostPort(recv.Addr())
	env := []string{
		"SLS_ENDPOINT=" + u.Host,
		"SLS_AK_ID=" + demoKeyID,
		"SLS_AK_KEY=" + demoSecret,
		"SLS_PROJECT=" + demoProject,
		"SLS_LOGSTORE=" + demoLogstore,
		"SLS_CG=" + demoGroup,
		"SLS_CONSUMER_NAME=demo-1",
		"SLS_HEARTBEAT_INTERVAL=1s",
		"SLS_HEARTBEAT_TIMEOUT=10s",
		"SIEMSHIP_SHUTDOWN_TIMEOUT=5s", // the SDK checks its shard workers every 500 ms while stopping
		"SYSLOG_HOST=" + rhost,
		"SYSLOG_PORT=" + rport,
		"SYSLOG_PROTOCOL=tcp",
		"SYSLOG_HOSTNAME=siemship-demo",
		"SYSLOG_APP_NAME=siemship",
		"SYSLOG_FACILITY=local0",
		"SIEMSHIP_FORMAT=" + o.format,
		"SYSLOG_HEADER=" + o.header,
		"SIEMSHIP_PRESET=" + o.preset, // empty: none
	}
	cfg, code := loadConfig(config.Load, env, stderr)
	if cfg == nil {
		return code
	}
	fmt.Fprintf(stdout, "siemship demo: %d audit records in %d shards at %s -> siemship -> receiver at %s\n",
		o.records, o.shards, emuURL, recv.Addr())
	fmt.Fprintln(stdout, "configuration used (the same variables you would set for a real Logstore):")
	for _, kv := range env {
		fmt.Fprintf(stdout, "  %s\n", redactDemo(kv))
	}

	start := time.Now()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	a, err := app.New(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "siemship demo: %v\n", err)
		return 2
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()

	want := uint64(o.records)
	deadline := time.NewTimer(o.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	drained := time.Duration(0)
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-deadline.C:
			break wait
		case err := <-done:
			done <- err
			break wait
		case <-tick.C:
			if led.Report().Unique >= want {
				drained = time.Since(start)
				break wait
			}
		}
	}
	stop()
	runErr := <-done
	rep := led.Report()
	st := a.Stats()
	lost := want - min(rep.Unique, want)
	fmt.Fprintln(stdout, "summary:")
	fmt.Fprintf(stdout, "  produced    %d\n", want)
	fmt.Fprintf(stdout, "  shipped     %d (in %d batches)\n", st.Records, st.Batches)
	fmt.Fprintf(stdout, "  received    %d (%d unique, %d duplicates)\n", rep.Received, rep.Unique, rep.Duplicates)
	fmt.Fprintf(stdout, "  lost        %d\n", lost)
	if drained > 0 {
		fmt.Fprintf(stdout, "  time        %s (%.0f records/s)\n", drained.Round(time.Millisecond), float64(want)/drained.Seconds())
	}
	if runErr != nil {
		log.Error("siemship stopped with an error", zap.Error(runErr))
	}
	if lost > 0 {
		fmt.Fprintf(stdout, "  missing seq (first 10): %v\n", led.Missing(1, want, 10))
		return 1
	}
	return 0
}

// redactDemo hides the demo key's secret in the printed configuration, as siemship does with real ones.
func redactDemo(kv string) string {
	if len(kv) > len("SLS_AK_KEY=") && kv[:len("SLS_AK_KEY=")] == "SLS_AK_KEY=" {
		return "SLS_AK_KEY=[redacted] (demo key of the embedded emulator)"
	}
	return kv
}
