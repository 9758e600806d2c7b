package syslog

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/message"
)

// Protocol is the transport to the destination.
type Protocol string

// Protocols.
const (
	ProtocolTCP Protocol = "tcp"
	ProtocolTLS Protocol = "tls"
	ProtocolUDP Protocol = "udp"
	// ProtocolRELP is RELP (the Reliable Event Logging Protocol of rsyslog's imrelp) over plain TCP: every message
	// is acknowledged by the receiving daemon. Frames carry bare messages (no octet count, no LF).
	ProtocolRELP Protocol = "relp"
	// ProtocolRELPTLS is RELP over TLS; Options.TLS is required.
	ProtocolRELPTLS Protocol = "relp-tls"
)

// Confirm is what Send waits for on TCP and TLS before it reports a batch delivered.
type Confirm string

// Confirmation modes.
const (
	// ConfirmWrite: every byte was handed to the local kernel (write returned). A receiver crash loses whatever
	// sat in the socket buffers of both hosts.
	ConfirmWrite Confirm = "write"
	// ConfirmAck: the receiver's kernel acknowledged every byte (the send queue, SIOCOUTQ, is empty), bounded by
	// WriteTimeout. A receiver crash still loses what its kernel buffered but the application had not read.
	ConfirmAck Confirm = "ack"
	// ConfirmClose: the batch ends with a half-close (FIN; for TLS close_notify then FIN) and Send waits until the
	// receiver read everything and closed its side (EOF), bounded by WriteTimeout. Proves the receiving
	// application read every byte; costs a connection (and TLS handshake) per batch.
	ConfirmClose Confirm = "close"
)

// isTLS reports whether the protocol runs over TLS.
func (p Protocol) isTLS() bool { return p == ProtocolTLS || p == ProtocolRELPTLS }

// isRELP reports whether the protocol is RELP.
func (p Protocol) isRELP() bool { return p == ProtocolRELP || p == ProtocolRELPTLS }

// Defaults for Options.
const (
	DefaultConnections  = 1
	DefaultDialTimeout  = 5 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultKeepAlive    = 30 * time.Second
	// DefaultMaxDatagram is the largest UDP payload IPv4 can carry (65535 − 20 − 8). Receivers only promise 480
	// to 2048 bytes (RFC 5426 §3.2) and anything above the path MTU is fragmented: the encoder's message limit
	// should be far lower; this bound only rejects what can never be sent.
	DefaultMaxDatagram = 65507
	// DefaultCertVerdictWait is how long a new TLS connection waits for the server's verdict on the client
	// certificate when the server asked for one (TLS 1.3 reports a rejection after the handshake).
	DefaultCertVerdictWait = 200 * time.Millisecond
)

// Options configure a Client.
type Options struct {
	Protocol Protocol
	// Addrs are 1 to MaxDestinations host:port destinations, in order of preference; Balance says how batches are
	// spread over them.
	Addrs []string
	// Balance is BalanceFailover (default) or BalanceRoundRobin; unused with one destination.
	Balance Balance
	// ProbeInterval is how long a failed destination is skipped before a probe, default DefaultProbeInterval.
	ProbeInterval time.Duration
	Connections   int           // pool size per destination, 1 to MaxConnections, default DefaultConnections
	DialTimeout   time.Duration // connect plus TLS handshake, default DefaultDialTimeout
	// WriteTimeout bounds each write (a write that makes no progress for this long fails) and is also the socket's
	// TCP_USER_TIMEOUT, default DefaultWriteTimeout.
	WriteTimeout time.Duration
	KeepAlive    time.Duration // idle time before TCP keepalive probes, default DefaultKeepAlive
	// TLS is required for ProtocolTLS; build it with NewTLSConfig. An empty ServerName is set to the host of the
	// address.
	TLS *tls.Config
	// CertVerdictWait overrides DefaultCertVerdictWait.
	CertVerdictWait time.Duration
	MaxDatagram     int // UDP: largest frame, default DefaultMaxDatagram
	// MaxMessageBytes is the largest message (framing excluded) the caller will send, when it declares one (0: not
	// declared); New refuses more than the protocol carries (MessageBytesLimit).
	MaxMessageBytes int
	// Confirm is the confirmation mode for TCP and TLS, default DefaultConfirm (ack). RELP confirms by itself and
	// UDP cannot: both reject any value (UsesConfirm).
	Confirm Confirm
	// RELPWindow is how many RELP commands may be unanswered, 1 to MaxRELPWindow, default DefaultRELPWindow.
	RELPWindow int
	// Framing is the framing of messages on a tcp or tls stream, one of Framings; "" takes the protocol's default
	// (ResolveFraming). Client.Framing tells the encoder.
	Framing string
	Logger  *zap.Logger

	framing message.Framing // resolved by withDefaults
}

