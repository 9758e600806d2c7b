package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.uber.org/goleak"

	"github.com/siemship/siemship/internal/pipeline"
	"github.com/siemship/siemship/internal/sink"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fakeDest struct {
	open      atomic.Int64
	resetting atomic.Bool
	ack       func(time.Duration) // set by OnAck, when Telemetry is built
}

func (d *fakeDest) OnAck(f func(time.Duration)) { d.ack = f }

func (d *fakeDest) Addr() string { return "siem.example:6514" }
func (d *fakeDest) Stats() sink.Stats {
	return sink.Stats{Connects: 3, Reconnects: 2, ConnectErrors: 7, Discarded: 2, PeerResets: 4, ResetsAfterDelivery: 1,
		OpenConnections: int(d.open.Load()), Requests: 9, DeadLettered: 2, AckTimeouts: 1, PendingAcks: 3}
}
func (d *fakeDest) Health() sink.Health {
	if d.resetting.Load() {
		return sink.Health{Failing: true, Lost: 3, Since: time.Now(), LastErr: errors.New("connection reset by peer")}
	}
	return sink.Health{}
}

type fakePipe struct{}

func (fakePipe) Stats() pipeline.Stats {
	return pipeline.Stats{Batches: 4, Records: 40, Bytes: 4000, Failures: 5, Truncated: 6, Sanitized: 1}
}

// allMetrics lists every metric family siemship registers (besides go_* and process_*).
var allMetrics = []string{
	MetricBuildInfo, MetricRecordsPulled, MetricBytesPulled, MetricRecordsSent, MetricBytesSent, MetricRecordsFiltered,
	MetricRecordsTruncated, MetricRecordsSanitized, MetricRecordsDropped, MetricBatchesDelivered, MetricSendFailures,
	MetricWriteDuration, MetricCheckpointCommits, MetricShardLagSeconds, MetricShardLagLogGroups, MetricLagMeasured,
	MetricLagErrors, MetricConnectionsOpen, MetricDestinationUp, MetricConnects, MetricReconnects, MetricConnectErrors,
	MetricConnectionsDiscarded, MetricReady, MetricExpiredCheckpoints, MetricPeerResets, MetricResetsAfterDelivery,
	MetricGroupMissing, MetricGroupRecreations, MetricForeignCheckpoints, MetricSLSBadAnswers,
	MetricDestinationRequests, MetricDeadLettered, MetricAckTimeouts, MetricPendingAcks, MetricAckLatency,
}

