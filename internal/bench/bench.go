// Package bench measures siemship against the machine's limits: an SLS emulator serves a pre-generated backlog,
// siemship drains it into a counting syslog receiver (or an external one), and the same run measures the two
// limits around it: pull only (consumer and decoding, batches discarded) and send only (pre-encoded frames written
// to the receiver). `siemship bench` prints the result as a table and JSON.
//
// With Options.Exe set, every shipper phase runs as a child process (`siemship bench --child ...`), so its CPU time
// and peak RSS (getrusage of the child) are siemship's alone; the emulator and the receiver stay in the calling
// process and their CPU is reported separately. Without it, everything runs in one process and the CPU and RSS
// figures include the emulator (which holds the whole backlog in memory) and the receiver.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/testcert"
)

// Names of the benchmark's emulated logstore.
const (
	project  = "bench-project"
	logstore = "bench"
	keyID    = "bench-key-id"
	secret   = "bench-key-secret" // #nosec G101 -- a throw-away key of the in-process emulator
)

// Options configure a run. Zero values take the defaults in brackets.
type Options struct {
	Shards            int    // shards of the logstore [16]
	Records           int    // generated records [1 000 000]
	GroupRecords      int    // records per log group [10, the emulator's default]
	MaxFetchLogGroups int    // SLS_MAX_FETCH_LOG_GROUPS [1000]
	Protocol          string // tcp or tls [tcp]
	Framing           string // octet or lf [siemship's default for the protocol]
	Connections       int    // SYSLOG_CONNECTIONS [1]
	// Target is the host:port of an external receiver (a real rsyslog). Empty starts the built-in counting
	// receiver, which also checks every seq with a ledger. With a target, completion is judged from the
	// checkpoints in the emulator (delivered to the socket), and the send-only phase only knows what was written.
	Target string
	// HEC sends the end-to-end phase to a HEC emulator (SIEMSHIP_OUTPUT=hec, indexer acknowledgement on) instead of
	// a syslog receiver. The emulator counts events without keeping them; completion is judged from the
	// checkpoints, and lost and duplicate events from its count.
	HEC bool
	// TargetCAFile verifies an external TLS target; empty skips verification.
	TargetCAFile string
	// TargetPID is the process id of the external receiver: each phase then reports the receiver's CPU, from the
	// phase's start until the receiver went idle after it (its backlog included). 0 measures nothing.
	TargetPID int
	// Exe is the siemship binary used for child processes; empty runs everything in this process.
	Exe string
	// Env are extra KEY=value settings for the shipper; they win over the benchmark's.
	Env []string
	// SkipPull and SkipSend leave out the limit phases.
	SkipPull, SkipSend bool
	// CPUProfile, when set, is written by the end-to-end shipper (child or in-process).
	CPUProfile string
	// Timeout bounds each phase [10 min].
	Timeout time.Duration
	// ChildStderr receives the children's logs [os.Stderr].
	ChildStderr io.Writer
	Logger      *zap.Logger
}

