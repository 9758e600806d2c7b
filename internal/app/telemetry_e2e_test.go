package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/siemship/siemship/internal/telemetry"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
	"github.com/siemship/siemship/internal/testgear/testport"
)

// TestTelemetryEndToEnd runs siemship against the emulator and a real receiver with SIEMSHIP_HTTP_ADDR set: every
// listed series shows on /metrics while it ships, the lag of every shard falls to zero once the backlog is drained,
// and while the receiver is down /healthz stays 200, /readyz turns 503 and the lag grows, until the receiver is back.
//
// One shard: in-process runs with several shards trip the race detector over the SDK consumer library's lazy
// client initialisation (see e2e/process_test.go); the lag code itself is shard-agnostic and unit-tested with two.
func TestTelemetryEndToEnd(t *testing.T) {
	const shards, backlog, more = 1, 3000, 500
	emu := harness.StartEmulator(t, shards, backlog)
	col := syslogrecv.NewCollector(0)
	// The receiver comes back on the same address later: a port from outside the ephemeral range is not handed to
	// another process meanwhile, as one from port 0 could be.
	var r *syslogrecv.Receiver
	recvAddr, err := testport.Listen(func(addr string) (err error) {
		r, err = syslogrecv.Listen(syslogrecv.Options{Addr: addr}, col.Handle)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })

	// The SDK needs about 1.5 s to stop (it polls its shard workers every 500 ms); under the race detector and
	// with scrapes going on that is too close to the harness's 2 s shutdown timeout, so give it more.
	sh := harness.StartShipper(t, emu.Env(recvAddr, "tcp", "SIEMSHIP_HTTP_ADDR=127.0.0.1:0", "SLS_MAX_FETCH_LOG_GROUPS=20",
		"SLS_HEARTBEAT_TIMEOUT=10s", "SIEMSHIP_SHUTDOWN_TIMEOUT=6s"))
	var addr string
	eventually(t, 10*time.Second, "the metrics server", func() bool { addr = sh.App.HTTPAddr(); return addr != "" })
	base := "http://" + addr

	// While shipping: every series is there (lag ones once the first measurement is in).
	var fams map[string]*dto.MetricFamily
	eventually(t, 20*time.Second, "the lag of every shard", func() bool {
		fams = scrape(t, base)
		return series(fams, telemetry.MetricShardLagLogGroups) == shards && series(fams, telemetry.MetricShardLagSeconds) == shards
	})
	for _, name := range []string{
		telemetry.MetricBuildInfo, telemetry.MetricRecordsPulled, telemetry.MetricBytesPulled, telemetry.MetricRecordsSent,
		telemetry.MetricBytesSent, telemetry.MetricRecordsFiltered, telemetry.MetricRecordsTruncated,
		telemetry.MetricRecordsSanitized, telemetry.MetricRecordsDropped, telemetry.MetricBatchesDelivered,
		telemetry.MetricSendFailures, telemetry.MetricWriteDuration, telemetry.MetricCheckpointCommits,
		telemetry.MetricShardLagSeconds, telemetry.MetricShardLagLogGroups, telemetry.MetricLagMeasured,
		telemetry.MetricLagErrors, telemetry.MetricConnectionsOpen, telemetry.MetricDestinationUp, telemetry.MetricConnects,
		telemetry.MetricReconnects, telemetry.MetricConnectErrors, telemetry.MetricConnectionsDiscarded, telemetry.MetricReady,
		"process_resident_memory_bytes", "go_goroutines",
	} {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	// The backlog drains: everything is delivered, checkpointed, and the lag of every shard falls to zero.
	waitRecords(t, col, backlog)
	waitLagZero(t, base, shards)
	fams = scrape(t, base)
	for _, c := range []struct {
		name string
		want float64
	}{
		{telemetry.MetricRecordsSent, backlog},
		{telemetry.MetricRecordsPulled, backlog},
		{telemetry.MetricRecordsDropped, 0},
		{telemetry.MetricReady, 1},
	} {
		if got := sum(fams, c.name); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if got := sum(fams, telemetry.MetricCheckpointCommits, "result=ok"); got < backlog/20/10 {
		t.Errorf("%s{result=ok} = %v, want at least one per batch", telemetry.MetricCheckpointCommits, got)
	}
	if got := sum(fams, telemetry.MetricWriteDuration, "result=ok"); got < 1 {
		t.Errorf("%s{result=ok} has no observations", telemetry.MetricWriteDuration)
	}
	if got := sum(fams, telemetry.MetricConnectionsOpen); got != 1 {
		t.Errorf("%s = %v, want 1", telemetry.MetricConnectionsOpen, got)
	}
	expectStatus(t, base+"/healthz", 200, "ok")
	expectStatus(t, base+"/readyz", 200, "siem: reachable")

	// The receiver goes down while new data arrives: alive, not ready, lag grows.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := emu.Generate(harness.Project, harness.Logstore, more); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "/readyz 503 with the receiver down", func() bool {
		code, _ := get(t, base+"/readyz")
		return code == 503
	})
	expectStatus(t, base+"/readyz", 503, "siem: unreachable")
	eventually(t, 20*time.Second, "lag in log groups while the receiver is down", func() bool {
		return sum(scrape(t, base), telemetry.MetricShardLagLogGroups) > 0
	})
	fams = scrape(t, base)
	if sum(fams, telemetry.MetricSendFailures) == 0 || sum(fams, telemetry.MetricDestinationUp) != 0 {
		t.Errorf("receiver down: failures %v, up %v", sum(fams, telemetry.MetricSendFailures), sum(fams, telemetry.MetricDestinationUp))
	}
	time.Sleep(2 * time.Second) // several failed attempts later, still alive
	expectStatus(t, base+"/healthz", 200, "none wedged")

	// The receiver is back on the same address: the new records arrive, the lag falls to zero again.
	r2, err := syslogrecv.Listen(syslogrecv.Options{Addr: recvAddr}, col.Handle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r2.Close() })
	waitRecords(t, col, backlog+more)
	waitLagZero(t, base, shards)
	eventually(t, 10*time.Second, "/readyz 200 again", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	fams = scrape(t, base)
	if got := sum(fams, telemetry.MetricReconnects); got < 1 {
		t.Errorf("%s = %v after the receiver came back, want at least 1", telemetry.MetricReconnects, got)
	}
	if got := sum(fams, telemetry.MetricRecordsDropped); got != 0 {
		t.Errorf("%s = %v", telemetry.MetricRecordsDropped, got)
	}
	if err := sh.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil { //nolint:noctx,bodyclose // must fail: the server is gone
		t.Error("the metrics server still answers after Run returned")
	}
}

