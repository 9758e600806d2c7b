// Package app wires siemship's stages together and runs their lifecycle: sink, pipeline and consumer are started
// in that order and stopped in reverse. It knows them by the pipeline's interfaces; package output builds them.
package app

import (
	"context"
	"errors"
	"os"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/backoff"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/output"
	"github.com/siemship/siemship/internal/pipeline"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/telemetry"
)

// Version is reported by siemship_build_info; main sets it from its stamped version before New. Empty falls back
// to the module version in the build info.
var Version string

// App is one running shipper.
type App struct {
	cfg  *config.Config
	log  *zap.Logger
	out  *output.Output
	pipe *pipeline.Pipeline
	cons *consumer.Consumer
	tel  *telemetry.Telemetry // nil when SIEMSHIP_HTTP_ADDR is empty
}

// Telemetry counts expired checkpoints (siemship_expired_checkpoints_total), reports a consumer group it could not
// recreate (/readyz, siemship_consumer_group_missing) and counts foreign checkpoints.
var (
	_ consumer.ExpiredObserver = (*telemetry.Telemetry)(nil)
	_ consumer.GroupObserver   = (*telemetry.Telemetry)(nil)
)

// Telemetry counts refused SLS answers (siemship_sls_bad_answers_total).
var _ consumer.BadAnswerObserver = (*telemetry.Telemetry)(nil)

// StopSignal is the cause (context.Cause) of a context cancelled by a signal; Run logs it when it stops.
type StopSignal struct{ Signal os.Signal }

func (s StopSignal) Error() string { return "received signal " + s.Signal.String() }

// logStop logs the signal that cancelled ctx, if one did.
func (a *App) logStop(ctx context.Context) {
	var s StopSignal
	if errors.As(context.Cause(ctx), &s) {
		a.log.Info("stopping on signal", zap.String("signal", s.Signal.String()))
	}
}

// ConfigError is a configuration the components refused; the process should exit 2.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// New builds the components from a validated configuration. Nothing connects yet.
func New(cfg *config.Config, log *zap.Logger) (*App, error) {
	if log == nil {
		log = zap.NewNop()
	}
	out, err := output.New(cfg, log)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	closeSink := func() { _ = out.Sink.Shutdown(context.Background()) }
	var tel *telemetry.Telemetry
	if cfg.HTTPAddr != "" {
		tel, err = telemetry.New(telemetry.Options{
			Version:     Version,
			Addr:        cfg.HTTPAddr,
			Destination: out.Sink,
			Check:       out.Sink.Check,
			StallAfter:  StallAfter(cfg, out.MaxReconnectWait),
			Logger:      log.Named("telemetry"),
		})
		if err != nil {
			closeSink()
			return nil, err
		}
	}
	po := pipeline.Options{
		Mapping:        out.Mapping,
		Encoder:        out.Encoder,
		Sink:           out.Sink,
		InitialBackoff: cfg.RetryInitialBackoff,
		MaxBackoff:     cfg.RetryMaxBackoff,
		MaxInFlight:    BatchesInFlight(cfg),
		MaxFrameBytes:  FrameBytes(cfg),
		Logger:         log.Named("pipeline"),
	}
	if tel != nil {
		po.Observer = tel
	}
	pipe, err := pipeline.New(po)
	if err != nil {
		closeSink()
		return nil, &ConfigError{Err: err}
	}
	co := ConsumerOptions(cfg, log)
	if tel != nil {
		co.Observer = tel
	}
	cons, err := consumer.New(co, pipe)
	if err != nil {
		closeSink()
		return nil, &ConfigError{Err: err}
	}
	if tel != nil {
		var rulesErr error
		if out.Mapping != nil && len(out.Mapping.RuleCounts()) > 0 {
			rulesErr = tel.WatchRules(out.Mapping.RuleCounts)
		}
		err := errors.Join(tel.WatchPipeline(pipe), rulesErr, tel.WatchLag(telemetry.LagOptions{
			API: lagAPI(cons),
			Target: telemetry.LagTarget{Project: cfg.Project, Logstore: cfg.Logstore, Group: cfg.ConsumerGroup,
				CursorStart: cfg.CursorStart.From()},
		}))
		if err != nil {
			closeSink()
			return nil, err
		}
	}
	return &App{cfg: cfg, log: log, out: out, pipe: pipe, cons: cons, tel: tel}, nil
}

