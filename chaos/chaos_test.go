package chaos

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/harness"
	"github.com/siemship/siemship/internal/slsemu"
)

const (
	shards    = 4
	records   = 6000
	fetch     = 5                     // SLS_MAX_FETCH_LOG_GROUPS
	batch     = fetch * 10            // records per batch: the generator puts 10 records in a log group
	latency   = 50 * time.Millisecond // PullLogs latency: keeps the stream going for a few seconds
	downtime  = 5 * time.Second       // the 30 s, shortened to keep the suite short
	faultAt   = records * 3 / 10
	runBudget = 2 * time.Minute
)

var allModes = []string{"write", "ack", "close", "relp"}
var tcpModes = []string{"write", "ack", "close"}

// run is one case in one mode.
type run struct {
	t        *testing.T
	name     string
	mode     string
	emu      *harness.Emulator
	tgt      target
	env      []string
	procs    []*proc
	graceful bool   // every mode must lose nothing
	bound    uint64 // duplicates allowed
	expired  func() uint64
	put      uint64 // records stored with Put, seq after the generated ones
}

func modeEnv(mode string) []string {
	if mode == "relp" {
		return []string{"SYSLOG_PROTOCOL=relp"}
	}
	return []string{"SYSLOG_PROTOCOL=tcp", "SYSLOG_CONFIRM=" + mode}
}

func newRun(t *testing.T, name, mode string, tgt target, nShards, nRecords int) *run {
	t.Helper()
	emu := harness.StartEmulator(t, nShards, nRecords)
	emu.SetLatency(slsemu.APIPullLogs, latency)
	env := emu.Env(tgt.addr(mode), "tcp", append([]string{
		"SLS_MAX_FETCH_LOG_GROUPS=" + strconv.Itoa(fetch),
		"SIEMSHIP_SHUTDOWN_TIMEOUT=5s",
		"SYSLOG_WRITE_TIMEOUT=30s",
		"SYSLOG_MAX_MESSAGE_BYTES=65536",
	}, modeEnv(mode)...)...)
	return &run{t: t, name: name, mode: mode, emu: emu, tgt: tgt, env: env, bound: uint64(nShards * batch)}
}

// start starts a siemship replica named consumer.
func (r *run) start(consumer string) *proc {
	p := startProc(r.t, consumer, override(r.env, "SLS_CONSUMER_NAME="+consumer))
	r.procs = append(r.procs, p)
	return p
}

func override(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if ek, _, _ := strings.Cut(e, "="); ek != k {
			out = append(out, e)
		}
	}
	return append(out, kv)
}

func (r *run) produced() uint64 {
	return r.emu.Stats().Logstore(harness.Project, harness.Logstore).Generated + r.put
}

