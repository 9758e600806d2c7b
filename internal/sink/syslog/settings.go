package syslog

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/siemship/siemship/internal/message"
)

// The rules for Options, exported so that siemship's configuration applies the very rules New applies:
// `siemship check` and `siemship run` then give every value the same verdict. Each error says what is allowed
// without naming the setting or repeating the value (the caller names them: New the option, the configuration its
// variable).

// Limits of Options.
const (
	// MaxConnections bounds Options.Connections (per destination).
	MaxConnections = 64
	// MaxDestinations bounds len(Options.Addrs).
	MaxDestinations = 16
	// MaxRELPWindow bounds Options.RELPWindow.
	MaxRELPWindow = 4096
	// MaxStreamMessageBytes is the largest message over tcp and tls.
	MaxStreamMessageBytes = 16 << 20
	// MaxRELPMessageBytes is the largest message over relp and relp-tls: librelp's default largest DATA
	// (RELP_DFLT_MAX_DATA_SIZE), which rsyslog's imrelp accepts unless its maxDataSize is raised.
	MaxRELPMessageBytes = 128 << 10
	// DefaultStreamMessageBytes is the default largest message over tcp, tls, relp and relp-tls.
	DefaultStreamMessageBytes = 64 << 10
)

// Protocols returns the transports, in the order errors and documentation name them.
func Protocols() []Protocol {
	return []Protocol{ProtocolTCP, ProtocolTLS, ProtocolUDP, ProtocolRELP, ProtocolRELPTLS}
}

// Confirms returns the confirmation modes of tcp and tls.
func Confirms() []Confirm { return []Confirm{ConfirmWrite, ConfirmAck, ConfirmClose} }

// Balances returns the ways batches are spread over several destinations.
func Balances() []Balance { return []Balance{BalanceFailover, BalanceRoundRobin} }

// ValidateProtocol checks a transport: one of Protocols.
func ValidateProtocol(p Protocol) error { return oneOf(p, Protocols()) }

// UsesTLS reports whether p runs over TLS, so that Options.TLS applies.
func UsesTLS(p Protocol) bool { return p.isTLS() }

// UsesConfirm reports whether p takes a confirmation mode (Options.Confirm): tcp and tls. RELP confirms every
// message by itself and UDP cannot confirm anything.
func UsesConfirm(p Protocol) bool { return p == ProtocolTCP || p == ProtocolTLS }

// DefaultConfirm returns the confirmation mode a Client of protocol p uses when Options.Confirm is empty: ack for
// tcp and tls (the receiver's kernel acknowledged every byte), none for the other protocols.
func DefaultConfirm(p Protocol) Confirm {
	if UsesConfirm(p) {
		return ConfirmAck
	}
	return ""
}

// ValidateConfirm checks a confirmation mode, "" (the protocol's default) or one of Confirms. Whether the protocol
// takes one at all is UsesConfirm.
func ValidateConfirm(c Confirm) error {
	if c == "" {
		return nil
	}
	return oneOf(c, Confirms())
}

// Framings returns the framings a tcp or tls stream can be set to (Options.Framing), by name.
func Framings() []string { return []string{message.FramingOctet.String(), message.FramingLF.String()} }

// UsesFraming reports whether p takes a framing setting (Options.Framing): tcp and tls. UDP sends one message
// per datagram and a RELP frame carries its length.
func UsesFraming(p Protocol) bool { return p == ProtocolTCP || p == ProtocolTLS }

// ValidateFraming checks a framing setting: "" (the protocol's default, ResolveFraming) or one of Framings.
// Whether the protocol takes one at all is UsesFraming.
func ValidateFraming(setting string) error {
	if setting == "" {
		return nil
	}
	return oneOf(strings.ToLower(strings.TrimSpace(setting)), Framings())
}

// ValidateBalance checks a balancing policy, "" (failover) or one of Balances.
func ValidateBalance(b Balance) error {
	if b == "" {
		return nil
	}
	return oneOf(b, Balances())
}

// ValidateConnections checks the number of connections per destination, 1 to MaxConnections.
func ValidateConnections(n int) error { return between(n, 1, MaxConnections) }

// ValidateRELPWindow checks a RELP window, 1 to MaxRELPWindow.
func ValidateRELPWindow(n int) error { return between(n, 1, MaxRELPWindow) }

// ValidateDestinations checks the number of destinations, 1 to MaxDestinations.
func ValidateDestinations(n int) error {
	if n < 1 || n > MaxDestinations {
		return fmt.Errorf("must list 1 to %d destinations, not %d", MaxDestinations, n)
	}
	return nil
}

// MessageBytesLimit returns the largest message protocol p carries: 65507 bytes for udp (the largest IPv4
// datagram payload), 131072 for relp and relp-tls (what a receiver with librelp's defaults takes), 16 MiB for tcp
// and tls.
func MessageBytesLimit(p Protocol) int {
	switch {
	case p == ProtocolUDP:
		return DefaultMaxDatagram
	case p.isRELP():
		return MaxRELPMessageBytes
	}
	return MaxStreamMessageBytes
}

// DefaultMessageBytes returns the default largest message for protocol p: 65507 for udp, 65536 for the others.
func DefaultMessageBytes(p Protocol) int { return min(DefaultStreamMessageBytes, MessageBytesLimit(p)) }

// ValidateMaxMessageBytes checks the largest message a caller declares for protocol p: 0 (not declared) or 1 to
// MessageBytesLimit(p). The lower bound that matters, room for the header, is the encoder's.
func ValidateMaxMessageBytes(p Protocol, n int) error {
	hi := MessageBytesLimit(p)
	switch {
	case n < 0:
		return errors.New("must not be negative")
	case n > hi && p == ProtocolUDP:
		return fmt.Errorf("must be at most %d for udp (the largest IPv4 datagram payload)", hi)
	case n > hi && p.isRELP():
		return fmt.Errorf("must be at most %d for %s (the largest message a RELP receiver takes by default)", hi, p)
	case n > hi:
		return fmt.Errorf("must be at most %d for %s", hi, p)
	}
	return nil
}

// oneOf returns nil when v is in allowed, else the error naming the allowed values.
func oneOf[T ~string](v T, allowed []T) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return errors.New("must be one of " + strings.Join(names, ", "))
}

func between(n, lo, hi int) error {
	if n < lo || n > hi {
		return fmt.Errorf("must be %d to %d", lo, hi)
	}
	return nil
}
