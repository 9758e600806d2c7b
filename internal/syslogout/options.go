package syslogout

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"
)

// Protocol is the transport to the destination.
type Protocol string

// Protocols.
const (
	ProtocolTCP Protocol = "tcp"
	ProtocolTLS Protocol = "tls"
	ProtocolUDP Protocol = "udp"
)

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
	// MaxConnections bounds Options.Connections.
	MaxConnections = 256
)

// Options configure a Client.
type Options struct {
	Protocol Protocol
	// Addrs are host:port destinations; only the first is used for now (failover comes later).
	Addrs       []string
	Connections int           // pool size, default DefaultConnections
	DialTimeout time.Duration // connect plus TLS handshake, default DefaultDialTimeout
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
	Logger          *zap.Logger
}

// withDefaults validates o and fills in defaults. Every problem is reported at once.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	switch o.Protocol {
	case ProtocolTCP, ProtocolUDP:
	case ProtocolTLS:
		if o.TLS == nil {
			errs = append(errs, errors.New("protocol tls needs a TLS config"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown protocol %q (want tcp, tls or udp)", o.Protocol))
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
	if o.Connections < 0 || o.Connections > MaxConnections {
		errs = append(errs, fmt.Errorf("connections %d out of range 1..%d", o.Connections, MaxConnections))
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"dial timeout", &o.DialTimeout, DefaultDialTimeout},
		{"write timeout", &o.WriteTimeout, DefaultWriteTimeout},
		{"keepalive", &o.KeepAlive, DefaultKeepAlive},
		{"certificate verdict wait", &o.CertVerdictWait, DefaultCertVerdictWait},
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
		return o, Permanent(fmt.Errorf("syslogout: invalid options: %w", err))
	}
	return o, nil
}