// waitUnique waits until n distinct records arrived.
func (r *run) waitUnique(n uint64) {
	r.t.Helper()
	deadline := time.Now().Add(runBudget)
	for r.tgt.report().Unique < n {
		if time.Now().After(deadline) {
			rep := r.tgt.report()
			r.t.Fatalf("%d of %d records after %s (received %d)", rep.Unique, n, runBudget, rep.Received)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// atEnd reports whether every shard's checkpoint is at its end cursor: siemship has nothing left to send.
func (r *run) atEnd() bool {
	st := r.emu.Stats()
	ls := st.Logstore(harness.Project, harness.Logstore)
	g := ls.Group(harness.Group)
	if g == nil {
		return false
	}
	for _, sh := range ls.Shards {
		if sh.LogGroups > 0 && g.Checkpoint(sh.ID) != sh.EndCursor {
			return false
		}
	}
	return true
}

// settle waits until every record arrived, or until siemship checkpointed every shard to its end and nothing
// arrived for 3 s (records lost), and returns the recovery time from faultEnd.
func (r *run) settle(faultEnd time.Time, want uint64) time.Duration {
	r.t.Helper()
	deadline := time.Now().Add(runBudget)
	last, changed := r.tgt.report().Unique, time.Now()
	for {
		u := r.tgt.report().Unique
		if u >= want {
			return max(0, time.Since(faultEnd))
		}
		if u != last {
			last, changed = u, time.Now()
		}
		if time.Since(changed) > 3*time.Second && r.atEnd() {
			return max(0, changed.Sub(faultEnd))
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d of %d records after %s and not checkpointed to the end", u, want, runBudget)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// finish waits for the outcome, stops the replicas with SIGTERM, records the row and checks it.
func (r *run) finish(faultEnd time.Time, note string) row {
	r.t.Helper()
	want := r.produced()
	var expired uint64
	if r.expired != nil {
		expired = r.expired()
	}
	rec := r.settle(faultEnd, want-expired)
	for _, p := range r.procs {
		if !p.exited() {
			p.signal(syscall.SIGTERM)
		}
	}
	for _, p := range r.procs {
		p.wait(20 * time.Second)
	}
	time.Sleep(300 * time.Millisecond) // the last bytes a receiver read reach the ledger
	rep := r.tgt.report()
	w := row{Case: r.name, Mode: r.mode, Produced: want, Unique: rep.Unique, Duplicates: rep.Duplicates,
		Expired: expired, Recovery: rec, Bound: strconv.FormatUint(r.bound, 10), Note: note}
	if rep.Unique+expired < want {
		w.Lost = want - rep.Unique - expired
	}
	addRow(w)
	r.t.Logf("%s/%s: produced %d, unique %d, lost %d, duplicates %d (bound %d), expired %d, recovery %s",
		r.name, r.mode, want, rep.Unique, w.Lost, rep.Duplicates, r.bound, expired, rec.Round(time.Millisecond))
	if w.Lost > 0 && (r.graceful || r.mode == "close" || r.mode == "relp") {
		r.t.Errorf("%s lost %d records in mode %s, which promises none here", r.name, w.Lost, r.mode)
	}
	if rep.Duplicates > r.bound {
		r.t.Errorf("%d duplicates, bound %d", rep.Duplicates, r.bound)
	}
	return w
}

// TestReceiverRestartIdle restarts the receiver (listener and connections closed, same port again) while the
// connection is idle: every mode must lose nothing (the first write after the restart must not go into the dead
// connection).
func TestReceiverRestartIdle(t *testing.T) {
	for _, mode := range tcpModes {
		t.Run(mode, func(t *testing.T) {
			s := startSink(t)
			r := newRun(t, "receiver graceful restart at an idle connection (syslogrecv)", mode, s, shards, records)
			r.graceful = true
			r.start("chaos-1")
			r.waitUnique(faultAt)
			r.emu.SetLatency(slsemu.APIPullLogs, 1500*time.Millisecond)
			s.quiet(500*time.Millisecond, 5*time.Second)
			s.down(t)
			s.up(t)
			end := time.Now()
			r.emu.SetLatency(slsemu.APIPullLogs, latency)
			r.finish(end, "")
		})
	}
}

// TestReceiverRestartMidStream restarts rsyslog with SIGTERM while siemship is writing.
func TestReceiverRestartMidStream(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode, func(t *testing.T) {
			rs := startRsyslog(t)
			r := newRun(t, "receiver graceful restart mid-stream (rsyslog SIGTERM)", mode, rs, shards, records)
			r.start("chaos-1")
			r.waitUnique(faultAt)
			rs.Restart(t)
			r.finish(time.Now(), "")
		})
	}
}

// TestReceiverKill kills rsyslog with SIGKILL mid-stream and starts it again at once.
func TestReceiverKill(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode, func(t *testing.T) {
			rs := startRsyslog(t)
			r := newRun(t, "receiver SIGKILL mid-stream (rsyslog), restarted at once", mode, rs, shards, records)
			r.start("chaos-1")
			r.waitUnique(faultAt)
			rs.Kill()
			rs.Restart(t)
			r.finish(time.Now(), "")
		})
	}
}

// TestReceiverDown stops rsyslog for downtime mid-stream: connections are refused meanwhile.
func TestReceiverDown(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode, func(t *testing.T) {
			rs := startRsyslog(t)
			r := newRun(t, fmt.Sprintf("receiver down %s mid-stream (rsyslog SIGTERM)", downtime), mode, rs, shards, records)
			r.start("chaos-1")
			r.waitUnique(faultAt)
			rs.Stop()
			time.Sleep(downtime)
			rs.Restart(t)
			r.finish(time.Now(), "")
		})
	}
}

