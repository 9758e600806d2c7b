package realrecv

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
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
)

// freePort asks the kernel for a free port on 127.0.0.1 and releases it (for listeners that cannot report the
// port they bound, such as imrelp and every syslog-ng source).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// listening reports whether a socket listens on 127.0.0.1:port (or on any address), read from /proc/net/tcp so
// that the receiver never sees a probe connection (a connect probe makes TLS and RELP listeners log errors). Where
// /proc/net/tcp cannot be read it falls back to a connect probe.
func listening(port int) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return canConnect(port)
	}
	// addresses in host byte order: 127.0.0.1 on little- and big-endian hosts, 0.0.0.0
	want := []string{fmt.Sprintf("0100007F:%04X", port), fmt.Sprintf("7F000001:%04X", port),
		fmt.Sprintf("00000000:%04X", port)}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		// sl local_address rem_address st ...; st 0A is TCP_LISTEN
		if len(f) > 3 && f[3] == "0A" && slices.Contains(want, f[1]) {
			return true
		}
	}
	return false
}

// canConnect reports whether something accepts TCP connections on 127.0.0.1:port.
func canConnect(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), readyProbeTimeout)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
