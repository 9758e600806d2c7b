package consumer

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLease(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := &lease{timeout: 6 * time.Second}
	if !l.holds(3, t0) {
		t.Fatal("before the first heartbeat nothing is fenced")
	}
	l.renew(t0, []int{0, 1})
	l.renew(t0.Add(2*time.Second), []int{0})   // shard 1 is being transferred away
	l.renew(t0.Add(-time.Second), []int{0, 2}) // an older heartbeat answered late
	for _, c := range []struct {
		shard int
		at    time.Duration
		want  bool
	}{
		{0, 0, true},
		{0, 7 * time.Second, true}, // confirmed at +2s
		{0, 8 * time.Second, false},
		{1, 5 * time.Second, true}, // draining: its last confirmation is recent
		{1, 6 * time.Second, false},
		{2, 0, true}, // the late answer listed it a second ago
		{2, 5 * time.Second, false},
		{3, time.Second, false}, // never ours
	} {
		if got := l.holds(c.shard, t0.Add(c.at)); got != c.want {
			t.Errorf("holds(%d, +%s) = %v, want %v", c.shard, c.at, got, c.want)
		}
	}
	var none *lease
	if !none.holds(0, t0) || !(&lease{}).holds(0, t0) {
		t.Error("a nil lease or one without timeout must not fence")
	}
}

func TestGroupRequest(t *testing.T) {
	for _, c := range []struct {
		method, url, body string
		hb, cp            bool
		shard             int
	}{
		{"POST", "/logstores/a/consumergroups/g?type=heartbeat&consumer=c", "[0,1]", true, false, 0},
		{"POST", "/logstores/a/consumergroups/g?consumer=c&forceSuccess=true&type=checkpoint", `{"checkpoint":"MTA=","shard":7}`, false, true, 7},
		{"POST", "/logstores/a/consumergroups/g?type=checkpoint", `{"checkpoint":"MTA="}`, false, false, 0},
		{"POST", "/logstores/a/consumergroups/g?type=checkpoint", `not json`, false, false, 0},
		{"GET", "/logstores/a/consumergroups/g", "", false, false, 0},
		{"GET", "/logstores/a/shards/1?type=logs&cursor=x", "", false, false, 0},
	} {
		req, err := http.NewRequest(c.method, "http://p.example"+c.url, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		hb, shard, cp := groupRequest(req)
		if hb != c.hb || cp != c.cp || shard != c.shard {
			t.Errorf("%s %s: heartbeat %v checkpoint %v shard %d, want %v %v %d", c.method, c.url, hb, cp, shard, c.hb, c.cp, c.shard)
		}
		if b, _ := io.ReadAll(req.Body); string(b) != c.body {
			t.Errorf("%s: body after inspection %q, want %q", c.url, b, c.body)
		}
	}
}
