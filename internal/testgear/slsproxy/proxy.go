// Package slsproxy is test gear: a proxy between siemship and the SLS emulator that passes every request on and
// rewrites the answers the way a hostile or broken server (or a middlebox) would: nonsensical size headers,
// truncated, endless or trickling bodies, LogGroupLists with wrong wire types, counts and cursors that do not
// add up, HTML error pages, redirects. The hostile-SLS tests point SLS_ENDPOINT at it. It imports nothing from the
// shipper.
package slsproxy

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Answer is the emulator's answer to one request, read whole, for a Rule to change.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// A Rule rewrites an answer. It may change a in place (the proxy then writes it, with a Content-Length matching
// the body unless the rule set one itself), or write the answer to w itself and report true (streams). It runs on
// the proxy's request goroutine; r.Context() ends when siemship closes the connection.
type Rule func(w http.ResponseWriter, r *http.Request, a *Answer) (written bool)

// Proxy forwards requests to the emulator and applies the active rule to the answers of the requests it selects.
type Proxy struct {
	target string // host:port of the emulator
	ln     net.Listener
	srv    *http.Server
	client *http.Client

	mu     sync.Mutex
	rule   Rule
	match  Match
	budget int // answers still to rewrite; < 0: until Clear

	rewritten atomic.Int64
	forwarded atomic.Int64
}

// Start listens on 127.0.0.1 (port 0) and forwards to the emulator at target (host:port).
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, ln: ln,
		client: &http.Client{
			Transport: &http.Transport{DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext},
			// The emulator's own answers are passed on as they are, redirects included.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       30 * time.Second,
		}}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Endpoint is what SLS_ENDPOINT takes to go through the proxy.
func (p *Proxy) Endpoint() string { return p.ln.Addr().String() }

// Close stops the proxy and every answer it is still streaming.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil {
		return p.srv.Close()
	}
	return nil
}

// Match selects the answers a rule rewrites.
type Match func(r *http.Request, a *Answer) bool

// Set makes rule rewrite the answers match selects: the first n of them, or all until Clear when n < 0.
func (p *Proxy) Set(match Match, rule Rule, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.match, p.rule, p.budget = match, rule, n
}

// Clear passes every answer on unchanged from now on: the server recovers.
func (p *Proxy) Clear() { p.Set(nil, nil, 0) }

// Rewritten is the number of answers a rule rewrote.
func (p *Proxy) Rewritten() int64 { return p.rewritten.Load() }

// Forwarded is the number of requests passed on to the emulator.
func (p *Proxy) Forwarded() int64 { return p.forwarded.Load() }

// take returns the rule for r's answer a, counting it against the budget.
func (p *Proxy) take(r *http.Request, a *Answer) Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rule == nil || p.budget == 0 || (p.match != nil && !p.match(r, a)) {
		return nil
	}
	if p.budget > 0 {
		p.budget--
	}
	return p.rule
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host // the emulator reads the project from it, as SLS does
	p.forwarded.Add(1)
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	ab, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	a := &Answer{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: ab}
	a.Header.Del("Content-Length")
	if rule := p.take(r, a); rule != nil {
		p.rewritten.Add(1)
		if rule(w, r, a) {
			return
		}
	}
	for k, vs := range a.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Length") == "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(a.Body)))
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// Pull selects PullLogs answers (GET /logstores/<ls>/shards/<id>?type=logs).
func Pull(r *http.Request, _ *Answer) bool {
	return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/shards/") && r.URL.Query().Get("type") == "logs"
}

// PullWithData selects successful PullLogs answers that carry log groups (idle polls pass unchanged and do not
// count against a rule's budget).
func PullWithData(r *http.Request, a *Answer) bool {
	return Pull(r, a) && a.Status == http.StatusOK && a.Header.Get("X-Log-Count") != "0"
}
