package hecemu_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/hecemu"
)

const (
	tokPlain = "11111111-plain"
	tokAck   = "22222222-ack"
	tokIdx   = "33333333-indexes"
	tokOff   = "44444444-disabled"
	chanA    = "0aa5d5b4-2c1e-4b0e-9d38-6f0c0c2b1a01"
	chanB    = "0AA5D5B4-2C1E-4B0E-9D38-6F0C0C2B1A02"
)

// clock is a manual clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newServer returns a server with the standard test tokens.
func newServer(o hecemu.Options) *hecemu.Server {
	s := hecemu.New(o)
	s.AddToken(tokPlain, hecemu.Token{})
	s.AddToken(tokAck, hecemu.Token{Ack: true})
	s.AddToken(tokIdx, hecemu.Token{Indexes: []string{"sls", "audit"}, DefaultIndex: "sls"})
	s.AddToken(tokOff, hecemu.Token{Disabled: true})
	return s
}

// answer is a decoded HEC answer.
type answer struct {
	Status  int
	Text    string          `json:"text"`
	Code    int             `json:"code"`
	AckID   *int64          `json:"ackId"`
	Invalid *int            `json:"invalid-event-number"`
	Acks    map[string]bool `json:"acks"`
	Raw     string
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.Status, a.Raw) }

func decode(t testing.TB, status int, body []byte) answer {
	t.Helper()
	a, err := decodeAnswer(status, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func decodeAnswer(status int, body []byte) (answer, error) {
	a := answer{Status: status, Raw: string(body)}
	if err := json.Unmarshal(body, &a); err != nil {
		return a, fmt.Errorf("answer %d %q is not JSON: %w", status, body, err)
	}
	return a, nil
}

// req describes one request.
type req struct {
	method  string // default POST
	path    string // default /services/collector/event
	token   string // "" sends no Authorization header
	auth    string // raw Authorization header, overrides token
	channel string // sent as X-Splunk-Request-Channel
	query   string
	gzip    bool
	body    string
}

func (r req) build(t testing.TB, base string) *http.Request {
	t.Helper()
	hr, err := r.request(base)
	if err != nil {
		t.Fatal(err)
	}
	return hr
}

func (r req) request(base string) (*http.Request, error) {
	method, path := r.method, r.path
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = hecemu.PathEvent
	}
	target := base + path
	if r.query != "" {
		target += "?" + r.query
	}
	body := []byte(r.body)
	if r.gzip {
		var err error
		if body, err = gzipBytes(body); err != nil {
			return nil, err
		}
	}
	hr, err := http.NewRequestWithContext(context.Background(), method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	switch {
	case r.auth != "":
		hr.Header.Set("Authorization", r.auth)
	case r.token != "":
		hr.Header.Set("Authorization", "Splunk "+r.token)
	}
	if r.channel != "" {
		hr.Header.Set(hecemu.ChannelHeader, r.channel)
	}
	if r.gzip {
		hr.Header.Set("Content-Encoding", "gzip")
	}
	return hr, nil
}

// serve sends the request through the handler, without a network.
func serve(t testing.TB, s *hecemu.Server, r req) answer {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r.build(t, "http://hec.test"))
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	return decode(t, w.Code, w.Body.Bytes())
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	z, err := gzipBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// start starts s on a loopback port and returns its URL and a client; both end with the test.
func start(t *testing.T, s *hecemu.Server) (string, *http.Client) {
	t.Helper()
	url, err := s.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return url, &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// send sends the request over the network. It may run outside the test's goroutine: it reports every problem as
// an error.
func send(t testing.TB, hc *http.Client, base string, r req) (answer, error) {
	hr, err := r.request(base)
	if err != nil {
		return answer{}, err
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return decodeAnswer(resp.StatusCode, body)
}

func mustSend(t testing.TB, hc *http.Client, base string, r req) answer {
	t.Helper()
	a, err := send(t, hc, base, r)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// expect checks status and code.
func expect(t testing.TB, a answer, status, code int) {
	t.Helper()
	if a.Status != status || a.Code != code {
		t.Fatalf("got %v, want %d code %d", a, status, code)
	}
}

// events builds n events {"event":"<prefix>-i"} concatenated with a newline.
func events(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"event":"%s-%d","time":1700000000.%03d,"host":"h","sourcetype":"st"}`+"\n", prefix, i, i%1000)
	}
	return b.String()
}

func pollBody(ids ...int64) string {
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(map[string][]int64{"acks": ids})
	return string(b)
}

func serveRaw(t testing.TB, s *hecemu.Server, hr *http.Request) answer {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, hr)
	return decode(t, w.Code, w.Body.Bytes())
}

var errPending = errors.New("acks still pending after 10s")

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