// lagRequestTimeout bounds each SLS request of the lag measurement, and its SDK-level retries.
const lagRequestTimeout = 10 * time.Second

// lagAPI returns an SLS client for the lag measurement: the consumer's endpoint, credentials and transport, with
// shorter timeouts than the consumer's own requests (the SDK's calls take no context).
func lagAPI(cons *consumer.Consumer) telemetry.LagAPI {
	cl := cons.Client()
	if base := cons.LogHubConfig().HTTPClient; base != nil {
		cl.SetHTTPClient(consumer.ClientWithTimeout(base, lagRequestTimeout))
	}
	cl.SetRetryTimeout(lagRequestTimeout)
	return oneLineLag{cl}
}

// oneLineLag gives the SDK errors of the lag measurement, which it logs, one-line messages (consumer.OneLine).
type oneLineLag struct{ api telemetry.LagAPI }

func (l oneLineLag) ListShards(project, logstore string) ([]*sls.Shard, error) {
	s, err := l.api.ListShards(project, logstore)
	return s, consumer.OneLine(err)
}

func (l oneLineLag) GetCheckpoint(project, logstore, group string) ([]*sls.ConsumerGroupCheckPoint, error) {
	cps, err := l.api.GetCheckpoint(project, logstore, group)
	return cps, consumer.OneLine(err)
}

func (l oneLineLag) GetCursor(project, logstore string, shardID int, from string) (string, error) {
	c, err := l.api.GetCursor(project, logstore, shardID, from)
	return c, consumer.OneLine(err)
}

func (l oneLineLag) GetCursorTime(project, logstore string, shardID int, cursor string) (time.Time, error) {
	t, err := l.api.GetCursorTime(project, logstore, shardID, cursor)
	return t, consumer.OneLine(err)
}

// StallAfter is how long a batch may stay in delivery, with no send attempt of any shard ending, before /healthz
// reports the process wedged: twice the longest legitimate gap between two attempts (retry backoff, the sink's
// reconnect wait, dial and write timeouts), and at least two minutes.
func StallAfter(cfg *config.Config, reconnectWait time.Duration) time.Duration {
	gap := cfg.RetryMaxBackoff + reconnectWait + cfg.DialTimeout + cfg.WriteTimeout
	return max(2*gap, 2*time.Minute)
}

// ConsumerOptions maps the configuration to the consumer's options.
func ConsumerOptions(cfg *config.Config, log *zap.Logger) consumer.Options {
	return consumer.Options{
		Endpoint:          cfg.Endpoint,
		AccessKeyID:       cfg.AccessKeyID,
		AccessKeySecret:   cfg.AccessKeySecret.Reveal(),
		SecurityToken:     cfg.SecurityToken.Reveal(),
		AuthVersion:       string(cfg.AuthVersion),
		Region:            cfg.Region,
		Project:           cfg.Project,
		Logstore:          cfg.Logstore,
		Group:             cfg.ConsumerGroup,
		ConsumerName:      cfg.ConsumerName,
		CursorStart:       cfg.CursorStart.From(),
		ExpiredCursor:     string(cfg.ExpiredCursor),
		Query:             cfg.Query,
		HeartbeatInterval: cfg.HeartbeatInterval,
		HeartbeatTimeout:  cfg.HeartbeatTimeout,
		FetchInterval:     cfg.FetchInterval,
		MaxFetchLogGroups: cfg.MaxFetchLogGroups,
		// Pulled batches held at once, all shards together: the pipeline's in-flight batches plus two pulled ahead,
		// and at most their share of SIEMSHIP_MEMORY_LIMIT in bytes. These, not the number of shards or the size of a
		// log group, bound memory (docs/PERFORMANCE.md).
		MaxPulledBatches: BatchesInFlight(cfg) + 2,
		MaxPulledBytes:   PulledBytes(cfg),
		Compress:         string(cfg.Compress),
		Logger:           log.Named("consumer"),
	}
}

// Stats returns the pipeline's counters.
func (a *App) Stats() pipeline.Stats { return a.pipe.Stats() }

