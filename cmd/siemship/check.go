package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/output"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
)

func init() {
	commands["check"] = command{
		summary: "check the configuration, SLS access and the destination (syslog receiver or Splunk HEC); exit 0 or 1",
		details: "It reads the same environment variables as siemship run (siemship help-env).",
		setup:   setupCheck,
	}
}

// setupCheck is `siemship check`: a readable report of every prerequisite of `siemship run`.
func setupCheck(fs *flag.FlagSet) runFunc {
	sendTest := fs.Bool("send-test", false, "also send one test message to the destination")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline for the whole check")
	return func(ctx context.Context, stdout, _ io.Writer) int {
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return check(ctx, os.Environ(), *sendTest, stdout)
	}
}

func check(ctx context.Context, environ []string, sendTest bool, w io.Writer) int {
	ok := true
	report := func(good bool, format string, args ...any) {
		mark := "ok  "
		if !good {
			mark, ok = "FAIL", false
		}
		fmt.Fprintf(w, "[%s] %s\n", mark, fmt.Sprintf(format, args...))
	}

	cfg, err := config.Load(environ)
	if err != nil {
		report(false, "configuration:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(w, "       %s\n", line)
		}
		fmt.Fprintln(w, "result: FAILED")
		return 1
	}
	report(true, "configuration: %s", cfg.String())
	for _, warn := range cfg.Warnings() {
		fmt.Fprintf(w, "[warn] %s\n", warn)
	}

	log := zap.NewNop()
	cons, err := consumer.New(app.ConsumerOptions(cfg, log), consumer.BatchHandlerFunc(func(context.Context, *consumer.Batch) error { return nil }))
	if err != nil {
		report(false, "SLS consumer settings: %v", err)
	} else {
		checkSLS(ctx, cfg, cons, report, w)
	}
	checkSyslog(ctx, cfg, sendTest, report)

	if ok {
		fmt.Fprintln(w, "result: OK")
		return 0
	}
	fmt.Fprintln(w, "result: FAILED")
	return 1
}

func checkSLS(ctx context.Context, cfg *config.Config, cons *consumer.Consumer, report func(bool, string, ...any), w io.Writer) {
	if err := cons.Probe(ctx); err != nil {
		hint := "is the endpoint right and reachable from here?"
		if consumer.IsRejected(err) {
			hint = "check SLS_AK_ID/SLS_AK_KEY and SLS_PROJECT/SLS_LOGSTORE"
		}
		report(false, "SLS %s: %v (%s)", cfg.Endpoint, err, hint)
		return
	}
	report(true, "SLS %s: reachable, credentials accepted, %s/%s exists", cfg.Endpoint, cfg.Project, cfg.Logstore)
	cl := cons.Client()
	shards, err := withContext(ctx, func() ([]*sls.Shard, error) { return cl.ListShards(cfg.Project, cfg.Logstore) })
	if err != nil {
		report(false, "list shards: %v", err)
		return
	}
	states := make([]string, 0, len(shards))
	for _, s := range shards {
		states = append(states, fmt.Sprintf("%d (%s)", s.ShardID, s.Status))
	}
	report(true, "shards: %s", strings.Join(states, ", "))
	cps, err := withContext(ctx, func() ([]*sls.ConsumerGroupCheckPoint, error) {
		return cl.GetCheckpoint(cfg.Project, cfg.Logstore, cfg.ConsumerGroup)
	})
	var se *sls.Error
	switch {
	case errors.As(err, &se) && strings.EqualFold(se.Code, "ConsumerGroupNotExist"):
		report(true, "consumer group %q does not exist yet: siemship run creates it and starts at SLS_CURSOR_START=%s", cfg.ConsumerGroup, cfg.CursorStart)
	case err != nil:
		report(false, "checkpoints of consumer group %q: %v", cfg.ConsumerGroup, err)
	default:
		report(true, "consumer group %q checkpoints:", cfg.ConsumerGroup)
		for _, cp := range cps {
			if cp.CheckPoint == "" {
				fmt.Fprintf(w, "       shard %d: none (starts at %s)\n", cp.ShardID, cfg.CursorStart)
				continue
			}
			at := ""
			if t, err := cl.GetCursorTime(cfg.Project, cfg.Logstore, cp.ShardID, cp.CheckPoint); err == nil {
				at = " = data received at " + t.UTC().Format(time.RFC3339)
			}
			owner := cp.Consumer
			if owner == "" {
				owner = "-"
			}
			fmt.Fprintf(w, "       shard %d: %s%s, saved by %s\n", cp.ShardID, cp.CheckPoint, at, owner)
		}
	}
	printSample(ctx, cfg, w)
}

