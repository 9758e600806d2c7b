package consumer

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"
)

// endpointHost returns the endpoint without scheme and path.
func endpointHost(endpoint string) string {
	h := endpoint
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	return h
}

// isIPEndpoint reports whether the endpoint's host is an IP literal (an emulator or a private address). The SDK
// dials "<project>.<endpoint>", which cannot resolve for an IP, so such endpoints get a dialer that goes straight
// to the IP.
func isIPEndpoint(endpoint string) bool {
	h := endpointHost(endpoint)
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return net.ParseIP(strings.Trim(h, "[]")) != nil
}

// newHTTPClient builds the client used for every SDK request: bounded timeouts, and for an IP-literal endpoint a
// dialer that ignores the "<project>." prefix the SDK puts in front of the host.
func newHTTPClient(endpoint string, timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.IdleConnTimeout = 55 * time.Second
	tr.ResponseHeaderTimeout = timeout
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if isIPEndpoint(endpoint) {
		target := endpointHost(endpoint)
		if _, _, err := net.SplitHostPort(target); err != nil {
			if strings.HasPrefix(endpoint, "https://") {
				target = net.JoinHostPort(strings.Trim(target, "[]"), "443")
			} else {
				target = net.JoinHostPort(strings.Trim(target, "[]"), "80")
			}
		}
		tr.Proxy = nil
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, target)
		}
	} else {
		tr.DialContext = d.DialContext
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}
