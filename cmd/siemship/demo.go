package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/telemetry"
	"github.com/siemship/siemship/internal/testgear/hecemu"
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

// demoHECToken is the token of the embedded HEC emulator, a GUID as Splunk generates them.
const demoHECToken = "5d3c1f0e-9b7a-4c2d-8e6f-a1b2c3d4e5f6" // #nosec G101 -- a throw-away token of the in-process emulator

// Defaults of the demo's --format and --header. With --output hec they must stay: HEC events have no syslog
// header, and their payload is always the json format's object.
const (
	demoFormat = "kv"
	demoHeader = "rfc5424"
)

// setupDemo is `siemship demo`: an embedded SLS emulator with generated audit logs, siemship configured through the
// same environment variables a user sets, and an embedded receiver that prints what a SIEM would receive: a syslog
// receiver, or with --output hec a Splunk HTTP Event Collector emulator. It stops by itself once every record
// arrived (or after --timeout) and prints a summary; exit 0 only when nothing was lost.
func setupDemo(fs *flag.FlagSet) runFunc {
	var o demoOptions
	fs.IntVar(&o.records, "records", 20000, "records the emulator generates")
	fs.IntVar(&o.shards, "shards", 4, "shards of the demo logstore")
	fs.IntVar(&o.show, "show", 5, "received messages to print")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up after this long")
	fs.StringVar(&o.logLevel, "log-level", "warn", "siemship's log level (debug, info, warn, error)")
	fs.StringVar(&o.output, "output", "syslog", "SIEMSHIP_OUTPUT: syslog (an embedded syslog receiver) or hec (an embedded Splunk HTTP Event Collector emulator, indexer acknowledgement on)")
	fs.StringVar(&o.format, "format", demoFormat, "SIEMSHIP_FORMAT: kv, cef, leef or json (syslog only)")
	fs.StringVar(&o.header, "header", demoHeader, "SYSLOG_HEADER: rfc5424, rfc3164 (or none with json) (syslog only)")
	fs.StringVar(&o.preset, "preset", "", "SIEMSHIP_PRESET: actiontrail (the generated records are ActionTrail-like), or empty")
	return func(ctx context.Context, stdout, stderr io.Writer) int { return runDemo(ctx, o, stdout, stderr) }
}

type demoOptions struct {
	records, shards, show int
	timeout               time.Duration
	logLevel              string
	output                string
	format, header        string
	preset                string
}

// check returns what is wrong with the flags, for exit code 2.
func (o demoOptions) check() error {
	if o.records < 1 || o.shards < 1 || o.shards > 64 || o.timeout <= 0 {
		return errors.New("--records must be >= 1, --shards 1..64 and --timeout > 0")
	}
	switch o.output {
	case config.DestinationSyslog:
	case config.DestinationHEC:
		// Refused rather than ignored: a user who asks for cef would otherwise believe HEC got cef.
		if o.format != demoFormat {
			return fmt.Errorf("--format %s is not used with --output hec: HEC events carry the json format's object; leave --format out", o.format)
		}
		if o.header != demoHeader {
			return fmt.Errorf("--header %s is not used with --output hec: HEC events have no syslog header; leave --header out", o.header)
		}
	default:
		return fmt.Errorf("--output must be syslog or hec, not %q", o.output)
	}
	return nil
}

func runDemo(ctx context.Context, o demoOptions, stdout, stderr io.Writer) int {
	if err := o.check(); err != nil {
		fmt.Fprintf(stderr, "siemship demo: %v\n", err)
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

	var printMu sync.Mutex
	printed := 0
	show := func(msg []byte) {
		printMu.Lock()
		defer printMu.Unlock()
		if printed < o.show {
			printed++
			fmt.Fprintf(stdout, "received: %s\n", msg)
		}
	}
	start := startDemoSyslog
	if o.output == config.DestinationHEC {
		start = startDemoHEC
	}
	dst, err := start(ctx, o, show)
	if err != nil {
		fmt.Fprintf(stderr, "siemship demo: %v\n", err)
		return 1
	}
	defer dst.close()
	led := dst.led

	u, _ := url.Parse(emuURL)
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
	}
	env = append(env, dst.env...)
	env = append(env, "SIEMSHIP_PRESET="+o.preset) // empty: none; with hec it only sets the severity, which HEC does not carry
	cfg, code := loadConfig(config.Load, env, stderr)
	if cfg == nil {
		return code
	}
	fmt.Fprintf(stdout, "siemship demo: %d audit records in %d shards at %s -> siemship -> %s\n",
		o.records, o.shards, emuURL, dst.name)
	fmt.Fprintln(stdout, "configuration used (the same variables you would set for a real Logstore):")
	for _, kv := range env {
		fmt.Fprintf(stdout, "  %s\n", redactDemo(kv))
	}

	begin := time.Now()
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
			dst.sync(want)
			if led.Report().Unique >= want {
				drained = time.Since(begin)
				break wait
			}
		}
	}
	stop()
	runErr := <-done
	dst.sync(0) // what arrived after the last tick, duplicates included, so that the summary counts it
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

