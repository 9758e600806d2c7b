package realrecv

import (
	"context"
	"testing"
)

// Receiver is what *Rsyslog and *SyslogNG have in common, for tests that run against both.
type Receiver interface {
	// Name is ReceiverRsyslog or ReceiverSyslogNG.
	Name() string
	// Addr returns host:port of a listener (Listener* constants).
	Addr(listener string) string
	// Messages reads every message stored so far, over all runs, in arrival order.
	Messages() ([]Parsed, error)
	// WaitForCount waits until at least n messages are stored and returns them.
	WaitForCount(ctx context.Context, n int) ([]Parsed, error)
	// Restart stops the receiver with SIGTERM (when running) and starts it again on the same ports.
	Restart(t testing.TB)
	// Kill sends SIGKILL and waits; Restart starts it again.
	Kill()
	// Stop sends SIGTERM and waits (SIGKILL after 10 s).
	Stop()
	// Certs are the test certificates of the TLS listeners.
	Certs() Certs
	// Dir is the instance directory.
	Dir() string
	// Stderr is what the receiver printed over all runs (syslog-ng: see also InternalLog).
	Stderr() string
}

// Name is ReceiverRsyslog or ReceiverSyslogNG.
func (p *process) Name() string { return p.receiver }

var (
	_ Receiver = (*Rsyslog)(nil)
	_ Receiver = (*SyslogNG)(nil)
)
