package slsemu

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"
)

// HTTPClient returns a client whose connections all go to the emulator at emulatorURL (http://HOST:PORT),
// whatever host a request names. Set it as LogHubConfig.HTTPClient or sls.Client.HTTPClient: the SDK then works
// with a fake endpoint such as sls.emu.invalid:PORT or with 127.0.0.1:PORT, without HTTP_PROXY or DNS.
// Requests keep their Host header, so the emulator still sees the project.
func HTTPClient(emulatorURL string) *http.Client {
	addr := emulatorURL
	if u, err := url.Parse(emulatorURL); err == nil && u.Host != "" {
		addr = u.Host
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true,
		},
	}
}