// demoDest is where the demo's siemship delivers, and what counts the records arriving there.
type demoDest struct {
	name string         // for the first line: what and where
	env  []string       // the destination's variables
	led  *ledger.Ledger // seq values received
	// sync brings led up to date once the destination holds at least n messages (0: whatever it holds). The
	// syslog receiver feeds led as messages arrive and needs none.
	sync  func(n uint64)
	close func()
}

// startDemoSyslog starts the embedded syslog receiver; show prints a received message.
func startDemoSyslog(_ context.Context, o demoOptions, show func([]byte)) (*demoDest, error) {
	led := ledger.NewKey(ledger.KeyFromEnv([]string{"SIEMSHIP_FORMAT=" + o.format}))
	recv, err := syslogrecv.Listen(syslogrecv.Options{Addr: "127.0.0.1:0"}, func(msg []byte) {
		led.Observe(msg)
		show(msg)
	})
	if err != nil {
		return nil, fmt.Errorf("start receiver: %w", err)
	}
	rhost, rport, _ := net.SplitHostPort(recv.Addr())
	return &demoDest{
		name: "receiver at " + recv.Addr(),
		env: []string{
			"SYSLOG_HOST=" + rhost,
			"SYSLOG_PORT=" + rport,
			"SYSLOG_PROTOCOL=tcp",
			"SYSLOG_HOSTNAME=siemship-demo",
			"SYSLOG_APP_NAME=siemship",
			"SYSLOG_FACILITY=local0",
			"SIEMSHIP_FORMAT=" + o.format,
			"SYSLOG_HEADER=" + o.header,
		},
		led:   led,
		sync:  func(uint64) {},
		close: func() { _ = recv.Close() },
	}, nil
}

// startDemoHEC starts the embedded HEC emulator with one token that has indexer acknowledgement, so that siemship
// confirms a batch only once it is indexed, as with a Splunk token with useACK. show prints a received event.
// SYSLOG_* and SIEMSHIP_FORMAT are left out: siemship needs and uses neither with hec.
func startDemoHEC(ctx context.Context, _ demoOptions, show func([]byte)) (*demoDest, error) {
	h := hecemu.New(hecemu.Options{})
	h.AddToken(demoHECToken, hecemu.Token{Ack: true})
	hecURL, err := h.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start HEC emulator: %w", err)
	}
	// The event member is the json format's object, so its seq pair is the json format's.
	led := ledger.NewKey(ledger.KeyFromEnv([]string{"SIEMSHIP_FORMAT=json"}))
	observed := 0
	return &demoDest{
		name: "HEC emulator at " + hecURL,
		env: []string{
			"SIEMSHIP_OUTPUT=hec",
			"HEC_URL=" + hecURL,
			"HEC_TOKEN=" + demoHECToken,
			"HEC_ACK=on",
		},
		led: led,
		// Events copies the emulator's whole ledger, so it is read only once it may be complete, and only the
		// events not observed yet are counted (the ledger only grows, in indexing order).
		sync: func(n uint64) {
			if c := h.Count(); c <= observed || uint64(c) < n {
				return
			}
			evs := h.Events()
			for _, ev := range evs[observed:] {
				led.Observe(ev.Event)
				show(hecEventLine(ev))
			}
			observed = len(evs)
		},
		close: func() { _ = h.Shutdown(context.Background()) },
	}, nil
}

// hecEventLine is the HEC event as the request carried it, rebuilt from what the emulator recorded, with the
// members in the order siemship's encoder writes them: time (a number, as sent), host, source, sourcetype, event
// (verbatim). index is left out: the emulator records the token's default index for an event that names none,
// which is what the demo sends (no HEC_INDEX).
func hecEventLine(ev hecemu.Event) []byte {
	b := []byte{'{'}
	if ev.HasTime {
		b = append(append(append(b, `"time":`...), ev.TimeText...), ',')
	}
	for _, m := range []struct{ name, v string }{{"host", ev.Host}, {"source", ev.Source}, {"sourcetype", ev.Sourcetype}} {
		if m.v != "" {
			q, _ := json.Marshal(m.v)
			b = append(append(append(b, `"`+m.name+`":`...), q...), ',')
		}
	}
	b = append(append(b, `"event":`...), ev.Event...)
	return append(b, '}')
}

// demoSecrets are the printed configuration's secrets, with what they are.
var demoSecrets = map[string]string{
	"SLS_AK_KEY": "demo key of the embedded emulator",
	"HEC_TOKEN":  "demo token of the embedded HEC emulator",
}

// redactDemo hides the demo's secrets in the printed configuration, as siemship does with real ones.
func redactDemo(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	if what, ok := demoSecrets[k]; ok {
		return k + "=[redacted] (" + what + ")"
	}
	return kv
}
