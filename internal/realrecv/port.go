package realrecv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
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
	// ListenerRELPTLSServerAuth is RELP over TLS with server authentication only: no client certificate needed
	// (rsyslog only).
	ListenerRELPTLSServerAuth = "relptlsserver"
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
	return listeningTable(b, "127.0.0.1", port)
}

// listeningIn reports whether the socket table at path (/proc/PID/net/tcp: the table of PID's network namespace)
// has a listener on addr:port or on any address.
func listeningIn(path, addr string, port int) bool {
	b, err := os.ReadFile(path)
	return err == nil && listeningTable(b, addr, port)
}

// listeningTable looks for a TCP_LISTEN socket on addr:port or 0.0.0.0:port in a /proc/net/tcp table.
func listeningTable(table []byte, addr string, port int) bool {
	ip := net.ParseIP(addr).To4()
	if ip == nil {
		return false
	}
	// addresses in host byte order: little-endian hosts print 127.0.0.1 as 0100007F, big-endian ones as 7F000001
	want := []string{fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], port),
		fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[0], ip[1], ip[2], ip[3], port), fmt.Sprintf("00000000:%04X", port)}
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		// sl local_address rem_address st ...; st 0A is TCP_LISTEN
		if len(f) > 3 && f[3] == "0A" && slices.Contains(want, f[1]) {
			return true
		}
	}
	return false
}

// ipPath is iproute2's ip command.
func ipPath() string {
	if p, err := exec.LookPath("ip"); err == nil {
		return p
	}
	return "/usr/sbin/ip"
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
