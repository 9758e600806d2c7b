package e2e

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsproxy"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// TestHostileSLS puts a proxy between siemship (the built binary, default SIEMSHIP_MEMORY_LIMIT of 256 MiB) and the
// emulator that rewrites SLS's answers as a hostile or broken server would. Each case writes new records, serves
// every PullLogs answer carrying data rewritten for a while, then lets the real answers through (the server
// recovers). In every case the process stays up, its peak RSS stays under the limit, nothing is delivered twice
// (a checkpoint moved past undelivered data would show as missing records, a jump back as duplicates), and every
// record arrives after the recovery; a refused answer is logged (one line, sampled) with its reason.
func TestHostileSLS(t *testing.T) {
	t.Parallel()
	const (
		shards     = 2
		perCase    = 400
		memLimit   = 256 << 20
		hostileFor = 1500 * time.Millisecond
	)
	emu := harness.StartEmulator(t, shards, 0)
	proxy, err := slsproxy.Start(emu.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	s := startSink(t, syslogrecv.Options{})
	env := testEnv(emu, s.Addr(), "tcp", "SLS_ENDPOINT="+proxy.Endpoint(), "SLS_MAX_FETCH_LOG_GROUPS=5",
		"SIEMSHIP_MEMORY_LIMIT=256MiB", "SIEMSHIP_HTTP_ADDR=127.0.0.1:0", "SIEMSHIP_LOG_LEVEL=info")
	p := harness.StartProc(t, "siemship", env)
	metrics := metricsURL(t, p)

	cases := []struct {
		name   string
		rule   slsproxy.Rule
		reason string        // the reason siemship_sls_bad_answers_total counts; "" when SLS's own retries handle it
		hold   time.Duration // how long the answers stay bad (default hostileFor)
		most   int64         // the most bad answers siemship may ask for meanwhile (0: any number)
	}{
		{"raw size -1", slsproxy.SetHeader("X-Log-Bodyrawsize", "-1"), "header", 0, 0},
		{"raw size -5", slsproxy.SetHeader("X-Log-Bodyrawsize", "-5"), "header", 0, 0},
		{"raw size 0 with a body", slsproxy.SetHeader("X-Log-Bodyrawsize", "0"), "header", 0, 0},
		{"raw size not a number", slsproxy.SetHeader("X-Log-Bodyrawsize", "1e3"), "header", 0, 0},
		{"raw size 4 GiB", slsproxy.SetHeader("X-Log-Bodyrawsize", "4294967296"), "too_large", 0, 0},
		{"truncated lz4 body", slsproxy.Truncate(), "decompress", 0, 0},
		// A refused answer is asked for again with backoff: 4 a second per shard (48 in 6 s) before.
		{"truncated lz4 body for 6 s, with backoff", slsproxy.Truncate(), "decompress", 6 * time.Second, shards * 8},
		{"endless chunked body", slsproxy.Endless(), "body", 0, 0},
		{"900 MB Content-Length", slsproxy.HugeLength(900 << 20), "body", 0, 0},
		{"trickling body cut off", slsproxy.Trickle(5*time.Millisecond, time.Second), "body", 0, 0},
		{"LogGroups as varints", slsproxy.Relist(slsproxy.GroupsAsVarint), "protobuf", 0, 0},
		{"Logs as fixed32", slsproxy.Relist(slsproxy.LogsAsFixed32), "protobuf", 0, 0},
		{"Time as bytes", slsproxy.Relist(slsproxy.TimeAsBytes), "protobuf", 0, 0},
		{"count above the request's", slsproxy.AddToHeader("X-Log-Count", 1), "header", 0, 0}, // 6 for SLS_MAX_FETCH_LOG_GROUPS=5
		{"count one less", slsproxy.AddToHeader("X-Log-Count", -1), "cursor", 0, 0},
		{"count one less, cursor to match", slsproxy.MoveCount(-1), "count", 0, 0},
		{"cursor jumps ahead", slsproxy.MoveCursor(3), "cursor", 0, 0},
		{"cursor jumps back", slsproxy.MoveCursor(-3), "cursor", 0, 0},
		{"InvalidCursor for a valid cursor", slsproxy.SLSError(http.StatusBadRequest, "InvalidCursor", "cursor invalid"), "cursor", 0, 0},
		{"HTML 502 page", slsproxy.HTMLError(http.StatusBadGateway, 200<<10), "", 0, 0},
		{"redirect", slsproxy.Redirect("http://203.0.113.1/elsewhere"), "status", 0, 0},
	}
	total := uint64(0)
	for _, c := range cases {
		if !t.Run(c.name, func(t *testing.T) {
			if p.Exited() {
				t.Fatal("siemship is not running")
			}
			if err := p.ResetPeakRSS(); err != nil {
				t.Fatal(err)
			}
			before := s.Led.Report()
			countedBefore, _ := scrapeOK(t, metrics, badAnswersMetric(c.reason))
			proxy.Set(slsproxy.PullWithData, c.rule, -1)
			start := proxy.Rewritten()
			if err := emu.Generate(harness.Project, harness.Logstore, perCase); err != nil {
				t.Fatal(err)
			}
			total += perCase
			// Let it be hostile for a while, and at least for a few answers.
			deadline := time.Now().Add(30 * time.Second)
			hold := hostileFor
			if c.hold > 0 {
				hold = c.hold
			}
			time.Sleep(hold)
			for proxy.Rewritten()-start < 3 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			rewritten := proxy.Rewritten() - start
			if rewritten < 3 {
				t.Fatalf("the proxy rewrote %d answers, want at least 3", rewritten)
			}
			if p.Exited() {
				t.Fatalf("siemship exited under hostile answers; stderr:\n%s", p.Tail(20))
			}
			during := s.Led.Report()
			proxy.Clear()
			if c.most > 0 && rewritten > c.most {
				t.Errorf("%d bad answers asked for in %v, want at most %d (backoff)", rewritten, hold, c.most)
			}
			recovered := time.Now()
			s.WaitUnique(t, total, 90*time.Second)
			took := time.Since(recovered)
			peak, err := p.PeakRSS()
			if err != nil {
				t.Fatal(err)
			}
			after := s.Led.Report()
			t.Logf("%d answers rewritten; %d records delivered while hostile; all %d delivered %v after the recovery; "+
				"peak RSS %d MiB; %d duplicates", rewritten, during.Unique-before.Unique, perCase, took.Round(10*time.Millisecond),
				peak>>20, after.Duplicates-before.Duplicates)
			if peak > memLimit {
				t.Errorf("peak RSS %d MiB, over SIEMSHIP_MEMORY_LIMIT (%d MiB)", peak>>20, memLimit>>20)
			}
			if d := after.Duplicates - before.Duplicates; d != 0 {
				t.Errorf("%d duplicates", d)
			}
			if c.reason == "" {
				return
			}
			if n, _ := scrapeOK(t, metrics, badAnswersMetric(c.reason)); n-countedBefore < 1 {
				t.Errorf("siemship_sls_bad_answers_total{reason=%q} rose by %v, want at least 1", c.reason, n-countedBefore)
			}
		}) {
			if p.Exited() {
				break
			}
		}
	}
	// The refusals are logged, sampled (one line every 10 s at most), each on one line.
	refused := p.LogEntries(refusedMsg)
	if len(refused) == 0 {
		t.Errorf("no %q log line", refusedMsg)
	}
	for _, e := range refused {
		if msg, _ := e["error"].(string); strings.Contains(msg, "\n") || len(msg) > 1000 {
			t.Errorf("refusal logged as %d bytes, over several lines: %q", len(msg), msg)
		}
	}
	if n := len(refused); n > 2+int(testDuration(p)/(10*time.Second)) {
		t.Errorf("%d refusals logged in %v: not sampled", n, testDuration(p))
	}
	p.Signal(syscall.SIGTERM)
	if code, _ := p.Wait(stopTimeout + stopMargin + 5*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	// Every record arrived intact: fields and timestamps as the emulator holds them (a Log.Time sent as bytes
	// was once skipped by the walk, and such records went out dated 1970).
	hdr := header{20, 5, "e2e-host", "siemship", "4242", "AUDIT"} // harness.Env's SYSLOG_* settings
	if r := verify(t, s.Col.Messages(), expectEmulator(t, emu), hdr, "||"); r.unique != int(total) || r.missing != 0 || r.bad != 0 {
		t.Errorf("delivered: %s", r)
	}
	gs := emu.Stats().Logstore(harness.Project, harness.Logstore)
	for sh := range shards {
		if cp, end := gs.Group(harness.Group).Checkpoint(sh), gs.Shard(sh).EndCursor; cp != end {
			t.Errorf("shard %d: checkpoint %q after the stop, want the end cursor %q", sh, cp, end)
		}
	}
}

const refusedMsg = "refused an SLS PullLogs answer; the pull is retried with backoff and the checkpoint stays where it is"

func badAnswersMetric(reason string) string {
	return `siemship_sls_bad_answers_total{reason="` + reason + `"}`
}

func testDuration(p *harness.Proc) time.Duration { return time.Since(p.Started()) }