// Run ships until ctx is cancelled, then shuts down gracefully within SIEMSHIP_SHUTDOWN_TIMEOUT. While it runs,
// SIEMSHIP_MEMORY_LIMIT is the Go runtime's soft memory limit, unless GOMEMLIMIT is set. It returns nil
// after a clean stop, a *consumer.ExpiredCursorError when a checkpoint points at expired data and
// SLS_EXPIRED_CURSOR is fail, a *consumer.RejectedError when SLS refuses the credentials or does not know the project or
// logstore, and another error when the shutdown timed out.
func (a *App) Run(ctx context.Context) error {
	defer ApplyMemoryLimit(a.cfg, a.log)()
	for _, w := range a.cfg.Warnings() {
		a.log.Warn(w)
	}
	for _, adj := range a.out.Warnings {
		a.log.Warn("message format setting adjusted", zap.String("adjustment", adj))
	}
	if err := a.out.Sink.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), sinkShutdownTimeout)
		defer cancel()
		if err := a.out.Sink.Shutdown(sctx); err != nil {
			a.log.Warn("sink did not close cleanly", zap.Error(err))
		}
	}()
	if a.tel != nil {
		if err := a.tel.Start(ctx); err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), telemetryShutdownTimeout)
			defer cancel()
			if err := a.tel.Shutdown(sctx); err != nil {
				a.log.Warn("metrics and health server did not stop cleanly", zap.Error(err))
			}
		}()
	}
	if err := a.waitForSLS(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		a.logStop(ctx)
		return nil
	}
	err := a.out.Sink.Check(ctx)
	if err != nil && ctx.Err() == nil {
		a.log.Warn("syslog receiver not reachable yet; batches will be retried until it is", zap.Error(err))
	}
	if a.tel != nil && ctx.Err() == nil {
		a.tel.CheckResult(err)
	}
	hard, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	if err := a.pipe.Start(hard); err != nil {
		return err
	}
	if err := a.cons.Start(hard); err != nil {
		return err
	}
	if a.tel != nil {
		a.tel.SetConsumerStarted()
	}
	var fatal error
	select {
	case <-ctx.Done():
		a.logStop(ctx)
	case fatal = <-a.cons.Failed():
		a.log.Error("consumer cannot go on, stopping", zap.Error(fatal))
	}
	if a.tel != nil {
		a.tel.SetStopping()
	}
	a.log.Info("stopping: finishing in-flight batches and saving checkpoints", zap.Duration("timeout", a.cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	_ = a.pipe.Shutdown(sctx) // soft stop first: a batch waiting to be resent gives up, so the consumer can stop
	err = a.cons.Shutdown(sctx)
	hardStop()
	st := a.pipe.Stats()
	a.log.Info("stopped", zap.Uint64("batches", st.Batches), zap.Uint64("records", st.Records),
		zap.Uint64("bytes", st.Bytes), zap.Uint64("failed_sends", st.Failures), zap.Uint64("truncated", st.Truncated))
	return errors.Join(fatal, err)
}

// sinkShutdownTimeout bounds the close of the sink's connections after the consumer stopped (each close has its
// own shorter deadline).
const sinkShutdownTimeout = 5 * time.Second

// telemetryShutdownTimeout bounds the stop of the metrics server and the lag measurement after the consumer
// stopped; it is short because nothing is lost when it runs out.
const telemetryShutdownTimeout = 2 * time.Second

// HTTPAddr returns the address of the /metrics, /healthz and /readyz server once Run started it ("" before, and
// when SIEMSHIP_HTTP_ADDR is empty).
func (a *App) HTTPAddr() string {
	if a.tel == nil {
		return ""
	}
	return a.tel.Addr()
}

// waitForSLS probes SLS until it answers. Refusals end the wait with an error; network failures and server
// errors are retried with capped exponential backoff, so an unreachable SLS never turns into a crash loop.
func (a *App) waitForSLS(ctx context.Context) error {
	retry := backoff.Policy{Initial: time.Second, Max: time.Minute}
	for attempt := 0; ; attempt++ {
		err := a.cons.Probe(ctx)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if consumer.IsRejected(err) {
			return err
		}
		d := retry.Delay(attempt)
		a.log.Warn("SLS not reachable, retrying", zap.String("endpoint", a.cfg.Endpoint), zap.Duration("retry_in", d), zap.Error(err))
		if backoff.Sleep(ctx, d) != nil {
			return nil
		}
	}
}

// IsConfigError reports whether err means the operator must fix the configuration (exit status 2).
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce) || consumer.IsRejected(err)
}
