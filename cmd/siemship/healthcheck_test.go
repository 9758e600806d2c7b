package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/siemship/siemship/internal/testgear/testport"
)

func TestHealthURL(t *testing.T) {
	tests := []struct {
		addr, want, err string
	}{
		{":9090", "http://127.0.0.1:9090/healthz", ""},
		{"0.0.0.0:9090", "http://127.0.0.1:9090/healthz", ""},
		{"[::]:9090", "http://127.0.0.1:9090/healthz", ""},
		{"127.0.0.1:9090", "http://127.0.0.1:9090/healthz", ""},
		{"10.1.2.3:8080", "http://10.1.2.3:8080/healthz", ""},
		{"[::1]:9090", "http://[::1]:9090/healthz", ""},
		{"localhost:9090", "http://localhost:9090/healthz", ""},
		{"9090", "", "want host:port"},
		{":0", "", "no fixed port"},
		{"127.0.0.1:", "", "no fixed port"},
	}
	for _, tt := range tests {
		got, err := healthURL(tt.addr, "/healthz")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want one containing %q", tt.addr, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.addr, got, err, tt.want)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	var healthy atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !healthy.Load() {
			http.Error(w, "shard loop 3 wedged for 5m0s", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "syslog receiver unreachable", http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	closedAddr := testport.Refused(t) // a port released after a listen could be taken by another process meanwhile

	tests := []struct {
		name    string
		env     string // SIEMSHIP_HTTP_ADDR
		args    []string
		healthy bool
		want    int
		out     string // in stdout (exit 0) or stderr
	}{
		{"healthy from env", ":" + port, nil, true, 0, "/healthz: ok"},
		{"healthy from flag", "", []string{"--addr", "127.0.0.1:" + port}, true, 0, "ok"},
		{"flag wins over env", closedAddr, []string{"--addr", ":" + port}, true, 0, "ok"},
		{"unhealthy", ":" + port, nil, false, 1, "503 Service Unavailable: shard loop 3 wedged"},
		{"not ready", ":" + port, []string{"--ready"}, true, 1, "/readyz: 503 Service Unavailable: syslog receiver unreachable"},
		{"nothing listening", closedAddr, nil, true, 1, "connection refused"},
		{"endpoint off", "", nil, true, 1, "SIEMSHIP_HTTP_ADDR is not set"},
		{"bad address", "9090", nil, true, 2, "want host:port"},
		{"extra argument", ":" + port, []string{"now"}, true, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(httpAddrVar, tt.env)
			healthy.Store(tt.healthy)
			var stdout, stderr bytes.Buffer
			got := runCommand(t.Context(), "healthcheck", tt.args, &stdout, &stderr)
			if got != tt.want {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", got, tt.want, stdout.String(), stderr.String())
			}
			out := stderr.String()
			if tt.want == 0 {
				out = stdout.String()
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("output %q lacks %q", out, tt.out)
			}
		})
	}

	t.Run("timeout", func(t *testing.T) {
		slow := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer slow.Close()
		var stdout, stderr bytes.Buffer
		got := runCommand(t.Context(), "healthcheck", []string{"--addr", slow.Listener.Addr().String(), "--timeout", "100ms"}, &stdout, &stderr)
		if got != 1 || !strings.Contains(stderr.String(), "deadline exceeded") {
			t.Errorf("exit %d, stderr %q; want 1 and a deadline error", got, stderr.String())
		}
	})
}
