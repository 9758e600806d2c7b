//go:build chaos

package chaos

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// The cases on the SLS side run in every mode against rsyslog (RELP needs a real RELP receiver). Every one of them
// is graceful: no mode may lose a record.

// TestSLSErrors serves bursts of 5xx answers and 403 throttling mid-stream.
func TestSLSErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		inject func(e *harness.Emulator)
	}{
		{"SLS 5xx bursts (PullLogs, heartbeat, checkpoint)", func(e *harness.Emulator) {
			e.FailNext(slsemu.APIPullLogs, 6, http.StatusInternalServerError, "InternalServerError")
			e.FailNext(slsemu.APIHeartbeat, 3, http.StatusServiceUnavailable, "ServiceUnavailable")
			e.FailNext(slsemu.APIUpdateCheckPoint, 3*shards, http.StatusInternalServerError, "InternalServerError")
		}},
		{"SLS throttling (403 ReadQuotaExceed on PullLogs)", func(e *harness.Emulator) {
			e.Throttle(slsemu.APIPullLogs, 4)
		}},
	} {
		for _, mode := range allModes {
			t.Run(strings.Fields(c.name)[1]+"/"+mode, func(t *testing.T) {
				rs := startRsyslog(t, mode, nil)
				r := newRun(t, c.name, mode, rs, shards, records)
				r.graceful = true
				r.start("chaos-1")
				r.waitUnique(faultAt)
				c.inject(r.emu)
				r.finish(time.Now(), "")
			})
		}
	}
}

// TestSLSUnreachable makes SLS unreachable for one of two replicas for slsOutage, longer than the heartbeat
// timeout: SLS (the emulator) gives that replica's shards to the other one, and when the network comes back the
// replica joins again and takes its share back. Nothing is lost; duplicates are the batches the cut-off replica
// delivered but could not checkpoint, at most one per shard it held.
func TestSLSUnreachable(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode, func(t *testing.T) {
			rs := startRsyslog(t, mode, nil)
			r := newRun(t, fmt.Sprintf("SLS unreachable for one of two replicas for %s (> heartbeat timeout 6s)", slsOutage),
				mode, rs, shards, records)
			r.graceful = true
			g := startGate(t, r.emu.Endpoint)
			r.emu.SetLatency(slsemu.APIPullLogs, 2*latency) // the group settles before faultAt
			r.start("chaos-2")
			cutOff := harness.StartProc(t, "chaos-1", harness.Override(r.env, "SLS_CONSUMER_NAME=chaos-1", "SLS_ENDPOINT="+g.addr()))
			r.procs = append(r.procs, cutOff)
			// Cut only once the group is balanced, so that the shards that change hands are chaos-1's two.
			r.waitHolder("chaos-1", shards/2, 30*time.Second)
			r.waitHolder("chaos-2", shards/2, 30*time.Second)
			r.waitUnique(faultAt)
			g.cut()
			cut := time.Now()
			moved := r.waitHolder("chaos-2", shards, 30*time.Second)
			time.Sleep(time.Until(cut.Add(slsOutage)))
			g.restore()
			end := time.Now()
			back := r.waitHolder("chaos-1", 1, 30*time.Second)
			r.bound = uint64(shards / 2 * batch)
			r.finish(end, fmt.Sprintf("shards moved to the other replica %s after the cut, came back %s after the network",
				moved.Sub(cut).Round(100*time.Millisecond), back.Sub(end).Round(100*time.Millisecond)))
		})
	}
}

