package consumer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func TestClassifyGroupCall(t *testing.T) {
	for _, c := range []struct {
		method, url string
		want        groupCall
	}{
		{"POST", "/logstores/a/consumergroups/g?type=heartbeat&consumer=c", callHeartbeat},
		{"POST", "/logstores/a/consumergroups/g?consumer=c&forceSuccess=true&type=checkpoint", callSave},
		{"GET", "/logstores/a/consumergroups/g", callRead},
		{"GET", "/logstores/a/consumergroups/g?shard=1", callRead},
		{"PUT", "/logstores/a/consumergroups/g", callGroup},
		{"DELETE", "/logstores/a/consumergroups/g", callNone},
		{"POST", "/logstores/a/consumergroups/other?type=heartbeat", callNone},
		{"GET", "/logstores/a/consumergroups", callNone},
		{"POST", "/logstores/a/consumergroups", callNone},
		{"GET", "/logstores/a/shards/1?type=logs&cursor=x", callNone},
	} {
		req, err := http.NewRequest(c.method, "http://p.example"+c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := classifyGroupCall(req, "g"); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.method, c.url, got, c.want)
		}
	}
}

// groupEvents records what a GroupObserver is told.
type groupEvents struct {
	mu      sync.Mutex
	missing []string // error text, "" for nil
	results []string
	foreign []int
}

func (o *groupEvents) BatchPulled(shard, records, bytes int) {}
func (o *groupEvents) BatchDone(shard int, err error)        {}
func (o *groupEvents) Checkpointed(shard int, err error)     {}
func (o *groupEvents) GroupMissing(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := ""
	if err != nil {
		s = err.Error()
	}
	o.missing = append(o.missing, s)
}
func (o *groupEvents) GroupRecreation(result string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.results = append(o.results, result)
}
func (o *groupEvents) ForeignCheckpoint(shard int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.foreign = append(o.foreign, shard)
}

func (o *groupEvents) snapshot() (missing, results []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.missing...), append([]string(nil), o.results...)
}

const (
	gtProject, gtLogstore, gtGroup = "gt-project", "gt-logstore", "gt-group"
	gtKey, gtSecret                = "gt-key", "gt-secret"
)

// guardRig is a group guard over a real emulator, with the SDK's client as the consumer library would get it.
type guardRig struct {
	emu   *slsemu.Server
	c     *Consumer
	g     *groupGuard
	sdk   sls.ClientInterface // through the watched client, as the consumer library
	admin sls.ClientInterface // unwatched: another process, or the operator
	obs   *groupEvents
}