// newTestTelemetry builds a Telemetry with fake sources and a fake SLS whose shard 0 is 30 log groups behind.
func newTestTelemetry(t *testing.T, check func(context.Context) error) (*Telemetry, *fakeAPI) {
	t.Helper()
	tel, err := New(Options{Version: "v1.2.3", Destination: &fakeDest{}, Check: check, CheckInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := tel.WatchPipeline(fakePipe{}); err != nil {
		t.Fatal(err)
	}
	api := &fakeAPI{shards: map[int]*fakeShard{
		0: {begin: 100, end: 150, checkpoint: cur(120), received: time.Now().Add(-90 * time.Second)},
		1: {begin: 0, end: 8, checkpoint: cur(8)},
	}}
	if err := tel.WatchLag(LagOptions{API: api, Target: LagTarget{Project: "p", Logstore: "l", Group: "g"},
		Interval: time.Hour, MinInterval: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	return tel, api
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// scrape fetches /metrics and parses the text format.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := httpGet(t, "http://"+addr+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the series of family name whose labels include all of labels (k=v pairs).
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		for _, kv := range labels {
			k, v, _ := strings.Cut(kv, "=")
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestServeMetricsAndHealth(t *testing.T) {
	var checks atomic.Int64
	tel, api := newTestTelemetry(t, func(context.Context) error { checks.Add(1); return nil })
	tel.o.Addr = "127.0.0.1:0"
	if err := tel.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	}()
	addr := tel.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("Addr() = %q", addr)
	}
	tel.o.Addr = "127.0.0.1:0"
	if err := tel.Start(t.Context()); err == nil {
		t.Error("second Start succeeded")
	}

	// Before the consumer started: alive, not ready, and no SLS calls (the group may not exist yet).
	if code, body := httpGet(t, "http://"+addr+"/healthz"); code != 200 {
		t.Errorf("/healthz before start: %d %s", code, body)
	}
	if code, body := httpGet(t, "http://"+addr+"/readyz"); code != 503 || !strings.Contains(body, "consumer: not started") {
		t.Errorf("/readyz before start: %d %s", code, body)
	}
	scrape(t, addr)

	tel.BatchPulled(0, 10, 2000)
	tel.ObserveSend(0, 5*time.Millisecond, 10, 1000, nil)
	tel.ObserveSend(0, 2*time.Second, 10, 1000, errors.New("broken pipe"))
	tel.ObserveSend(0, 3*time.Millisecond, 10, 1000, nil)
	tel.BatchDone(0, nil)
	tel.Checkpointed(0, nil)
	tel.Checkpointed(0, errors.New("ConsumerNotMatch"))
	tel.CheckpointExpired(0, "begin")
	tel.GroupRecreation("ok")
	tel.GroupRecreation("refused")
	tel.GroupRecreation("refused")
	tel.ForeignCheckpoint(1)
	tel.o.Destination.(*fakeDest).ack(40 * time.Millisecond)
	tel.o.Destination.(*fakeDest).ack(2 * time.Second)
	tel.SetConsumerStarted()

	var fams map[string]*dto.MetricFamily
	eventually(t, "the lag of shard 0", func() bool {
		fams = scrape(t, addr)
		_, ok := value(fams, MetricShardLagLogGroups, "shard=0")
		return ok
	})
	for _, name := range allMetrics {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{MetricBuildInfo, []string{"version=v1.2.3"}, 1},
		{MetricRecordsPulled, nil, 10},
		{MetricBytesPulled, nil, 2000},
		{MetricRecordsSent, nil, 40},
		{MetricBytesSent, nil, 4000},
		{MetricBatchesDelivered, nil, 4},
		{MetricSendFailures, nil, 5},
		{MetricRecordsTruncated, nil, 6},
		{MetricRecordsSanitized, nil, 1},
		{MetricRecordsFiltered, nil, 0},
		{MetricRecordsDropped, nil, 0},
		{MetricWriteDuration, []string{"result=ok"}, 2},
		{MetricWriteDuration, []string{"result=error"}, 1},
		{MetricCheckpointCommits, []string{"result=ok"}, 1},
		{MetricCheckpointCommits, []string{"result=error"}, 1},
		{MetricExpiredCheckpoints, []string{"policy=begin"}, 1},
		{MetricExpiredCheckpoints, []string{"policy=fail"}, 0},
		{MetricGroupRecreations, []string{"result=ok"}, 1},
		{MetricGroupRecreations, []string{"result=refused"}, 2},
		{MetricGroupRecreations, []string{"result=error"}, 0},
		{MetricForeignCheckpoints, nil, 1},
		{MetricGroupMissing, nil, 0},
		{MetricShardLagLogGroups, []string{"shard=0"}, 30},
		{MetricShardLagLogGroups, []string{"shard=1"}, 0},
		{MetricShardLagSeconds, []string{"shard=1"}, 0},
		{MetricConnectionsOpen, []string{"destination=siem.example:6514"}, 0},
		{MetricDestinationUp, []string{"destination=siem.example:6514"}, 1},
		{MetricConnects, []string{"destination=siem.example:6514"}, 3},
		{MetricReconnects, []string{"destination=siem.example:6514"}, 2},
		{MetricConnectErrors, []string{"destination=siem.example:6514"}, 7},
		{MetricConnectionsDiscarded, []string{"destination=siem.example:6514"}, 2},
		{MetricPeerResets, []string{"destination=siem.example:6514"}, 4},
		{MetricResetsAfterDelivery, []string{"destination=siem.example:6514"}, 1},
		{MetricDestinationRequests, []string{"destination=siem.example:6514"}, 9},
		{MetricDeadLettered, []string{"destination=siem.example:6514"}, 2},
		{MetricAckTimeouts, []string{"destination=siem.example:6514"}, 1},
		{MetricPendingAcks, []string{"destination=siem.example:6514"}, 3},
		{MetricAckLatency, []string{"destination=siem.example:6514"}, 2},
		{MetricReady, nil, 1},
		{MetricLagErrors, nil, 0},
	} {
		if got, ok := value(fams, c.name, c.labels...); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if s, ok := value(fams, MetricShardLagSeconds, "shard=0"); !ok || s < 89 || s > 120 {
		t.Errorf("lag seconds of shard 0 = %v, want about 90", s)
	}
	if ts, _ := value(fams, MetricLagMeasured); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("%s = %v, not recent", MetricLagMeasured, ts)
	}

	// The backlog drains: the checkpoint reaches the end and the next scrapes show lag 0.
	api.set(0, func(s *fakeShard) { s.checkpoint = cur(150) })
	eventually(t, "lag 0 on shard 0", func() bool {
		fams = scrape(t, addr)
		g, ok1 := value(fams, MetricShardLagLogGroups, "shard=0")
		s, ok2 := value(fams, MetricShardLagSeconds, "shard=0")
		return ok1 && ok2 && g == 0 && s == 0
	})

	if code, body := httpGet(t, "http://"+addr+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d %s", code, body)
	}
	tel.ObserveSend(0, time.Millisecond, 1, 1, errors.New("connection refused"))
	if code, body := httpGet(t, "http://"+addr+"/readyz"); code != 503 || !strings.Contains(body, "connection refused") {
		t.Errorf("/readyz after a failed send: %d %s", code, body)
	}
	if code, body := httpGet(t, "http://"+addr+"/healthz"); code != 200 {
		t.Errorf("/healthz after a failed send: %d %s", code, body)
	}
	// Nothing is sent: the checker probes the destination, finds it reachable, and readiness recovers.
	eventually(t, "a reachability check", func() bool { return checks.Load() > 0 })
	eventually(t, "/readyz 200 again", func() bool { code, _ := httpGet(t, "http://"+addr+"/readyz"); return code == 200 })

	// Sends succeed but the receiver resets every connection: not up, not ready.
	tel.o.Destination.(*fakeDest).resetting.Store(true)
	if code, body := httpGet(t, "http://"+addr+"/readyz"); code != 503 || !strings.Contains(body, "siem: connections failing") {
		t.Errorf("/readyz with connections reset: %d %s", code, body)
	}
	if up, _ := value(scrape(t, addr), MetricDestinationUp); up != 0 {
		t.Errorf("%s = %v with connections reset, want 0", MetricDestinationUp, up)
	}
	tel.o.Destination.(*fakeDest).resetting.Store(false)
	// The consumer group vanished and cannot be recreated: not ready, and the gauge says why, until it exists again.
	tel.GroupMissing(errors.New("create consumer group g: sls rejected the request: denied (Unauthorized, HTTP 403)"))
	if code, body := httpGet(t, "http://"+addr+"/readyz"); code != 503 || !strings.Contains(body, "consumer group: missing") ||
		!strings.Contains(body, "Unauthorized") {
		t.Errorf("/readyz with the group missing: %d %s", code, body)
	}
	if v, _ := value(scrape(t, addr), MetricGroupMissing); v != 1 {
		t.Errorf("%s = %v with the group missing, want 1", MetricGroupMissing, v)
	}
	tel.GroupMissing(nil)
	if code, body := httpGet(t, "http://"+addr+"/readyz"); code != 200 {
		t.Errorf("/readyz once the group exists again: %d %s", code, body)
	}
	if v, _ := value(scrape(t, addr), MetricGroupMissing); v != 0 {
		t.Errorf("%s = %v once the group exists again, want 0", MetricGroupMissing, v)
	}

	if code, _ := httpGet(t, "http://"+addr+"/nope"); code != 404 {
		t.Errorf("/nope: %d", code)
	}
	tel.SetStopping()
	if code, _ := httpGet(t, "http://"+addr+"/readyz"); code != 503 {
		t.Errorf("/readyz while stopping: %d", code)
	}
}

func TestLagMeasurementFailureKeepsLastValues(t *testing.T) {
	tel, api := newTestTelemetry(t, nil)
	tel.SetConsumerStarted()
	ctx := t.Context()
	tel.lag.measure(ctx)
	api.mu.Lock()
	api.listErr = errors.New("Unauthorized")
	api.mu.Unlock()
	tel.lag.measure(ctx)
	lags, at := tel.lag.snapshot()
	if len(lags) != 2 || at.IsZero() {
		t.Fatalf("after a failed measurement: %d shards, measured %v; want the previous 2", len(lags), at)
	}
	fams, err := tel.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == MetricLagErrors && f.GetMetric()[0].GetCounter().GetValue() != 1 {
			t.Errorf("%s = %v, want 1", MetricLagErrors, f.GetMetric()[0].GetCounter().GetValue())
		}
	}
}

func TestStartErrors(t *testing.T) {
	tel, _ := newTestTelemetry(t, nil)
	tel.o.Addr = "256.0.0.1:0"
	if err := tel.Start(t.Context()); err == nil {
		t.Fatal("Start on a bad address succeeded")
	}
	if err := tel.Shutdown(t.Context()); err != nil { // never started: nothing to do
		t.Fatal(err)
	}
	// Without an address the loops still run (lag, checks) and Shutdown stops them.
	tel.o.Addr = ""
	if err := tel.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tel.Addr() != "" {
		t.Errorf("Addr() = %q without a server", tel.Addr())
	}
	if err := tel.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := tel.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without a destination succeeded")
	}
	if err := tel.WatchLag(LagOptions{API: &fakeAPI{}}); err == nil {
		t.Error("second WatchLag succeeded")
	}
}

// BenchmarkObservers measures what the delivery path pays per batch for metrics and health.
func BenchmarkObservers(b *testing.B) {
	tel, err := New(Options{Destination: &fakeDest{}})
	if err != nil {
		b.Fatal(err)
	}
	errSend := fmt.Errorf("send: %w", errors.New("refused"))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		shard := i & 7
		tel.BatchPulled(shard, 500, 64<<10)
		var err error
		if i%16 == 0 {
			err = errSend
		}
		tel.ObserveSend(shard, time.Millisecond, 500, 80<<10, err)
		tel.BatchDone(shard, nil)
		tel.Checkpointed(shard, nil)
	}
}