// waitHolder waits until consumer holds at least n shards and returns when it did.
func (r *run) waitHolder(consumer string, n int, timeout time.Duration) time.Time {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if g := r.emu.Stats().Logstore(harness.Project, harness.Logstore).Group(harness.Group); g != nil &&
			len(g.Consumers[consumer]) >= n {
			return time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.t.Fatalf("%s never held %d shards within %s", consumer, n, timeout)
	return time.Time{}
}

// consumersHoldingShards waits until n consumers hold shards and returns consumer -> shards.
func (r *run) consumersHoldingShards(n int) map[string][]int {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if g := r.emu.Stats().Logstore(harness.Project, harness.Logstore).Group(harness.Group); g != nil {
			held := 0
			for _, s := range g.Consumers {
				if len(s) > 0 {
					held++
				}
			}
			if held >= n {
				return g.Consumers
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.t.Fatalf("%d consumers never all held shards", n)
	return nil
}

// TestReplicas runs three replicas on six shards and stops one of them mid-stream: with SIGKILL its shards move
// to the others after the heartbeat timeout (6 s) and nothing is lost; with SIGTERM it flushes its checkpoints
// and gives its shards back, and there are no duplicates.
func TestReplicas(t *testing.T) {
	const nShards = 6
	for _, c := range []struct {
		name string
		sig  syscall.Signal
	}{
		{"three replicas, one SIGKILLed", syscall.SIGKILL},
		{"three replicas, one SIGTERMed", syscall.SIGTERM},
	} {
		for _, mode := range allModes {
			t.Run(c.sig.String()+"/"+mode, func(t *testing.T) {
				rs := startRsyslog(t, mode, nil)
				r := newRun(t, c.name, mode, rs, nShards, records)
				r.graceful = true
				r.emu.SetLatency(slsemu.APIPullLogs, 2*latency)
				for i := range 3 {
					r.start(fmt.Sprintf("chaos-%d", i+1))
				}
				held := r.consumersHoldingShards(3)
				r.waitUnique(faultAt)
				victim := r.procs[0]
				victim.Signal(c.sig)
				victim.Wait(20 * time.Second)
				end := time.Now()
				r.bound = uint64(len(held["chaos-1"]) * batch)
				if c.sig == syscall.SIGTERM {
					r.bound = 0
				}
				r.finish(end, "")
			})
		}
	}
}

// TestShardSplit splits a shard while it is consumed and writes more records, which land in the children too.
func TestShardSplit(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		rs := startRsyslog(t, mode, nil)
		r := newRun(t, "shard split during consumption", mode, rs, shards, records)
		r.graceful = true
		r.start("chaos-1")
		r.waitUnique(faultAt)
		if _, err := r.emu.Split(harness.Project, harness.Logstore, 0); err != nil {
			t.Fatal(err)
		}
		if err := r.emu.Generate(harness.Project, harness.Logstore, 1000); err != nil {
			t.Fatal(err)
		}
		r.finish(time.Now(), "")
	})
}

func forEachMode(t *testing.T, f func(t *testing.T, mode string)) {
	for _, mode := range allModes {
		t.Run(mode, func(t *testing.T) { f(t, mode) })
	}
}

// TestExpiredCheckpoint stops siemship mid-stream, lets retention drop the data its checkpoints point at, writes
// new records and starts it again: with the default SLS_EXPIRED_CURSOR=begin it goes on from the oldest data still
// there. The records retention dropped before siemship read them are counted as expired, not lost.
func TestExpiredCheckpoint(t *testing.T) {
	const later = 1000
	forEachMode(t, func(t *testing.T, mode string) {
		rs := startRsyslog(t, mode, nil)
		r := newRun(t, "expired checkpoint (SLS_EXPIRED_CURSOR=begin)", mode, rs, shards, records)
		r.graceful = true
		p := r.start("chaos-1")
		r.waitUnique(faultAt)
		p.Signal(syscall.SIGTERM)
		if code, _ := p.Wait(20 * time.Second); code != 0 {
			t.Errorf("exit status %d after SIGTERM", code)
		}
		expireNow(t, r.emu)
		if err := r.emu.Generate(harness.Project, harness.Logstore, later); err != nil {
			t.Fatal(err)
		}
		missing := uint64(len(rs.missing(1, records, records)))
		r.expired = func() uint64 { return missing }
		r.start("chaos-1")
		r.finish(time.Now(), "")
		if m := rs.missing(records+1, records+later, 10); len(m) > 0 {
			t.Errorf("records written after the expiry are missing, e.g. %v", m)
		}
	})
}

// expireNow lets retention drop every log group stored so far.
func expireNow(t *testing.T, emu *harness.Emulator) {
	t.Helper()
	time.Sleep(20 * time.Millisecond)
	cut := time.Now()
	time.Sleep(20 * time.Millisecond)
	if n, err := emu.Expire(harness.Project, harness.Logstore, cut); err != nil || n == 0 {
		t.Fatalf("expire: %d groups, %v", n, err)
	}
}

// TestExpiredCheckpointFail checks SLS_EXPIRED_CURSOR=fail on the binary: siemship stops with exit status 1 and
// says why, and the checkpoints stay where they were (an operator decides with reset-checkpoint).
func TestExpiredCheckpointFail(t *testing.T) {
	s := startSink(t)
	emu := harness.StartEmulator(t, shards, 1000)
	env := emu.Env(s.addr(""), "tcp", "SIEMSHIP_SHUTDOWN_TIMEOUT=5s", "SLS_MAX_FETCH_LOG_GROUPS=5")
	p := harness.StartProc(t, "chaos-1", env)
	emu.SetLatency(slsemu.APIPullLogs, latency)
	for s.report().Unique < 300 {
		if p.Exited() {
			t.Fatalf("exited early:\n%s", p.Tail(20))
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Signal(syscall.SIGTERM)
	p.Wait(20 * time.Second)
	before := checkpoints(emu)
	expireNow(t, emu)
	p = harness.StartProc(t, "chaos-1", harness.Override(env, "SLS_EXPIRED_CURSOR=fail"))
	if code, _ := p.Wait(60 * time.Second); code != 1 {
		t.Fatalf("exit status %d, want 1; stderr:\n%s", code, p.Tail(20))
	}
	if !strings.Contains(p.Tail(50), "SLS_EXPIRED_CURSOR=fail") {
		t.Errorf("stderr does not name SLS_EXPIRED_CURSOR=fail:\n%s", p.Tail(20))
	}
	if after := checkpoints(emu); !slices.Equal(before, after) {
		t.Errorf("checkpoints moved: %v -> %v", before, after)
	}
}

func checkpoints(emu *harness.Emulator) []string {
	st := emu.Stats().Logstore(harness.Project, harness.Logstore)
	g := st.Group(harness.Group)
	var out []string
	for _, sh := range st.Shards {
		out = append(out, g.Checkpoint(sh.ID))
	}
	return out
}

// TestPoison adds records with a 1 MB value, 10 000 fields and invalid UTF-8: each is still delivered (truncated
// where too long), the others too.
func TestPoison(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) { poison(t, mode) })
}

func poison(t *testing.T, mode string) {
	rs := startRsyslog(t, mode, nil)
	r := newRun(t, "poison records (1 MB value, 10k fields, invalid UTF-8)", mode, rs, shards, records)
	r.graceful = true
	str := func(v string) *string { return &v }
	mk := func(seq int, pairs ...string) *sls.Log {
		l := &sls.Log{Time: new(uint32(time.Now().Unix())), Contents: []*sls.LogContent{{Key: str("seq"), Value: str(strconv.Itoa(seq))}}}
		for i := 0; i+1 < len(pairs); i += 2 {
			l.Contents = append(l.Contents, &sls.LogContent{Key: str(pairs[i]), Value: str(pairs[i+1])})
		}
		return l
	}
	var many []string
	for i := range 10_000 {
		many = append(many, fmt.Sprintf("field%05d", i), strconv.Itoa(i))
	}
	g := &sls.LogGroup{Topic: str("audit"), Logs: []*sls.Log{
		mk(records+1, "big", strings.Repeat("x", 1<<20)),
		mk(records+2, many...),
		mk(records+3, "bad\xffkey", "x\xc3\x28y", "cut", "abc\xe2\x82"),
	}}
	if _, err := r.emu.Put(harness.Project, harness.Logstore, 0, g); err != nil {
		t.Fatal(err)
	}
	r.put = 3
	start := time.Now()
	r.start("chaos-1")
	r.finish(start, "")
	if m := rs.missing(records+1, records+3, 3); len(m) > 0 {
		t.Errorf("poison records missing: %v", m)
	}
}