func newGuardRig(t *testing.T, shards int) (*guardRig, context.CancelFunc) {
	t.Helper()
	emu := slsemu.New(slsemu.Options{Logger: zap.NewNop()})
	emu.AddKey(gtKey, gtSecret)
	if err := emu.AddLogstore(gtProject, gtLogstore, shards, 0); err != nil {
		t.Fatal(err)
	}
	u, err := emu.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	obs := &groupEvents{}
	c, err := New(Options{Endpoint: pu.Host, AccessKeyID: gtKey, AccessKeySecret: gtSecret, Project: gtProject,
		Logstore: gtLogstore, Group: gtGroup, ConsumerName: "c1", HeartbeatInterval: time.Second,
		HeartbeatTimeout: 6 * time.Second, InOrder: true, Logger: zaptest.NewLogger(t), Observer: obs},
		BatchHandlerFunc(func(context.Context, *Batch) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	g, hc := c.newGuard(ctx, c.cfg.HTTPClient)
	g.keeper.minDelay, g.keeper.maxDelay = 20*time.Millisecond, 80*time.Millisecond
	g.check.every = time.Hour // the tests read when they want to
	sdk, admin := c.Client(), c.Client()
	sdk.SetHTTPClient(wrapClient(hc, c)) // as Start does
	r := &guardRig{emu: emu, c: c, g: g, sdk: sdk, admin: admin, obs: obs}
	g.start(ctx)
	stop := func() {
		cancel()
		g.wait()
		c.cfg.HTTPClient.CloseIdleConnections()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = emu.Shutdown(sctx)
	}
	return r, stop
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGroupKeeperRecreates: the group is deleted under a consumer that holds shard 0 (saved there) and has read
// shard 1's checkpoint (another replica's). The first ConsumerGroupNotExist makes the keeper recreate the group
// with the configured settings and write both checkpoints back; shard 2, which nobody here knew, stays empty.
func TestGroupKeeperRecreates(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r, stop := newGuardRig(t, 3)
	defer stop()
	if err := r.admin.CreateConsumerGroup(gtProject, gtLogstore, sls.ConsumerGroup{ConsumerGroupName: gtGroup, Timeout: 6, InOrder: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sdk.HeartBeat(gtProject, gtLogstore, gtGroup, "c1", nil); err != nil {
		t.Fatal(err)
	}
	ours, theirs := slsemu.EncodeCursor(1_000_000_007), slsemu.EncodeCursor(2_000_000_003)
	if err := r.sdk.UpdateCheckpoint(gtProject, gtLogstore, gtGroup, "c1", 0, ours, true); err != nil {
		t.Fatal(err)
	}
	if err := r.admin.UpdateCheckpoint(gtProject, gtLogstore, gtGroup, "c2", 1, theirs, true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sdk.GetCheckpoint(gtProject, gtLogstore, gtGroup); err != nil {
		t.Fatal(err)
	}
	if err := r.emu.DeleteGroup(gtProject, gtLogstore, gtGroup); err != nil {
		t.Fatal(err)
	}
	_, err := r.sdk.HeartBeat(gtProject, gtLogstore, gtGroup, "c1", []int{0})
	var se *sls.Error
	if !errors.As(err, &se) || se.Code != "ConsumerGroupNotExist" {
		t.Fatalf("heartbeat after the deletion: %v, want ConsumerGroupNotExist passed on unchanged", err)
	}
	eventually(t, "both checkpoints written back", func() bool {
		g := r.emu.Stats().Logstore(gtProject, gtLogstore).Group(gtGroup)
		return g != nil && g.Checkpoint(0) == ours && g.Checkpoint(1) == theirs
	})
	if cp := r.emu.Stats().Logstore(gtProject, gtLogstore).Group(gtGroup).Checkpoint(2); cp != "" {
		t.Errorf("shard 2 got checkpoint %q, want none (nothing was known of it)", cp)
	}
	groups, err := r.admin.ListConsumerGroup(gtProject, gtLogstore)
	if err != nil || len(groups) != 1 || groups[0].Timeout != 6 || !groups[0].InOrder {
		t.Errorf("recreated group %+v (%v), want timeout 6 and in order", groups, err)
	}
	eventually(t, "the observer told", func() bool {
		missing, results := r.obs.snapshot()
		return len(results) == 1 && results[0] == "ok" && len(missing) == 1 && missing[0] == ""
	})
	if st := r.emu.Stats(); st.Requests[slsemu.APICreateConsumerGroup] != 2 { // ours and the test's first
		t.Errorf("%d CreateConsumerGroup requests, want 2", st.Requests[slsemu.APICreateConsumerGroup])
	}
}

// TestGroupKeeperRefused: creation is refused (403) twice, then allowed. Each refusal is reported with its cause,
// the attempts back off, and once the group exists the observer hears so.
func TestGroupKeeperRefused(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r, stop := newGuardRig(t, 1)
	defer stop()
	r.emu.FailNext(slsemu.APICreateConsumerGroup, 2, http.StatusForbidden, "Unauthorized")
	start := time.Now()
	if _, err := r.sdk.GetCheckpoint(gtProject, gtLogstore, gtGroup); err == nil {
		t.Fatal("GetCheckpoint of a missing group succeeded")
	}
	eventually(t, "the group created at the third attempt", func() bool {
		return r.emu.Stats().Logstore(gtProject, gtLogstore).Group(gtGroup) != nil
	})
	took := time.Since(start)
	eventually(t, "the observer told", func() bool {
		missing, _ := r.obs.snapshot()
		return len(missing) == 3 && missing[2] == ""
	})
	missing, results := r.obs.snapshot()
	if strings.Join(results, ",") != "refused,refused,ok" {
		t.Errorf("attempts %v, want refused, refused, ok", results)
	}
	for _, m := range missing[:2] {
		if !strings.Contains(m, "Unauthorized") || !strings.Contains(m, "rejected") {
			t.Errorf("missing reported as %q, want the refusal", m)
		}
	}
	// Backoff: 40 ms then 80 ms (jittered to at least half), at most one attempt in between.
	if took < 60*time.Millisecond {
		t.Errorf("three attempts within %s: no backoff", took)
	}
}

// TestGroupKeeperLearnsFromHeartbeat: creation keeps being refused, the operator creates the group; a successful
// heartbeat ends the missing state without another attempt of our own.
func TestGroupKeeperLearnsFromHeartbeat(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r, stop := newGuardRig(t, 1)
	defer stop()
	r.emu.FailNext(slsemu.APICreateConsumerGroup, 1_000_000, http.StatusForbidden, "Unauthorized")
	if _, err := r.sdk.HeartBeat(gtProject, gtLogstore, gtGroup, "c1", nil); err == nil {
		t.Fatal("heartbeat of a missing group succeeded")
	}
	eventually(t, "a refusal", func() bool { missing, _ := r.obs.snapshot(); return len(missing) > 0 })
	r.emu.ClearFaults()
	if err := r.admin.CreateConsumerGroup(gtProject, gtLogstore, sls.ConsumerGroup{ConsumerGroupName: gtGroup, Timeout: 6}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sdk.HeartBeat(gtProject, gtLogstore, gtGroup, "c1", nil); err != nil {
		t.Fatal(err)
	}
	// The heartbeat's answer comes back only after the write-back: the missing state has ended by now.
	if r.g.keeper.missing.Load() {
		t.Error("still missing after a successful heartbeat")
	}
	missing, _ := r.obs.snapshot()
	if missing[len(missing)-1] != "" {
		t.Errorf("last report %q, want the group back", missing[len(missing)-1])
	}
}

// fakeRT answers every request with a canned response.
type fakeRT struct {
	status int
	body   string
	header http.Header
}

func (f fakeRT) RoundTrip(req *http.Request) (*http.Response, error) {
	h := f.header
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: f.status, Header: h, Body: io.NopCloser(strings.NewReader(f.body)), Request: req}, nil
}

// TestGroupTransportPassesThrough: what groupTransport reads of requests and answers is put back unchanged.
func TestGroupTransportPassesThrough(t *testing.T) {
	w := newOwnerWatch("c", 6*time.Second, time.Minute)
	k := &groupKeeper{watch: w, log: zap.NewNop(), wake: make(chan struct{}, 1)}
	for _, tc := range []struct {
		name, method, url, reqBody string
		rt                         fakeRT
		missing                    bool
	}{
		{"group missing", "POST", "/logstores/l/consumergroups/g?type=heartbeat&consumer=c", "[0]",
			fakeRT{status: 404, body: `{"errorCode":"ConsumerGroupNotExist","errorMessage":"gone"}`}, true},
		{"heartbeat", "POST", "/logstores/l/consumergroups/g?type=heartbeat&consumer=c", "[]",
			fakeRT{status: 200, body: `[0,1]`, header: http.Header{"Date": {"Mon, 23 Nov 2026 09:21:46 GMT"}}}, false},
		{"checkpoint", "POST", "/logstores/l/consumergroups/g?type=checkpoint&consumer=c&forceSuccess=true", `{"shard":1,"checkpoint":"MTA="}`,
			fakeRT{status: 200}, false},
		{"other error", "GET", "/logstores/l/consumergroups/g", "",
			fakeRT{status: 500, body: `<html>oops</html>`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k.missing.Store(false)
			tr := &groupTransport{next: tc.rt, group: "g", keeper: k, watch: w}
			var body io.Reader
			if tc.reqBody != "" {
				body = strings.NewReader(tc.reqBody)
			}
			req, _ := http.NewRequest(tc.method, "http://p.example"+tc.url, body)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if string(b) != tc.rt.body {
				t.Errorf("answer body %q, want %q", b, tc.rt.body)
			}
			if tc.reqBody != "" {
				rb, _ := io.ReadAll(req.Body)
				if string(rb) != tc.reqBody {
					t.Errorf("request body after the trip %q, want %q", rb, tc.reqBody)
				}
			}
			if k.missing.Load() != tc.missing {
				t.Errorf("missing %v, want %v", k.missing.Load(), tc.missing)
			}
		})
	}
	// A heartbeat the group answers "unknown consumer" although we hold shards: it was recreated behind our back.
	tr := &groupTransport{next: fakeRT{status: 400, body: `{"errorCode":"NotExistConsumerWithBody","errorMessage":"?"}`},
		group: "g", keeper: k, watch: w}
	req, _ := http.NewRequest("POST", "http://p.example/logstores/l/consumergroups/g?type=heartbeat&consumer=c", strings.NewReader("[0]"))
	if _, err := tr.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if w.settleAt <= w.now() {
		t.Error("NotExistConsumerWithBody did not suspend the consumer-name check")
	}
	if v, seq, busy := w.latest(1); v != "MTA=" || seq != 1 || busy {
		t.Errorf("shard 1: %q %d %v, want the saved checkpoint", v, seq, busy)
	}
	if !w.clock.ok {
		t.Error("the Date header was not sampled")
	}
}

// TestOwnerCheckAgainstEmulator: two writers of one consumer name, as SLS sees them. The watched client saves a
// checkpoint; another client saves the same one 600 ms later (two processes in step on a quiet shard), then a
// different one. Reads through the watched client find both, with the emulator's updateTime and Date headers.
func TestOwnerCheckAgainstEmulator(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r, stop := newGuardRig(t, 1)
	defer stop()
	if err := r.admin.CreateConsumerGroup(gtProject, gtLogstore, sls.ConsumerGroup{ConsumerGroupName: gtGroup, Timeout: 6}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 { // heartbeats: the shard is ours, and Date headers place the emulator's clock
		held := []int{0}
		if i == 0 {
			held = nil // a new consumer's first heartbeat
		}
		if _, err := r.sdk.HeartBeat(gtProject, gtLogstore, gtGroup, "c1", held); err != nil {
			t.Fatal(err)
		}
		time.Sleep(37 * time.Millisecond)
	}
	x, y := slsemu.EncodeCursor(1_000_000_001), slsemu.EncodeCursor(1_000_000_002)
	if err := r.sdk.UpdateCheckpoint(gtProject, gtLogstore, gtGroup, "c1", 0, x, true); err != nil {
		t.Fatal(err)
	}
	read := func() {
		t.Helper()
		if _, err := r.sdk.GetCheckpoint(gtProject, gtLogstore, gtGroup); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if n := len(r.obs.foreign); n != 0 {
		t.Fatalf("%d foreign checkpoints after our own save", n)
	}
	time.Sleep(600 * time.Millisecond)
	if err := r.admin.UpdateCheckpoint(gtProject, gtLogstore, gtGroup, "c1", 0, x, true); err != nil {
		t.Fatal(err)
	}
	read()
	r.obs.mu.Lock()
	n := len(r.obs.foreign)
	r.obs.mu.Unlock()
	if n != 1 {
		t.Errorf("%d foreign checkpoints after the same checkpoint saved again 600 ms later, want 1 (by time)", n)
	}
	if err := r.admin.UpdateCheckpoint(gtProject, gtLogstore, gtGroup, "c1", 0, y, true); err != nil {
		t.Fatal(err)
	}
	read()
	r.obs.mu.Lock()
	n = len(r.obs.foreign)
	r.obs.mu.Unlock()
	if n != 2 {
		t.Errorf("%d foreign checkpoints after another checkpoint, want 2", n)
	}
}
