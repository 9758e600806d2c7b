package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/siemship/siemship/internal/bench"
	"github.com/siemship/siemship/internal/telemetry"
)

func init() {
	commands["bench"] = command{summary: "measure throughput, CPU and memory against an emulated backlog (see docs/PERFORMANCE.md)", setup: setupBench}
}

// envList is a repeatable KEY=value flag.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }
func (e *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q is not KEY=value", v)
	}
	*e = append(*e, v)
	return nil
}

// setupBench is `siemship bench`: exit 0 when every phase ran and (with the built-in receiver) nothing was lost.
func setupBench(fs *flag.FlagSet) runFunc {
	var o bench.Options
	var env envList
	fs.IntVar(&o.Shards, "shards", 16, "shards of the emulated logstore")
	fs.IntVar(&o.Records, "records", 1_000_000, "records generated (about 300 bytes each; the generator's size is fixed)")
	fs.IntVar(&o.GroupRecords, "group-records", 10, "records per log group")
	fs.IntVar(&o.MaxFetchLogGroups, "max-fetch", 1000, "SLS_MAX_FETCH_LOG_GROUPS: log groups per pull")
	fs.StringVar(&o.Protocol, "protocol", "tcp", "tcp or tls")
	fs.StringVar(&o.Framing, "framing", "", "octet or lf (default: siemship's default for the protocol)")
	fs.IntVar(&o.Connections, "connections", 1, "SYSLOG_CONNECTIONS")
	fs.BoolVar(&o.HEC, "hec", false, "end to end into a built-in Splunk HEC emulator (SIEMSHIP_OUTPUT=hec, indexer acknowledgement on) instead of syslog")
	fs.StringVar(&o.Target, "target", "", "host:port of an external receiver (e.g. rsyslog) instead of the built-in counting one")
	fs.StringVar(&o.TargetCAFile, "target-ca", "", "CA file verifying an external TLS target (default: no verification)")
	fs.IntVar(&o.TargetPID, "target-pid", 0, "process id of the external receiver: report its CPU per phase")
	fs.BoolVar(&o.SkipPull, "skip-pull", false, "skip the pull-only limit")
	fs.BoolVar(&o.SkipSend, "skip-send", false, "skip the send-only limit")
	fs.Var(&env, "env", "extra KEY=value for the shipper (repeatable), e.g. --env SLS_FETCH_INTERVAL=50ms")
	inProcess := fs.Bool("in-process", false, "run the shipper in this process (CPU and RSS then include emulator and receiver)")
	jsonFile := fs.String("json", "", "also write the report as JSON to this file")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the end-to-end shipper to this file")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "give up a phase after this long")
	logLevel := fs.String("log-level", "warn", "log level of the benchmark's own components")
	childPhase := fs.String("child", "", "internal: run one shipper phase (pull or e2e) with the configuration from the environment")
	childRecords := fs.Uint64("child-records", 0, "internal: records the pull child waits for")
	return func(ctx context.Context, stdout, stderr io.Writer) int {
		return runBench(ctx, o, env, *inProcess, *jsonFile, *logLevel, *childPhase, *childRecords, stdout, stderr)
	}
}

func runBench(ctx context.Context, o bench.Options, env envList, inProcess bool, jsonFile, logLevel, childPhase string,
	childRecords uint64, stdout, stderr io.Writer) int {
	log, err := telemetry.NewLogger(logLevel, "console", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "siemship bench: %v\n", err)
		return 2
	}
	if childPhase != "" {
		n := childRecords
		if n == 0 {
			n = uint64(max(o.Records, 0))
		}
		if err := bench.RunChild(ctx, childPhase, n, o.CPUProfile, os.Environ(), stdout, log); err != nil {
			fmt.Fprintf(stderr, "siemship bench child: %v\n", err)
			return 1
		}
		return 0
	}
	if !inProcess {
		if o.Exe, err = os.Executable(); err != nil {
			fmt.Fprintf(stderr, "siemship bench: cannot find my own binary for the child processes (use --in-process): %v\n", err)
			return 1
		}
	}
	o.Env = env
	o.Logger = log
	o.ChildStderr = stderr
	rep, err := bench.Run(ctx, o)
	if rep != nil {
		rep.WriteTable(stdout)
		if jsonFile != "" {
			if werr := writeJSONFile(jsonFile, rep); werr != nil {
				fmt.Fprintf(stderr, "siemship bench: %v\n", werr)
				return 1
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "siemship bench: %v\n", err)
		return 1
	}
	if rep.EndToEnd != nil && o.Target == "" && !rep.EndToEnd.Verified {
		return 1
	}
	return 0
}

func writeJSONFile(path string, rep *bench.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
