package config

import (
	"slices"
	"strings"

	"github.com/siemship/siemship/internal/sink/syslog"
)

// Protocol is the syslog transport; its values and rules are the syslog sink's (syslog.Protocols).
type Protocol string

// Transports.
const (
	ProtocolTCP Protocol = Protocol(syslog.ProtocolTCP)
	ProtocolTLS Protocol = Protocol(syslog.ProtocolTLS)
	ProtocolUDP Protocol = Protocol(syslog.ProtocolUDP)
	// ProtocolRELP is RELP (rsyslog imrelp): every message acknowledged by the receiving daemon.
	ProtocolRELP Protocol = Protocol(syslog.ProtocolRELP)
	// ProtocolRELPTLS is RELP over TLS (the SYSLOG_TLS_* settings apply).
	ProtocolRELPTLS Protocol = Protocol(syslog.ProtocolRELPTLS)
)

// IsTLS reports whether the protocol runs over TLS.
func (p Protocol) IsTLS() bool { return syslog.UsesTLS(syslog.Protocol(p)) }

// IsRELP reports whether the protocol is RELP.
func (p Protocol) IsRELP() bool { return p == ProtocolRELP || p == ProtocolRELPTLS }

// Confirm is when a batch sent over tcp or tls counts as delivered; its values and rules are the syslog sink's
// (syslog.Confirms).
type Confirm string

// Confirmation modes.
const (
	ConfirmWrite Confirm = Confirm(syslog.ConfirmWrite)
	ConfirmAck   Confirm = Confirm(syslog.ConfirmAck)
	ConfirmClose Confirm = Confirm(syslog.ConfirmClose)
)

// Balance is how batches are spread over several destinations; its values and rules are the syslog sink's
// (syslog.Balances).
type Balance string

// Balancing policies.
const (
	BalanceFailover   Balance = Balance(syslog.BalanceFailover)
	BalanceRoundRobin Balance = Balance(syslog.BalanceRoundRobin)
)

// Framing is how messages are delimited on a stream; its values and rules are the syslog sink's (syslog.Framings,
// syslog.ResolveFraming).
type Framing string

// Framings. FramingNone is what (*Config).EffectiveFraming reports for udp and relp; it cannot be configured.
const (
	FramingOctet Framing = "octet"
	FramingLF    Framing = "lf"
	FramingNone  Framing = "none"
)

// Compression is the encoding requested for pulled log data.
type Compression string

// Compressions supported by the SDK.
const (
	CompressLZ4  Compression = "lz4"
	CompressZSTD Compression = "zstd"
)

// ExpiredCursor is what a shard does when its checkpoint points at data SLS no longer retains.
type ExpiredCursor string

// Expired-checkpoint policies.
const (
	ExpiredBegin ExpiredCursor = "begin"
	ExpiredEnd   ExpiredCursor = "end"
	ExpiredFail  ExpiredCursor = "fail"
)

// AuthVersion is the SLS request signature version.
type AuthVersion string

// Signature versions (the SDK's sls.AuthV1 and sls.AuthV4 have the same values).
const (
	AuthV1 AuthVersion = "v1"
	AuthV4 AuthVersion = "v4"
)

// LogFormat is the encoding of siemship's own log.
type LogFormat string

// Log formats.
const (
	LogFormatJSON    LogFormat = "json"
	LogFormatConsole LogFormat = "console"
)

// Allowed values, in the order the reference and the errors name them.
var (
	compressions = []Compression{CompressLZ4, CompressZSTD}
	expiredCurs  = []ExpiredCursor{ExpiredBegin, ExpiredEnd, ExpiredFail}
	authVersions = []AuthVersion{AuthV1, AuthV4}
	logFormats   = []LogFormat{LogFormatJSON, LogFormatConsole}
)

// Decode implements envconfig.Decoder; values are case-insensitive.
func (p *Protocol) Decode(v string) error { *p = Protocol(strings.ToLower(v)); return nil }

// Decode implements envconfig.Decoder; values are case-insensitive.
func (c *Confirm) Decode(v string) error { *c = Confirm(strings.ToLower(v)); return nil }

// Decode implements envconfig.Decoder; values are case-insensitive.
func (b *Balance) Decode(v string) error { *b = Balance(strings.ToLower(v)); return nil }

// Decode implements envconfig.Decoder; values are case-insensitive.
func (f *Framing) Decode(v string) error { *f = Framing(strings.ToLower(v)); return nil }

// Decode implements envconfig.Decoder; values are case-insensitive.
func (c *Compression) Decode(v string) error { *c = Compression(strings.ToLower(v)); return nil }

// Decode implements envconfig.Decoder; values are case-insensitive.
func (e *ExpiredCursor) Decode(v string) error { *e = ExpiredCursor(strings.ToLower(v)); return nil }

// Decode implements envconfig.Decoder; values are case-insensitive.
func (a *AuthVersion) Decode(v string) error { *a = AuthVersion(strings.ToLower(v)); return nil }

// Decode implements envconfig.Decoder; values are case-insensitive.
func (l *LogFormat) Decode(v string) error { *l = LogFormat(strings.ToLower(v)); return nil }

// oneOf returns "" when v is in allowed, else the message naming the allowed values.
func oneOf[T ~string](v T, allowed []T) string {
	if slices.Contains(allowed, v) {
		return ""
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "must be one of " + strings.Join(names, ", ")
}

// PayloadFormat is SIEMSHIP_FORMAT (encoder.Format).
type PayloadFormat string

// Decode implements envconfig.Decoder; values are case-insensitive.
func (f *PayloadFormat) Decode(v string) error { *f = PayloadFormat(strings.ToLower(v)); return nil }

// HeaderFormat is SYSLOG_HEADER: a header.Format name, or none.
type HeaderFormat string

// HeaderNone is SYSLOG_HEADER=none: no syslog header (json only).
const HeaderNone HeaderFormat = "none"

// Decode implements envconfig.Decoder; values are case-insensitive.
func (h *HeaderFormat) Decode(v string) error { *h = HeaderFormat(strings.ToLower(v)); return nil }
