// Package output builds the encoder and the sink that the configuration names. It is the one place that knows the
// concrete formats and sinks: the app, siemship check and siemship bench get them as the pipeline's interfaces.
package output

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/encoder"
	"github.com/siemship/siemship/internal/encoder/cef"
	hecenc "github.com/siemship/siemship/internal/encoder/hec"
	jsonenc "github.com/siemship/siemship/internal/encoder/json"
	"github.com/siemship/siemship/internal/encoder/kv"
	"github.com/siemship/siemship/internal/encoder/leef"
	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/pipeline"
	"github.com/siemship/siemship/internal/sink"
	"github.com/siemship/siemship/internal/sink/hec"
	"github.com/siemship/siemship/internal/sink/syslog"
)

// Output is a sink, the encoder that writes for it and the mapping that runs before the encoder.
type Output struct {
	Mapping *mapping.Mapper
	Encoder pipeline.Encoder
	Sink    pipeline.Sink
	// Warnings are settings the encoder had to adjust (a header field sanitized or cut), one start-up warning each.
	Warnings []string
	// MaxReconnectWait is the sink's longest wait between two connection attempts to a failed destination.
	MaxReconnectWait time.Duration
}

// New builds the sink, then the encoder in the framing the sink asks for. Nothing connects yet.
func New(cfg *config.Config, log *zap.Logger) (*Output, error) {
	s, err := NewSink(cfg, log)
	if err != nil {
		return nil, err
	}
	enc, warnings, err := NewEncoder(cfg, s.Framing())
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	m, err := NewMapping(cfg)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return &Output{Mapping: m, Encoder: enc, Sink: s, Warnings: warnings, MaxReconnectWait: syslog.MaxReconnectWait}, nil
}

// NewMapping builds the mapping stage the configuration describes (rules file read and parsed).
func NewMapping(cfg *config.Config) (*mapping.Mapper, error) {
	o, err := cfg.MappingOptions()
	if err != nil {
		return nil, err
	}
	return mapping.New(o)
}

// NewEncoder builds the encoder of SIEMSHIP_FORMAT behind the syslog header the configuration describes, writing
// frames in framing. It returns the settings the encoder had to adjust, for a start-up warning each.
func NewEncoder(cfg *config.Config, framing message.Framing) (pipeline.Encoder, []string, error) {
	if cfg.IsHEC() {
		o, err := cfg.HECEncoderOptions()
		if err != nil {
			return nil, nil, err
		}
		enc, err := hecenc.NewEncoder(o)
		return enc, nil, err
	}
	ho, none, err := cfg.HeaderOptions(framing)
	if err != nil {
		return nil, nil, err
	}
	format := encoder.Format(cfg.Output.Format)
	if none && format != encoder.JSON {
		return nil, nil, fmt.Errorf("a %s message needs a syslog header (none is only for json)", format)
	}
	switch format {
	case encoder.KV:
		enc, err := kv.NewEncoder(kv.Options{
			Facility: ho.Facility, Severity: ho.Severity, Hostname: ho.Hostname, AppName: ho.AppName, ProcID: ho.ProcID,
			MsgID: ho.MsgID, StructuredData: ho.StructuredData, Separator: cfg.Sep, MaxMessageBytes: ho.MaxMessageBytes,
			Framing: framing, Header: ho.Format, Location: ho.Location,
		})
		if err != nil {
			return nil, nil, err
		}
		return enc, enc.Adjustments(), nil
	case encoder.CEF:
		enc, err := cef.NewEncoder(cfg.CEFOptions(ho))
		if err != nil {
			return nil, nil, err
		}
		return enc, enc.Adjustments(), nil
	case encoder.LEEF:
		lo, err := cfg.LEEFOptions(ho)
		if err != nil {
			return nil, nil, err
		}
		enc, err := leef.NewEncoder(lo)
		if err != nil {
			return nil, nil, err
		}
		return enc, enc.Adjustments(), nil
	case encoder.JSON:
		enc, err := jsonenc.NewEncoder(jsonenc.Options{Header: ho, Bare: none})
		if err != nil {
			return nil, nil, err
		}
		return enc, enc.Adjustments(), nil
	}
	return nil, nil, fmt.Errorf("format %q is not built", format)
}

// Sink is a pipeline.Sink that can also be closed without a context, for the error paths of New.
type Sink interface {
	pipeline.Sink
	Close() error
}

// NewSink builds the sink the configuration describes: syslog, or Splunk HEC.
func NewSink(cfg *config.Config, log *zap.Logger) (Sink, error) {
	if err := sink.ValidateDestination(strings.ToLower(cfg.Destination)); err != nil {
		return nil, fmt.Errorf("output %q: %w", cfg.Destination, err)
	}
	if cfg.IsHEC() {
		o, err := cfg.HECOptions(log)
		if err != nil {
			return nil, err
		}
		c, err := hec.New(o)
		if err != nil {
			return nil, err
		}
		return hecSink{c}, nil
	}
	addrs, err := cfg.SyslogAddrs()
	if err != nil {
		return nil, err
	}
	o := syslog.Options{
		Protocol:     syslog.Protocol(cfg.Protocol),
		Addrs:        addrs,
		Connections:  cfg.Connections,
		DialTimeout:  cfg.DialTimeout,
		WriteTimeout: cfg.WriteTimeout,
		Confirm:      syslog.Confirm(cfg.Confirm), // empty: the sink's default for the protocol
		Balance:      syslog.Balance(cfg.Balance),
		RELPWindow:   cfg.RELPWindow,
		Framing:      string(cfg.Framing),
		Logger:       log.Named("syslog"),

		MaxMessageBytes: cfg.EffectiveMaxMessageBytes(),
	}
	if cfg.Protocol.IsTLS() {
		host, _, _ := net.SplitHostPort(addrs[0])
		o.TLS, err = syslog.NewTLSConfig(syslog.TLSOptions{
			CAFile: cfg.TLSCAFile, CertFile: cfg.TLSCertFile, KeyFile: cfg.TLSKeyFile,
			ServerName: cfg.TLSServerName, InsecureSkipVerify: cfg.TLSInsecureSkipVerify,
		}, host)
		if err != nil {
			return nil, cfg.TLSFileError(err)
		}
		if cfg.TLSServerName == "" {
			o.TLS.ServerName = "" // each destination verifies its own host name
		}
	}
	c, err := syslog.New(o)
	if err != nil {
		return nil, err // not a nil *syslog.Client in a non-nil Sink
	}
	return c, nil
}

// hecSink is the hec client as a Sink; Close releases what Shutdown does.
type hecSink struct{ *hec.Client }

var _ sink.AckReporter = hecSink{} // telemetry finds the acknowledgement latencies through it

func (s hecSink) Close() error { return s.Shutdown(context.Background()) }
