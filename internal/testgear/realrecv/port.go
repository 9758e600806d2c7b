package realrecv

import (
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/testgear/testport"
)

// Listener names, used with Addr and reported in Parsed.Input.
const (
	ListenerTCP     = "tcp"     // plain TCP, octet-counted (rsyslog: both framings, detected per frame)
	ListenerLF      = "lf"      // plain TCP, LF framing (rsyslog: the same imtcp port as ListenerTCP)
	ListenerTLS     = "tls"     // TLS, server authentication only, octet-counted (rsyslog: both framings)
	ListenerTLSLF   = "tlslf"   // TLS, LF framing (rsyslog: the same port as ListenerTLS)
	ListenerMTLS    = "mtls"    // mutual TLS, client certificate must chain to the CA, octet-counted (rsyslog: both)
	ListenerRELP    = "relp"    // RELP (rsyslog only)
	ListenerRELPTLS = "relptls" // RELP over mutual TLS (rsyslog only)
	// ListenerRELPTLSServerAuth is RELP over TLS with server authentication only: no client certificate needed
	// (rsyslog only).
	ListenerRELPTLSServerAuth = "relptlsserver"
)

// Ports: every listener gets a port from testport.Pick (outside the kernel's ephemeral range) rather than port 0,
// although rsyslog's imtcp could bind port 0 and report it (listenPortFileName): Restart must come back on the same
// ports, and a port from the ephemeral range, released while the receiver is down, can be handed to any process on
// the machine that binds port 0 or connects somewhere. imrelp and syslog-ng cannot report a port at all.
//
// A receiver that cannot bind a port logs it and (rsyslog) runs on without that listener, and another process may
// be listening there: a start is ready only when every port's listening sockets belong to the receiver process
// (testport.Check); otherwise it fails with errPortTaken and StartRsyslog / StartSyslogNG start again on new ports.

// startAttempts bounds the starts after a port was found taken or the receiver was not ready.
const startAttempts = 5

// errPortTaken: the receiver could not bind one of its ports, or another process listens on it.
var errPortTaken = errors.New("port taken")

// beforeStart, when a test sets it, is called with the ports of each start (first start and Restart) after they
// are chosen and before the receiver is started: a test occupies one to prove that the harness notices.
var beforeStart func(ports map[string]int)

// startOnNewPorts picks ports for names, hands them to use and calls run, again on new ports while run fails with
// a retryable error, at most startAttempts times; it returns run's last error.
func startOnNewPorts(t testing.TB, receiver string, names []string, use func(map[string]int), run func() error) error {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ports, err := pickPorts(names)
		if err != nil {
			return err
		}
		use(ports)
		err = run()
		if err == nil || !retryable(err) || attempt == startAttempts {
			return err
		}
		t.Logf("realrecv: start %s: %v; starting again on other ports", receiver, err)
	}
}

// restartOnSamePorts calls run again while it fails because the receiver was not ready, at most startAttempts
// times; a taken port is not retried, since the ports cannot change under a running sender.
func restartOnSamePorts(t testing.TB, receiver string, run func() error) error {
	t.Helper()
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || !errors.Is(err, errNotReady) || attempt == startAttempts {
			return err
		}
		t.Logf("realrecv: restart %s: %v; starting again", receiver, err)
	}
}

// pickPorts returns a picked port for each name (testport.Pick never hands out a port twice).
func pickPorts(names []string) (map[string]int, error) {
	ports := make(map[string]int, len(names))
	for _, n := range names {
		p, err := testport.Pick()
		if err != nil {
			return nil, fmt.Errorf("pick a port: %w", err)
		}
		ports[n] = p
	}
	return ports, nil
}

// bindErrors are what the receivers print when a listener cannot bind its port: rsyslog's imtcp and imrelp (which
// then run on without the listener) and syslog-ng (which exits).
var bindErrors = []string{
	"Address already in use",           // rsyslog imtcp, syslog-ng (with the errno text)
	"error while binding",              // rsyslog imrelp
	"could not activate relp listener", // rsyslog imrelp
	"Could not create tcp listener",    // rsyslog imtcp
	"Error binding socket",             // syslog-ng
}

func bindFailure(out string) bool {
	for _, s := range bindErrors {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// checkPorts is the readiness test of both receivers: true once the process listens on every port of ports at
// addr, and only it; errPortTaken when a port's listener belongs to another process or the receiver's output since
// this start reports a failed bind.
func (p *process) checkPorts(addr string, ports map[string]int) (bool, error) {
	pid := p.PID()
	if pid == 0 {
		return false, errors.New("not running")
	}
	for _, name := range slices.Sorted(maps.Keys(ports)) {
		err := testport.Check(pid, addr, ports[name])
		var stolen *testport.StolenError
		switch {
		case err == nil:
		case errors.Is(err, testport.ErrNotListening):
			if out := p.outputSinceStart(); bindFailure(out) {
				return false, fmt.Errorf("%w: listener %s (port %d) could not bind: %s", errPortTaken, name, ports[name],
					truncateTail(out, 2<<10))
			}
			return false, nil
		case errors.As(err, &stolen):
			return false, fmt.Errorf("%w: listener %s: %v", errPortTaken, name, err)
		default:
			if gone, _ := p.exited(); gone {
				return false, nil // waitReady reports the exit
			}
			return false, err
		}
	}
	return true, nil
}

// ipPath is iproute2's ip command.
func ipPath() string {
	if p, err := exec.LookPath("ip"); err == nil {
		return p
	}
	return "/usr/sbin/ip"
}
