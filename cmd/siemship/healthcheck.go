package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// httpAddrVar is the variable that turns on siemship's HTTP endpoint (/metrics, /healthz, /readyz).
const httpAddrVar = "SIEMSHIP_HTTP_ADDR"

func init() {
	commands["healthcheck"] = command{summary: "query the running siemship's /healthz (or /readyz); exit 0 when healthy, else 1 (container health check)",
		setup: setupHealthcheck}
}

// setupHealthcheck is `siemship healthcheck`, the container image's HEALTHCHECK: the distroless base has no shell or
// curl, so the binary asks itself. It reads the address from SIEMSHIP_HTTP_ADDR like `siemship run` does (or
// --addr), so one environment serves both.
func setupHealthcheck(fs *flag.FlagSet) runFunc {
	addr := fs.String("addr", os.Getenv(httpAddrVar), "address of siemship's HTTP endpoint (default $"+httpAddrVar+"); an empty or unspecified host means this host")
	ready := fs.Bool("ready", false, "query /readyz (consumer started, SIEM reachable) instead of /healthz (alive)")
	timeout := fs.Duration("timeout", 3*time.Second, "deadline for the request")
	return func(ctx context.Context, stdout, stderr io.Writer) int {
		return healthcheck(ctx, *addr, *ready, *timeout, stdout, stderr)
	}
}

func healthcheck(ctx context.Context, addr string, ready bool, timeout time.Duration, stdout, stderr io.Writer) int {
	path := "/healthz"
	if ready {
		path = "/readyz"
	}
	if addr == "" {
		fmt.Fprintf(stderr, "siemship healthcheck: %s is not set, so siemship serves no health endpoint (set it, e.g. %s=:9090, or pass --addr)\n", httpAddrVar, httpAddrVar)
		return 1
	}
	u, err := healthURL(addr, path)
	if err != nil {
		fmt.Fprintf(stderr, "siemship healthcheck: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	status, body, err := probe(ctx, u)
	if err != nil {
		fmt.Fprintf(stderr, "siemship healthcheck: %s: %v\n", u, err)
		return 1
	}
	if status != http.StatusOK {
		fmt.Fprintf(stderr, "siemship healthcheck: %s: %d %s: %s\n", u, status, http.StatusText(status), body)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", u, body)
	return 0
}

// healthURL turns a listen address (":9090", "0.0.0.0:9090", "10.0.0.5:9090") into the URL to query: a listener
// on all interfaces is reached through the loopback address.
func healthURL(addr, path string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w (want host:port or :port)", addr, err)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("address %q has no fixed port", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}

// maxHealthBody bounds what is read (and printed) of the endpoint's answer.
const maxHealthBody = 4 << 10

// probe GETs u and returns the status and the start of the body (trimmed).
func probe(ctx context.Context, u string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", fmt.Errorf("build request: %w", err)
	}
	// No proxy: the endpoint is local, and a proxy variable meant for SLS must not redirect the health check.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("get: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxHealthBody))
	if err != nil {
		return 0, "", fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, trimBody(b), nil
}

// trimBody makes the answer one printable line.
func trimBody(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c == '\n' || c == '\r' || c == '\t':
			out = append(out, ' ')
		case c < 0x20 || c == 0x7f:
		default:
			out = append(out, c)
		}
	}
	for len(out) > 0 && out[len(out)-1] == ' ' {
		out = out[:len(out)-1]
	}
	return string(out)
}
