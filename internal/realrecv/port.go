package realrecv

import (
	"fmt"
	"net"
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
