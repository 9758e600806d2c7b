package telemetry

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/sink"
)

// clock is a settable time for the health tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func get(t *testing.T, h http.HandlerFunc, method string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest(method, "/", nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestLiveness(t *testing.T) {
	errRefused := errors.New("dial tcp 127.0.0.1:514: connection refused")
	tests := []struct {
		name     string
		steps    func(h *health, c *clock)
		wantCode int
		want     []string // substrings of the body
	}{
		{
			name:     "nothing happened yet",
			steps:    func(h *health, c *clock) {},
			wantCode: 200, want: []string{"ok\n", "shards: 0 seen, 0 with a batch in delivery, none wedged"},
		},
		{
			name: "idle shards: batches delivered, none in the handler for long",
			steps: func(h *health, c *clock) {
				h.batchPulled(0)
				h.sendResult(0, nil)
				h.batchDone(0)
				h.batchPulled(1)
				h.batchDone(1)
				c.add(time.Hour)
			},
			wantCode: 200, want: []string{"shards: 2 seen, 0 with a batch in delivery, none wedged"},
		},
		{
			name: "SIEM down: the pipeline keeps failing and retrying, which is alive",
			steps: func(h *health, c *clock) {
				h.batchPulled(3)
				for range 100 {
					c.add(30 * time.Second)
					h.sendResult(3, errRefused)
				}
			},
			wantCode: 200, want: []string{"1 with a batch in delivery, none wedged"},
		},
		{
			name: "a shard queued behind others: attempts of any shard count",
			steps: func(h *health, c *clock) {
				h.batchPulled(1)
				h.batchPulled(2)
				for range 10 {
					c.add(time.Minute)
					h.sendResult(2, errRefused)
				}
			},
			wantCode: 200, want: []string{"2 with a batch in delivery, none wedged"},
		},
		{
			name: "wedged: a batch in delivery and no attempt ends",
			steps: func(h *health, c *clock) {
				h.batchPulled(0)
				h.sendResult(0, nil)
				h.batchDone(0)
				h.batchPulled(5)
				c.add(3 * time.Minute)
			},
			wantCode: 503, want: []string{"not ok\n", "shard 5: wedged: a batch has been in delivery for 3m0s and no send attempt ended for 3m0s (limit 2m0s)"},
		},
		{
			name: "not wedged just below the limit",
			steps: func(h *health, c *clock) {
				h.batchPulled(5)
				c.add(2 * time.Minute)
			},
			wantCode: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: now0}
			h := newHealth(c.now, 2*time.Minute, connsFine)
			tt.steps(h, c)
			code, body := get(t, h.handleLive, http.MethodGet)
			if code != tt.wantCode {
				t.Errorf("status %d, want %d; body:\n%s", code, tt.wantCode, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

// connsFine is a destination whose recent connections survived.
func connsFine() sink.Health { return sink.Health{} }

func TestReadiness(t *testing.T) {
	errRefused := errors.New("dial tcp 127.0.0.1:514: connection refused")
	resetting := sink.Health{Failing: true, Lost: 12, Since: now0.Add(-3 * time.Second),
		LastErr: errors.New("probe: read: connection reset by peer")}
	tests := []struct {
		name     string
		steps    func(h *health, c *clock)
		conns    sink.Health
		wantCode int
		want     []string
	}{
		{
			name:     "waiting for SLS",
			steps:    func(h *health, c *clock) { h.sendResult(-1, nil) },
			wantCode: 503, want: []string{"not ok\n", "config: valid", "consumer: not started (waiting for SLS)", "siem: reachable"},
		},
		{
			name:     "started, SIEM never checked",
			steps:    func(h *health, c *clock) { h.started.Store(true) },
			wantCode: 503, want: []string{"consumer: started", "siem: not checked yet"},
		},
		{
			name: "started and delivering",
			steps: func(h *health, c *clock) {
				h.started.Store(true)
				h.sendResult(-1, errRefused) // the start-up check failed, then the receiver came up
				c.add(time.Second)
				h.sendResult(0, nil)
				c.add(1500 * time.Millisecond)
			},
			wantCode: 200, want: []string{"ok\n", "consumer: started", "siem: reachable (last success 1.5s ago)"},
		},
		{
			name: "sends succeed, the receiver resets every connection",
			steps: func(h *health, c *clock) {
				h.started.Store(true)
				h.sendResult(0, nil)
			},
			conns:    resetting,
			wantCode: 503, want: []string{"siem: connections failing: the last 12 were lost, the first 3s ago, although sends succeed",
				"latest: probe: read: connection reset by peer"},
		},
		{
			name: "SIEM went down",
			steps: func(h *health, c *clock) {
				h.started.Store(true)
				h.sendResult(0, nil)
				c.add(10 * time.Second)
				h.sendResult(0, errRefused)
				c.add(time.Second)
			},
			wantCode: 503, want: []string{"siem: unreachable (last success 11s ago; last failure 1s ago: dial tcp 127.0.0.1:514: connection refused)"},
		},
		{
			name: "SIEM never reached",
			steps: func(h *health, c *clock) {
				h.started.Store(true)
				h.sendResult(-1, errRefused)
			},
			wantCode: 503, want: []string{"siem: unreachable (never reached; last failure 0s ago"},
		},
		{
			name: "consumer group missing",
			steps: func(h *health, c *clock) {
				h.started.Store(true)
				h.sendResult(0, nil)
				h.setGroupMissing(errors.New("create consumer group g: Unauthorized"))
			},
			wantCode: 503, want: []string{"consumer: started", "consumer group: missing, nothing is shipped; recreating it failed: create consumer group g: Unauthorized", "siem: reachable"},
		},
		{
			name: "consumer group back",
			steps: func(h *health, c *clock) {
				h.started.Store(true)
				h.sendResult(0, nil)
				h.setGroupMissing(errors.New("Unauthorized"))
				h.setGroupMissing(nil)
			},
			wantCode: 200, want: []string{"ok\n", "consumer: started", "siem: reachable"},
		},
		{
			name: "shutting down",
			steps: func(h *health, c *clock) {
				h.started.Store(true)
				h.sendResult(0, nil)
				h.stopping.Store(true)
			},
			wantCode: 503, want: []string{"consumer: shutting down", "siem: reachable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: now0}
			h := newHealth(c.now, 2*time.Minute, func() sink.Health { return tt.conns })
			tt.steps(h, c)
			code, body := get(t, h.handleReady, http.MethodGet)
			if code != tt.wantCode {
				t.Errorf("status %d, want %d; body:\n%s", code, tt.wantCode, body)
			}
			if up := h.reachable(); up != (tt.wantCode == 200 || strings.Contains(body, "siem: reachable")) {
				t.Errorf("reachable() = %v with body:\n%s", up, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

func TestHealthMethods(t *testing.T) {
	h := newHealth(time.Now, time.Minute, connsFine)
	if code, body := get(t, h.handleLive, http.MethodHead); code != 200 || body != "" {
		t.Errorf("HEAD /healthz = %d %q", code, body)
	}
	if code, _ := get(t, h.handleReady, http.MethodHead); code != 503 {
		t.Errorf("HEAD /readyz = %d", code)
	}
	if code, _ := get(t, h.handleLive, http.MethodPost); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d", code)
	}
}
