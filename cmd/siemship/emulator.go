package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/telemetry"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func init() {
	commands["emulator"] = command{summary: "run a local SLS emulator (see docs/emulator.md)", setup: setupEmulator}
}

// storeFlag collects --store project/logstore[:shards] values.
type storeFlag []storeSpec

type storeSpec struct {
	project, logstore string
	shards            int
}

func (f *storeFlag) String() string { return fmt.Sprint(*f) }

func (f *storeFlag) Set(v string) error {
	spec, shards, hasShards := strings.Cut(v, ":")
	project, logstore, ok := strings.Cut(spec, "/")
	if !ok || project == "" || logstore == "" {
		return fmt.Errorf("want project/logstore[:shards], got %q", v)
	}
	s := storeSpec{project: project, logstore: logstore, shards: 2}
	if hasShards {
		n, err := strconv.Atoi(shards)
		if err != nil || n < 1 {
			return fmt.Errorf("shards in %q must be a number >= 1", v)
		}
		s.shards = n
	}
	*f = append(*f, s)
	return nil
}

type emulatorFlags struct {
	listen, project, logstore      string
	shards                         int
	stores                         storeFlag
	keyID, keySecret, stsToken     string
	anonymous, correctSpelling     bool
	generate, perGroup             int
	rate                           float64
	retention, logLevel, logFormat string
	retentionDuration              time.Duration
}

// setupEmulator is `siemship emulator`: an SLS emulator on a local port until SIGINT/SIGTERM.
func setupEmulator(fs *flag.FlagSet) runFunc {
	f := &emulatorFlags{}
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	fs.StringVar(&f.project, "project", "siemship", "project of the main logstore (the Host prefix clients use)")
	fs.StringVar(&f.logstore, "logstore", "audit", "main logstore; --generate and --rate fill it")
	fs.IntVar(&f.shards, "shards", 2, "shards of the main logstore")
	fs.Var(&f.stores, "store", "extra logstore as project/logstore[:shards] (repeatable)")
	fs.StringVar(&f.keyID, "access-key-id", "", "access key id that clients sign with")
	fs.StringVar(&f.keySecret, "access-key-secret", "", "access key secret")
	fs.StringVar(&f.stsToken, "sts-token", "", "if set, the key is an STS key: requests must carry this security token")
	fs.BoolVar(&f.anonymous, "allow-anonymous", false, "accept unsigned requests (SDK AuthV0)")
	fs.BoolVar(&f.correctSpelling, "correct-spelling", false, "send ConsumerNotExist/ShardNotExist instead of the Go SDK's typos ConsumerNotExsit/ShardNotExsit")
	fs.IntVar(&f.generate, "generate", 0, "generate this many audit records into the main logstore before listening")
	fs.Float64Var(&f.rate, "rate", 0, "keep generating this many records per second")
	fs.IntVar(&f.perGroup, "records-per-group", 10, "records per generated log group")
	fs.StringVar(&f.retention, "retention", "0", "retention of every logstore, e.g. 90m, 24h or 7d (0: forever)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug (one line per request), info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "console", "log format: console or json (logs go to stderr)")
	return func(ctx context.Context, stdout, stderr io.Writer) int { return runEmulator(ctx, f, stdout, stderr) }
}

// check validates the flags beyond what their types ensure.
func (f *emulatorFlags) check() error {
	switch {
	case f.shards < 1:
		return errors.New("--shards must be >= 1")
	case f.generate < 0:
		return errors.New("--generate must be >= 0")
	case f.rate < 0:
		return errors.New("--rate must be >= 0")
	case f.perGroup < 1:
		return errors.New("--records-per-group must be >= 1")
	case !f.anonymous && (f.keyID == "" || f.keySecret == ""):
		return errors.New("--access-key-id and --access-key-secret are required (or --allow-anonymous)")
	case f.stsToken != "" && f.keyID == "":
		return errors.New("--sts-token needs --access-key-id and --access-key-secret")
	}
	d, err := slsemu.ParseRetention(f.retention)
	if err != nil {
		return fmt.Errorf("--retention: %w", err)
	}
	f.retentionDuration = d
	return nil
}

// isLoopback reports whether the listen address host:port binds loopback only (an empty host binds every interface).
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runEmulator(ctx context.Context, f *emulatorFlags, stdout, stderr io.Writer) int {
	if err := f.check(); err != nil {
		fmt.Fprintf(stderr, "siemship emulator: %v\n", err)
		return 2
	}
	log, err := telemetry.NewLogger(f.logLevel, f.logFormat, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "siemship emulator: %v\n", err)
		return 2
	}
	defer log.Sync() //nolint:errcheck // stderr

	spelling := slsemu.SpellingTypo
	if f.correctSpelling {
		spelling = slsemu.SpellingCorrect
	}
	emu := slsemu.New(slsemu.Options{
		Logger:          log.Named("emulator"),
		AllowAnonymous:  f.anonymous,
		Spelling:        spelling,
		RecordsPerGroup: f.perGroup,
	})
	if f.keyID != "" {
		if f.stsToken != "" {
			emu.AddSTSKey(f.keyID, f.keySecret, f.stsToken)
		} else {
			emu.AddKey(f.keyID, f.keySecret)
		}
	}
	stores := append(storeFlag{{project: f.project, logstore: f.logstore, shards: f.shards}}, f.stores...)
	for _, s := range stores {
		if err := emu.AddLogstore(s.project, s.logstore, s.shards, f.retentionDuration); err != nil {
			fmt.Fprintf(stderr, "siemship emulator: %v\n", err)
			return 2
		}
	}
	if f.generate > 0 {
		start := time.Now()
		if err := emu.Generate(f.project, f.logstore, f.generate); err != nil {
			fmt.Fprintf(stderr, "siemship emulator: generate: %v\n", err)
			return 1
		}
		log.Info("generated records", zap.Int("records", f.generate), zap.Duration("took", time.Since(start)))
	}
	if f.rate > 0 {
		if err := emu.StartProducer(f.project, f.logstore, f.rate); err != nil {
			fmt.Fprintf(stderr, "siemship emulator: %v\n", err)
			return 1
		}
	}
	url, err := emu.Start(ctx, f.listen)
	if err != nil {
		_ = emu.Shutdown(context.Background())
		fmt.Fprintf(stderr, "siemship emulator: %v\n", err)
		return 1
	}
	if !isLoopback(f.listen) {
		fmt.Fprintf(stderr, "siemship emulator: WARNING: listening on %s, not on a loopback address: anyone who can reach it "+
			"can use its /_emulator/ admin API, which has no authentication (inject faults, move the clock, delete data). "+
			"Use --listen 127.0.0.1:PORT unless other hosts must reach it.\n", f.listen)
	}
	fmt.Fprintf(stdout, "sls emulator listening on %s\n", url)

	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := emu.Shutdown(sctx); err != nil {
		log.Warn("shutdown", zap.Error(err))
	}
	log.Info("sls emulator stopped")
	return 0
}