func waitRecords(t *testing.T, col *syslogrecv.Collector, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := col.WaitFor(ctx, n); err != nil {
		t.Fatalf("waiting for %d records (have %d): %v", n, col.Len(), err)
	}
}

func waitLagZero(t *testing.T, base string, shards int) {
	t.Helper()
	eventually(t, 30*time.Second, "lag 0 on every shard", func() bool {
		fams := scrape(t, base)
		return series(fams, telemetry.MetricShardLagLogGroups) == shards && series(fams, telemetry.MetricShardLagSeconds) == shards &&
			sum(fams, telemetry.MetricShardLagLogGroups) == 0 && sum(fams, telemetry.MetricShardLagSeconds) == 0
	})
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func expectStatus(t *testing.T, url string, code int, substr string) {
	t.Helper()
	got, body := get(t, url)
	if got != code || !strings.Contains(body, substr) {
		t.Errorf("GET %s = %d:\n%s\nwant %d containing %q", url, got, body, code, substr)
	}
}

func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := get(t, base+"/metrics")
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

// series counts the series of a family.
func series(fams map[string]*dto.MetricFamily, name string) int {
	if f := fams[name]; f != nil {
		return len(f.GetMetric())
	}
	return 0
}

// sum adds the values (sample counts for histograms) of the series of a family that carry every k=v label given.
func sum(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	total := 0.0
next:
	for _, m := range f.GetMetric() {
		for _, kv := range labels {
			k, v, _ := strings.Cut(kv, "=")
			found := false
			for _, lp := range m.GetLabel() {
				found = found || lp.GetName() == k && lp.GetValue() == v
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
