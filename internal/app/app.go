// Package app wires siemship's stages together and runs their lifecycle: syslog output, pipeline and consumer are
// started in that order and stopped in reverse.
package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/consumer"
	"github.com/siemship/siemship/internal/format"
	"github.com/siemship/siemship/internal/pipeline"
	"github.com/siemship/siemship/internal/syslogout"
)

// App is one running shipper.
type App struct {
	cfg  *config.Config
	log  *zap.Logger
	enc  *format.Encoder
	out  *syslogout.Client
	pipe *pipeline.Pipeline
	cons *consumer.Consumer
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
	enc, err := NewEncoder(cfg)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	out, err := NewSyslogClient(cfg, log)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	pipe, err := pipeline.New(pipeline.Options{
		Encoder:        enc,
		Sender:         out,
		InitialBackoff: cfg.RetryInitialBackoff,
		MaxBackoff:     cfg.RetryMaxBackoff,
		// One batch encoding while every connection sends one: more would only hold more memory.
		MaxInFlight: cfg.Connections + 1,
		Logger:      log.Named("pipeline"),
	})
	if err != nil {
		out.Close()
		return nil, &ConfigError{Err: err}
	}
	cons, err := consumer.New(ConsumerOptions(cfg, log), pipe)
	if err != nil {
		out.Close()
		return nil, &ConfigError{Err: err}
	}
	return &App{cfg: cfg, log: log, enc: enc, out: out, pipe: pipe, cons: cons}, nil
}

// NewEncoder builds the RFC 5424 encoder the configuration describes.
func NewEncoder(cfg *config.Config) (*format.Encoder, error) {
	framing := format.FramingNone
	if cfg.Protocol != config.ProtocolUDP {
		f, err := format.ParseFraming(string(cfg.EffectiveFraming()))
		if err != nil {
			return nil, fmt.Errorf("SYSLOG_FRAMING: %w", err)
		}
		framing = f
	}
	return format.NewEncoder(format.Options{
		Facility:        int(cfg.Facility),
		Severity:        int(cfg.Severity),
		Hostname:        cfg.Hostname,
		AppName:         cfg.AppName,
		ProcID:          cfg.ProcID,
		MsgID:           cfg.MsgID,
		StructuredData:  cfg.StructuredData,
		Separator:       cfg.Sep,
		MaxMessageBytes: cfg.EffectiveMaxMessageBytes(),
		Framing:         framing,
	})
}

// NewSyslogClient builds the syslog output the configuration describes.
func NewSyslogClient(cfg *config.Config, log *zap.Logger) (*syslogout.Client, error) {
	addrs, err := cfg.SyslogAddrs()
	if err != nil {
		return nil, err
	}
	o := syslogout.Options{
		Protocol:     syslogout.Protocol(cfg.Protocol),
		Addrs:        addrs,
		Connections:  cfg.Connections,
		DialTimeout:  cfg.DialTimeout,
		WriteTimeout: cfg.WriteTimeout,
		Logger:       log.Named("syslog"),
	}
	if cfg.Protocol == config.ProtocolTLS {
		host, _, _ := net.SplitHostPort(addrs[0])
		o.TLS, err = syslogout.NewTLSConfig(syslogout.TLSOptions{
			CAFile: cfg.TLSCAFile, CertFile: cfg.TLSCertFile, KeyFile: cfg.TLSKeyFile,
			ServerName: cfg.TLSServerName, InsecureSkipVerify: cfg.TLSInsecureSkipVerify,
		}, host)
		if err != nil {
			return nil, err
		}
	}
	return syslogout.New(o)
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
		CursorStart:       cursorStart(cfg.CursorStart),
		Query:             cfg.Query,
		HeartbeatInterval: cfg.HeartbeatInterval,
		HeartbeatTimeout:  cfg.HeartbeatTimeout,
		FetchInterval:     cfg.FetchInterval,
		MaxFetchLogGroups: cfg.MaxFetchLogGroups,
		Compress:          string(cfg.Compress),
		Logger:            log.Named("consumer"),
	}
}

func cursorStart(c config.CursorStart) string {
	switch c.Kind {
	case config.CursorBegin:
		return "begin"
	case config.CursorEnd:
		return "end"
	default:
		return strconv.FormatInt(c.Unix, 10)
	}
}

// Stats returns the pipeline's counters.
func (a *App) Stats() pipeline.Stats { return a.pipe.Stats() }

// Run ships until ctx is cancelled, then shuts down gracefully within SIEMSHIP_SHUTDOWN_TIMEOUT. It returns nil
// after a clean stop, a *consumer.RejectedError when SLS refuses the credentials or does not know the project or
// logstore, and another error when the shutdown timed out.
func (a *App) Run(ctx context.Context) error {
	defer a.out.Close()
	for _, w := range a.cfg.Warnings() {
		a.log.Warn(w)
	}
	for _, adj := range a.enc.Adjustments() {
		a.log.Warn("syslog header setting adjusted", zap.String("adjustment", adj))
	}
	if err := a.waitForSLS(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := a.out.Check(ctx); err != nil && ctx.Err() == nil {
		a.log.Warn("syslog receiver not reachable yet; batches will be retried until it is", zap.Error(err))
	}
	hard, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	if err := a.cons.Start(hard); err != nil {
		return err
	}
	<-ctx.Done()
	a.log.Info("stopping: finishing in-flight batches and saving checkpoints", zap.Duration("timeout", a.cfg.ShutdownTimeout))
	a.pipe.Stop()
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := a.cons.Shutdown(sctx)
	hardStop()
	st := a.pipe.Stats()
	a.log.Info("stopped", zap.Uint64("batches", st.Batches), zap.Uint64("records", st.Records),
		zap.Uint64("bytes", st.Bytes), zap.Uint64("failed_sends", st.Failures), zap.Uint64("truncated", st.Truncated))
	return err
}

// waitForSLS probes SLS until it answers. Refusals end the wait with an error; network failures and server
// errors are retried with capped exponential backoff, so an unreachable SLS never turns into a crash loop.
func (a *App) waitForSLS(ctx context.Context) error {
	wait := time.Second
	for {
		err := a.cons.Probe(ctx)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if consumer.IsRejected(err) {
			return err
		}
		d := wait/2 + time.Duration(rand.Int64N(int64(wait/2)+1))
		a.log.Warn("SLS not reachable, retrying", zap.String("endpoint", a.cfg.Endpoint), zap.Duration("retry_in", d), zap.Error(err))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(wait*2, time.Minute)
	}
}

// IsConfigError reports whether err means the operator must fix the configuration (exit status 2).
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce) || consumer.IsRejected(err)
}
