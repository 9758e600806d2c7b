package e2e

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// TestSLSFaults injects SLS errors while siemship (the built binary, 4 shards, batches of 100 records) ships
// 10 000 records: failing heartbeats while it joins the group, then mid-stream failing and dropped PullLogs,
// throttled PullLogs (403 ReadQuotaExceed), failing heartbeats and failing checkpoint saves. The SDK's HTTP layer
// retries 5xx answers to PullLogs itself (with backoff) and the consumer library retries a pull three times (5 s
// apart after a 403); heartbeats are simply sent again a second later; a checkpoint save is tried three times by
// the library, and when all three fail siemship's consumer logs it and the next save stores a later checkpoint.
//
// Every record must still arrive exactly once. Why exactly once and not merely at least once: each failure hits
// an SLS request, not the delivery. A failed pull is repeated from the same cursor before anything is sent; a few
// failed heartbeats (far shorter than SLS_HEARTBEAT_TIMEOUT) do not cost the consumer its shards; a failed
// checkpoint save leaves the consumer holding the shard and pulling on from its in-memory cursor, and the next
// save (or the flush at shutdown) stores a later checkpoint. Redelivery would need a shard to change hands or the
// process to restart between a delivery and its checkpoint, and neither happens here.
func TestSLSFaults(t *testing.T) {
	t.Parallel()
	const shards, records = 4, 10_000
	emu := harness.StartEmulator(t, shards, records)
	s := startSink(t, syslogrecv.Options{})
	hdr := header{3, 3, "e2e-host", "siemship", "-", "FAULTS"}
	env := testEnv(emu, s.Addr(), "tcp", append(hdr.env(), "SLS_MAX_FETCH_LOG_GROUPS=10")...)

	// Joining under errors.
	emu.FailNext(slsemu.APIHeartbeat, 2, http.StatusInternalServerError, "InternalServerError")
	emu.SetLatency(slsemu.APIPullLogs, 20*time.Millisecond) // keep the stream going while the faults are served
	p := harness.StartProc(t, "siemship", env)
	s.WaitUnique(t, records/5, time.Minute)

	// Mid-stream.
	emu.FailNext(slsemu.APIPullLogs, 2, http.StatusInternalServerError, "InternalServerError")
	emu.DropNext(slsemu.APIPullLogs, 1)
	emu.Throttle(slsemu.APIPullLogs, 1)
	emu.FailNext(slsemu.APIHeartbeat, 2, http.StatusServiceUnavailable, "ServiceUnavailable")
	emu.FailNext(slsemu.APIUpdateCheckPoint, 2, http.StatusInternalServerError, "InternalServerError")
	// The consumer library tries a checkpoint save three times; 3 failures per shard make at least one save fail
	// for good, whatever the interleaving of the shards' saves.
	emu.FailNext(slsemu.APIUpdateCheckPoint, 3*shards, http.StatusTooManyRequests, "TooManyRequests")

	s.WaitUnique(t, records, time.Minute)
	emu.ClearFaults()
	p.Signal(syscall.SIGTERM)
	if code, _ := p.Wait(stopTimeout + stopMargin); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	s.Quiet(100*time.Millisecond, 5*time.Second)

	st := emu.Stats()
	served := func(api, code string) int64 { return st.Errors[api][code] }
	t.Logf("served: heartbeat 500×%d 503×%d; PullLogs 500×%d dropped×%d 403×%d; UpdateCheckpoint 500×%d 429×%d",
		served(slsemu.APIHeartbeat, "InternalServerError"), served(slsemu.APIHeartbeat, "ServiceUnavailable"),
		served(slsemu.APIPullLogs, "InternalServerError"), served(slsemu.APIPullLogs, "dropped"),
		served(slsemu.APIPullLogs, "ReadQuotaExceed"),
		served(slsemu.APIUpdateCheckPoint, "InternalServerError"), served(slsemu.APIUpdateCheckPoint, "TooManyRequests"))
	for _, f := range []struct {
		api, code string
		n         int64
	}{
		{slsemu.APIHeartbeat, "InternalServerError", 2}, {slsemu.APIHeartbeat, "ServiceUnavailable", 2},
		{slsemu.APIPullLogs, "InternalServerError", 2}, {slsemu.APIPullLogs, "dropped", 1},
		{slsemu.APIPullLogs, "ReadQuotaExceed", 1},
		{slsemu.APIUpdateCheckPoint, "InternalServerError", 2}, {slsemu.APIUpdateCheckPoint, "TooManyRequests", 3 * shards},
	} {
		if got := served(f.api, f.code); got != f.n {
			t.Errorf("emulator served %d %s %s faults, want %d (the test did not exercise them all)", got, f.api, f.code, f.n)
		}
	}
	if len(p.LogEntries("checkpoint save failed, will retry")) == 0 {
		t.Error(`no "checkpoint save failed, will retry" log entry: no checkpoint save failed three times`)
	}
	gs := st.Logstore(harness.Project, harness.Logstore).Group(harness.Group)
	for sh := range shards {
		end := st.Logstore(harness.Project, harness.Logstore).Shard(sh).EndCursor
		if cp := gs.Checkpoint(sh); cp != end {
			t.Errorf("shard %d: checkpoint %q after the stop, want the end cursor %q", sh, cp, end)
		}
	}

	r := verify(t, s.Col.Messages(), expectEmulator(t, emu), hdr, "||")
	stats := p.Stopped()
	t.Logf("%s; siemship: %d batches, %d failed sends", r, stats["batches"], stats["failed_sends"])
	if r.unique != records || r.missing != 0 || r.duplicates != 0 || r.bad != 0 {
		t.Errorf("not exactly once under SLS faults: %s", r)
	}
}