func (o Options) withDefaults() (Options, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Shards, 16)
	def(&o.Records, 1_000_000)
	def(&o.GroupRecords, 10)
	def(&o.MaxFetchLogGroups, 1000)
	def(&o.Connections, 1)
	if o.Protocol == "" {
		o.Protocol = "tcp"
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.ChildStderr == nil {
		o.ChildStderr = os.Stderr
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	var errs []error
	if o.Shards < 1 || o.Shards > 256 {
		errs = append(errs, fmt.Errorf("shards %d out of range 1..256", o.Shards))
	}
	if o.Records < 1 {
		errs = append(errs, fmt.Errorf("records %d must be at least 1", o.Records))
	}
	if o.GroupRecords < 1 || o.GroupRecords > 4096 {
		errs = append(errs, fmt.Errorf("records per group %d out of range 1..4096", o.GroupRecords))
	}
	if o.Protocol != "tcp" && o.Protocol != "tls" {
		errs = append(errs, fmt.Errorf("protocol %q is not tcp or tls", o.Protocol))
	}
	if o.TargetPID != 0 && o.Target == "" {
		errs = append(errs, errors.New("a target pid needs a target (--target host:port)"))
	} else if o.TargetPID != 0 {
		if _, err := processCPU(o.TargetPID); err != nil {
			errs = append(errs, fmt.Errorf("target pid %d: %w", o.TargetPID, err))
		}
	}
	switch o.Framing {
	case "", "octet", "lf":
	default:
		errs = append(errs, fmt.Errorf("framing %q is not octet or lf", o.Framing))
	}
	if o.Target != "" {
		if _, _, err := net.SplitHostPort(o.Target); err != nil {
			errs = append(errs, fmt.Errorf("target %q is not host:port", o.Target))
		}
	}
	return o, errors.Join(errs...)
}

// run is the state of one benchmark run.
type run struct {
	o      Options
	log    *zap.Logger
	emu    *slsemu.Server
	emuEP  string // host:port of the emulator
	tmp    string
	caFile string // CA of the built-in TLS receiver
	certs  *testcert.Bundle
	avgRaw float64
}

// Run generates the backlog, measures the phases and returns the report. A phase that fails ends the run with an
// error; the report holds what was measured until then.
func Run(ctx context.Context, o Options) (*Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	rep := &Report{Date: time.Now().UTC(), Machine: machine()}
	r := &run{o: o, log: o.Logger}
	r.tmp, err = os.MkdirTemp("", "siemship-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(r.tmp)
	if o.Protocol == "tls" && o.Target == "" {
		if r.certs, err = testcert.New(); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		f, err := r.certs.WriteFiles(r.tmp)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		r.caFile = f.CA
	}

	genStart := time.Now()
	r.emu = slsemu.New(slsemu.Options{RecordsPerGroup: o.GroupRecords, Logger: o.Logger.Named("emulator")})
	r.emu.AddKey(keyID, secret)
	if err := r.emu.AddLogstore(project, logstore, o.Shards, 0); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err := r.emu.Generate(project, logstore, o.Records); err != nil {
		return nil, fmt.Errorf("bench: generate: %w", err)
	}
	u, err := r.emu.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: start emulator: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.emu.Shutdown(sctx)
	}()
	pu, _ := url.Parse(u)
	r.emuEP = pu.Host
	rep.Data = Data{Records: uint64(o.Records), GenerateSeconds: time.Since(genStart).Seconds()}
	if ls := r.emu.Stats().Logstore(project, logstore); ls != nil {
		for _, sh := range ls.Shards {
			rep.Data.RawBytes += sh.RawBytes
		}
	}
	rep.Data.AvgRecordBytes = float64(rep.Data.RawBytes) / float64(o.Records)
	r.avgRaw = rep.Data.AvgRecordBytes

	framing := o.Framing
	if framing == "" {
		framing = "lf"
		if o.Protocol == "tls" {
			framing = "octet"
		}
	}
	rep.Setup = Setup{Shards: o.Shards, Records: o.Records, GroupRecords: o.GroupRecords,
		MaxFetchLogGroups: o.MaxFetchLogGroups, Protocol: o.Protocol, Framing: framing, Connections: o.Connections,
		Receiver: "built-in counting receiver", Isolation: "in this process, with the emulator and the receiver",
		Env: o.Env}
	if o.Target != "" {
		rep.Setup.Receiver = o.Target
	}
	if o.HEC {
		rep.Setup.Receiver = "built-in HEC emulator (end to end; counts events), indexer acknowledgement on"
	}
	if o.Exe != "" {
		rep.Setup.Isolation = "in a child process"
	}

	if !o.SkipPull {
		if rep.PullOnly, err = r.pullOnly(ctx); err != nil {
			return rep, err
		}
	}
	if !o.SkipSend {
		if rep.SendOnly, err = r.withReceiverCPU(ctx, r.sendOnly); err != nil {
			return rep, err
		}
	}
	if rep.EndToEnd, err = r.withReceiverCPU(ctx, r.endToEnd); err != nil {
		return rep, err
	}
	if rep.PullOnly != nil && rep.PullOnly.RecordsPerSec > 0 {
		rep.EndToEndOfPull = rep.EndToEnd.RecordsPerSec / rep.PullOnly.RecordsPerSec
	}
	rep.CPUCeiling = cpuCeiling(rep.PullOnly, rep.SendOnly, o.Target)
	return rep, nil
}

// withReceiverCPU runs a phase and, with a TargetPID, adds the external receiver's CPU to it.
func (r *run) withReceiverCPU(ctx context.Context, phase func(context.Context) (*Phase, error)) (*Phase, error) {
	if r.o.TargetPID == 0 {
		return phase(ctx)
	}
	if _, err := receiverIdle(ctx, r.o.TargetPID, time.Minute); err != nil { // the previous phase's backlog
		return nil, err
	}
	before, err := processCPU(r.o.TargetPID)
	if err != nil {
		return nil, err
	}
	p, err := phase(ctx)
	if err != nil {
		return nil, err
	}
	after, err := receiverIdle(ctx, r.o.TargetPID, time.Minute)
	if err != nil {
		return nil, err
	}
	p.ReceiverCPUSeconds = (after - before).Seconds()
	if p.Records > 0 {
		p.ReceiverCPUPerMillion = p.ReceiverCPUSeconds / float64(p.Records) * 1e6
	}
	return p, nil
}

// env is the shipper's environment for one phase: its own consumer group, so every phase reads the whole backlog.
func (r *run) env(group, syslogAddr string) []string {
	host, port, _ := net.SplitHostPort(syslogAddr)
	env := []string{
		"SLS_ENDPOINT=" + r.emuEP,
		"SLS_AK_ID=" + keyID,
		"SLS_AK_KEY=" + secret,
		"SLS_PROJECT=" + project,
		"SLS_LOGSTORE=" + logstore,
		"SLS_CG=" + group,
		"SLS_CONSUMER_NAME=bench-1",
		"SLS_HEARTBEAT_INTERVAL=5s",
		"SLS_MAX_FETCH_LOG_GROUPS=" + strconv.Itoa(r.o.MaxFetchLogGroups),
		"SIEMSHIP_SHUTDOWN_TIMEOUT=10s", // not measured; a loaded machine can take a few seconds
		"SIEMSHIP_LOG_LEVEL=warn",
		"SIEMSHIP_LOG_FORMAT=console",
		"SYSLOG_HOST=" + host,
		"SYSLOG_PORT=" + port,
		"SYSLOG_PROTOCOL=" + r.o.Protocol,
		"SYSLOG_CONNECTIONS=" + strconv.Itoa(r.o.Connections),
		"SYSLOG_HOSTNAME=bench-host",
		"SYSLOG_APP_NAME=siemship",
		"SYSLOG_FACILITY=local0",
	}
	if r.o.Framing != "" {
		env = append(env, "SYSLOG_FRAMING="+r.o.Framing)
	}
	if r.o.Protocol == "tls" {
		switch {
		case r.o.Target == "":
			env = append(env, "SYSLOG_TLS_CA_FILE="+r.caFile, "SYSLOG_TLS_SERVER_NAME=localhost")
		case r.o.TargetCAFile != "":
			env = append(env, "SYSLOG_TLS_CA_FILE="+r.o.TargetCAFile)
		default:
			env = append(env, "SYSLOG_TLS_INSECURE_SKIP_VERIFY=true")
		}
	}
	return override(env, r.o.Env)
}

// override replaces entries of env whose key appears in extra and appends the others.
func override(env, extra []string) []string {
	out := append([]string(nil), env...)
	for _, kv := range extra {
		k, _, _ := cutEq(kv)
		replaced := false
		for i, e := range out {
			if ek, _, _ := cutEq(e); ek == k {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

func cutEq(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// loadConfig validates a phase's environment the way `siemship run` does.
func loadConfig(env []string) (*config.Config, error) {
	cfg, err := config.Load(env)
	if err != nil {
		return nil, fmt.Errorf("bench: shipper configuration: %w", err)
	}
	return cfg, nil
}

func (r *run) profilePath() string {
	if r.o.CPUProfile == "" {
		return ""
	}
	p, err := filepath.Abs(r.o.CPUProfile)
	if err != nil {
		return r.o.CPUProfile
	}
	return p
}

// cpuCeiling is Report.CPUCeiling: pull only's CPU per record over the sum of pull only's and send only's, all
// processes counted. With an external receiver send only does not count the receiver's CPU (it runs elsewhere,
// or is reported apart), so there is no ceiling to give.
func cpuCeiling(pull, send *Phase, target string) float64 {
	if pull == nil || send == nil || target != "" {
		return 0
	}
	p, s := pull.allCPUPerMillion(), send.allCPUPerMillion()
	if p <= 0 || s <= 0 {
		return 0
	}
	return p / (p + s)
}
