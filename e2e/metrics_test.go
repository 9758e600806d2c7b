package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
)

// metricsURL waits for the process to log where it serves /metrics (SIEMSHIP_HTTP_ADDR=127.0.0.1:0) and returns
// the URL.
func metricsURL(t *testing.T, p *harness.Proc) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if es := p.LogEntries("serving /metrics, /healthz and /readyz"); len(es) > 0 {
			if addr, _ := es[0]["addr"].(string); addr != "" {
				return "http://" + addr + "/metrics"
			}
		}
		if p.Exited() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not log its metrics address; stderr:\n%s", p.Name(), p.Tail(20))
	return ""
}

// scrape returns the value of one series (name{labels} exactly as exposed) at url, failing the test when it is
// not there.
func scrape(t *testing.T, url, series string) float64 {
	t.Helper()
	v, ok := scrapeOK(t, url, series)
	if !ok {
		t.Fatalf("no series %s at %s", series, url)
	}
	return v
}

// scrapeOK is scrape that reports a missing series instead of failing.
func scrapeOK(t *testing.T, url, series string) (float64, bool) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("scrape %s: %v", series, err)
			}
			return f, true
		}
	}
	return 0, false
}