// TestReceiverStall makes the receiver stop reading for downtime (its handler blocks): siemship's writes block
// within SYSLOG_WRITE_TIMEOUT (30 s) and go on once it reads again.
func TestReceiverStall(t *testing.T) {
	for _, mode := range tcpModes {
		t.Run(mode, func(t *testing.T) {
			s := startSink(t)
			r := newRun(t, fmt.Sprintf("receiver stops reading for %s (syslogrecv)", downtime), mode, s, shards, records)
			r.graceful = true
			r.start("chaos-1")
			r.waitUnique(faultAt)
			s.hold()
			time.Sleep(downtime)
			s.open()
			r.finish(time.Now(), "")
		})
	}
}

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
		t.Run(strings.Fields(c.name)[1], func(t *testing.T) {
			s := startSink(t)
			r := newRun(t, c.name, "ack", s, shards, records)
			r.graceful = true
			r.start("chaos-1")
			r.waitUnique(faultAt)
			c.inject(r.emu)
			end := time.Now()
			r.finish(end, "")
		})
	}
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
		t.Run(c.sig.String(), func(t *testing.T) {
			s := startSink(t)
			r := newRun(t, c.name, "ack", s, nShards, records)
			r.graceful = true
			r.emu.SetLatency(slsemu.APIPullLogs, 2*latency)
			for i := range 3 {
				r.start(fmt.Sprintf("chaos-%d", i+1))
			}
			held := r.consumersHoldingShards(3)
			r.waitUnique(faultAt)
			victim := r.procs[0]
			victim.signal(c.sig)
			victim.wait(20 * time.Second)
			end := time.Now()
			r.bound = uint64(len(held["chaos-1"]) * batch)
			if c.sig == syscall.SIGTERM {
				r.bound = 0
			}
			r.finish(end, "")
		})
	}
}

// TestShardSplit splits a shard while it is consumed and writes more records, which land in the children too.
func TestShardSplit(t *testing.T) {
	s := startSink(t)
	r := newRun(t, "shard split during consumption", "ack", s, shards, records)
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
}

// TestExpiredCheckpoint stops siemship mid-stream, lets retention drop the data its checkpoints point at, writes
// new records and starts it again: with the default SLS_EXPIRED_CURSOR=begin it goes on from the oldest data still
// there. The records retention dropped before siemship read them are counted as expired, not lost.
func TestExpiredCheckpoint(t *testing.T) {
	const later = 1000
	s := startSink(t)
	r := newRun(t, "expired checkpoint (SLS_EXPIRED_CURSOR=begin)", "ack", s, shards, records)
	r.graceful = true
	p := r.start("chaos-1")
	r.waitUnique(faultAt)
	p.signal(syscall.SIGTERM)
	if code := p.wait(20 * time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM", code)
	}
	time.Sleep(20 * time.Millisecond)
	cut := time.Now()
	time.Sleep(20 * time.Millisecond)
	if n, err := r.emu.Expire(harness.Project, harness.Logstore, cut); err != nil || n == 0 {
		t.Fatalf("expire: %d groups, %v", n, err)
	}
	if err := r.emu.Generate(harness.Project, harness.Logstore, later); err != nil {
		t.Fatal(err)
	}
	missing := uint64(len(s.led.Missing(1, records, records)))
	r.expired = func() uint64 { return missing }
	r.start("chaos-1")
	r.finish(time.Now(), "")
	if m := s.led.Missing(records+1, records+later, 10); len(m) > 0 {
		t.Errorf("records written after the expiry are missing, e.g. %v", m)
	}
}

// TestPoison adds records with a 1 MB value, 10 000 fields and invalid UTF-8: each is still delivered (truncated
// where too long), the others too.
func TestPoison(t *testing.T) {
	s := startSink(t)
	r := newRun(t, "poison records (1 MB value, 10k fields, invalid UTF-8)", "ack", s, shards, records)
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
	if m := s.led.Missing(records+1, records+3, 3); len(m) > 0 {
		t.Errorf("poison records missing: %v", m)
	}
}