// ResolveFraming returns the framing of frames sent over p for the setting ("" for the default): octet counting
// for tls (RFC 5425 requires it), LF for tcp (what QRadar, Splunk and most receivers read), and the bare message
// for udp (one datagram per message, RFC 5426) and RELP (a RELP frame carries its length). A setting is refused for
// udp and RELP.
func ResolveFraming(p Protocol, setting string) (message.Framing, error) {
	switch {
	case !UsesFraming(p):
		if setting != "" {
			return message.FramingNone, fmt.Errorf("framing %q is not used with %s, which sends bare messages", setting, p)
		}
		return message.FramingNone, nil
	case setting != "":
		if err := ValidateFraming(setting); err != nil {
			return message.FramingLF, fmt.Errorf("framing %q: %w", setting, err)
		}
		return message.ParseFraming(setting)
	case p == ProtocolTLS:
		return message.FramingOctet, nil
	default:
		return message.FramingLF, nil
	}
}

// withDefaults validates o and fills in defaults. Every problem is reported at once. The rules are the exported
// Validate functions (settings.go), which siemship's configuration applies too.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	bad := func(format string, v any, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf(format, v, err))
		}
	}
	protoOK := ValidateProtocol(o.Protocol) == nil
	bad("protocol %q: %w", o.Protocol, ValidateProtocol(o.Protocol))
	if UsesTLS(o.Protocol) && o.TLS == nil {
		errs = append(errs, fmt.Errorf("protocol %s needs a TLS config", o.Protocol))
	}
	switch err := ValidateConfirm(o.Confirm); {
	case err != nil:
		bad("confirmation %q: %w", o.Confirm, err)
	case o.Confirm == "":
		o.Confirm = DefaultConfirm(o.Protocol)
	case protoOK && !UsesConfirm(o.Protocol):
		errs = append(errs, fmt.Errorf("confirmation %q is for tcp and tls, not %s (relp confirms every message, udp cannot)", o.Confirm, o.Protocol))
	}
	bad("balance %q: %w", o.Balance, ValidateBalance(o.Balance))
	if o.Balance == "" {
		o.Balance = BalanceFailover
	}
	if f, err := ResolveFraming(o.Protocol, o.Framing); err != nil {
		errs = append(errs, err)
	} else {
		o.framing = f
	}
	if o.RELPWindow == 0 {
		o.RELPWindow = DefaultRELPWindow
	}
	bad("relp window %d: %w", o.RELPWindow, ValidateRELPWindow(o.RELPWindow))
	if protoOK {
		bad("max message bytes %d: %w", o.MaxMessageBytes, ValidateMaxMessageBytes(o.Protocol, o.MaxMessageBytes))
	}
	if len(o.Addrs) > 0 {
		bad("%d addresses: %w", len(o.Addrs), ValidateDestinations(len(o.Addrs)))
	}
	if len(o.Addrs) == 0 {
		errs = append(errs, errors.New("no destination address"))
	}
	for _, a := range o.Addrs {
		if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
			errs = append(errs, fmt.Errorf("address %q is not host:port", a))
		}
	}
	if o.Connections == 0 {
		o.Connections = DefaultConnections
	}
	bad("connections %d: %w", o.Connections, ValidateConnections(o.Connections))
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"dial timeout", &o.DialTimeout, DefaultDialTimeout},
		{"write timeout", &o.WriteTimeout, DefaultWriteTimeout},
		{"keepalive", &o.KeepAlive, DefaultKeepAlive},
		{"certificate verdict wait", &o.CertVerdictWait, DefaultCertVerdictWait},
		{"probe interval", &o.ProbeInterval, DefaultProbeInterval},
	} {
		if *d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v is negative", d.name, *d.v))
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if o.MaxDatagram == 0 {
		o.MaxDatagram = DefaultMaxDatagram
	}
	if o.MaxDatagram < 0 || o.MaxDatagram > 65535 {
		errs = append(errs, fmt.Errorf("max datagram %d out of range 1..65535", o.MaxDatagram))
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if err := errors.Join(errs...); err != nil {
		return o, Permanent(fmt.Errorf("syslog: invalid options: %w", err))
	}
	return o, nil
}