// printSample prints the logstore's first record as the SIEM will receive it (siemship preview shows more). An
// empty logstore or an encoder error is said, not failed: the encoder's settings are checked with the receiver.
func printSample(ctx context.Context, cfg *config.Config, w io.Writer) {
	enc, _, err := output.NewEncoder(cfg, message.FramingNone)
	if err != nil {
		return
	}
	m, err := output.NewMapping(cfg)
	if err != nil {
		return
	}
	groups, err := pullRecords(ctx, cfg, 1)
	var b bytes.Buffer
	if printMessages(&b, m, enc, groups, 1) == 0 {
		fmt.Fprintf(w, "       sample: none (%v)\n", cmp.Or(error(err), error(errEmptyLogstore)))
		return
	}
	fmt.Fprintf(w, "       sample message (%s, siemship preview shows more): %s", cfg.Payload(),
		strings.ReplaceAll(strings.TrimSuffix(b.String(), "\n"), "\n", "\n       ")+"\n")
}

var errEmptyLogstore = errors.New("the shards hold no data yet")

func checkSyslog(ctx context.Context, cfg *config.Config, sendTest bool, report func(bool, string, ...any)) {
	addrs, _ := cfg.SyslogAddrs()
	out, err := output.NewSink(cfg, zap.NewNop())
	if err != nil {
		report(false, "syslog settings: %v", err)
		return
	}
	defer out.Close()
	// The encoder too, in the sink's framing, as siemship run builds them (output.New), whether or not a test
	// message is sent: a setting the encoder refuses fails here as it would fail there.
	enc, _, encErr := output.NewEncoder(cfg, out.Framing())
	if encErr != nil {
		report(false, "message encoder settings: %v", encErr)
	}
	if cfg.IsHEC() {
		if err := out.Check(ctx); err != nil {
			report(false, "splunk hec %s: %v", cfg.HECURL, err)
			return
		}
		if err := out.Start(ctx); err != nil { // settles HEC_ACK=auto
			report(false, "splunk hec %s: %v", cfg.HECURL, err)
			return
		}
		report(true, "splunk hec %s: healthy, token accepted", cfg.HECURL)
	} else if err := out.Check(ctx); err != nil {
		report(false, "syslog receiver %s over %s: %v", strings.Join(addrs, ","), cfg.Protocol, err)
		return
	}
	how := string(cfg.Protocol)
	if cfg.Protocol == config.ProtocolTLS {
		how += ", certificate verified"
		if cfg.TLSInsecureSkipVerify {
			how += " NOT (SYSLOG_TLS_INSECURE_SKIP_VERIFY)"
		}
	}
	if !cfg.IsHEC() {
		report(true, "syslog receiver %s: connected (%s, framing %s)", strings.Join(addrs, ","), how, out.Framing())
	}
	if !sendTest || encErr != nil {
		return
	}
	now := time.Now()
	g := record.Group{Topic: "siemship-check", Logs: []record.Log{{
		Time: uint32(now.Unix()), TimeNs: uint32(now.Nanosecond()),
		Contents: []record.Field{{Key: "message", Value: "siemship check test message"}, {Key: "version", Value: version}},
	}}}
	// The test message goes through the mapping and rules as every record does, so that it arrives as records do.
	m, err := output.NewMapping(cfg)
	if err != nil {
		report(false, "test message: %v", err)
		return
	}
	if r := m.Match(&g, &g.Logs[0]); r != nil && r.Drop {
		report(true, "test message dropped by rule %s (line %d) of %s: nothing sent", r.Name, r.Line, cfg.RulesFile)
		return
	}
	mg, heads, _ := m.MapGroup(&g, new(mapping.Scratch))
	var b message.Batch
	enc.AppendGroup(&b, mg, heads, &message.Scratch{})
	if err := out.Send(ctx, &b); err != nil {
		report(false, "test message: %v", err)
		return
	}
	report(true, "test message sent (topic siemship-check)")
}

// withContext runs an SDK call (which takes no context) and gives up when ctx ends. An SDK error comes back with a
// one-line message (consumer.OneLine).
func withContext[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, consumer.OneLine(err)}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
