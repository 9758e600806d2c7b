package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

// groupHeader is the syslog header of the consumer-group tests.
var groupHeader = header{16, 6, "e2e-host", "siemship", "-", "GROUP"}

// putRecords stores n hand-made records with seq first..first+n-1 in shard, ten per log group, and returns the next
// seq. Generated records would go round robin over every shard; these leave the other shards idle.
func putRecords(t testing.TB, emu *harness.Emulator, shard, first, n int) int {
	t.Helper()
	now := uint32(time.Now().Unix())
	var groups []*sls.LogGroup
	for seq := first; seq < first+n; {
		g := &sls.LogGroup{Topic: str("group-test"), Source: str("10.0.0.1")}
		for range min(10, first+n-seq) {
			g.Logs = append(g.Logs, &sls.Log{Time: &now, Contents: []*sls.LogContent{
				{Key: str(idKey), Value: str(strconv.Itoa(seq))},
				{Key: str("msg"), Value: str("put by the consumer-group test")},
			}})
			seq++
		}
		groups = append(groups, g)
	}
	if _, err := emu.Put(harness.Project, harness.Logstore, shard, groups...); err != nil {
		t.Fatal(err)
	}
	return first + n
}

// checkpoints returns the group's checkpoint of every shard, and whether the group exists.
func checkpoints(emu *harness.Emulator, shards int) ([]string, bool) {
	g := emu.Stats().Logstore(harness.Project, harness.Logstore).Group(harness.Group)
	if g == nil {
		return nil, false
	}
	out := make([]string, shards)
	for sh := range shards {
		out[sh] = g.Checkpoint(sh)
	}
	return out, true
}

// endCursors returns the end cursor of every shard.
func endCursors(emu *harness.Emulator, shards int) []string {
	ls := emu.Stats().Logstore(harness.Project, harness.Logstore)
	out := make([]string, shards)
	for sh := range shards {
		out[sh] = ls.Shard(sh).EndCursor
	}
	return out
}

// waitFor polls cond every 50 ms until it holds, failing the test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Now()
}

// TestGroupDeletedMidStream deletes the consumer group under a running siemship (the built binary, 4 shards). New
// records then arrive in shards 0 and 1 only, a first part at once and a second part after the heartbeat timeout
// (when the lease, without successful heartbeats, would have stopped delivery). siemship must recreate the group,
// deliver every record, and leave a checkpoint at the end of every shard, the idle shards 2 and 3 included (their
// workers have nothing new to save, so siemship writes back the checkpoints it saved before the deletion). A second
// run then starts from those checkpoints: every record arrives exactly once across both runs. With
// SLS_CURSOR_START=begin (the default), a shard left without a checkpoint would be read again from the start.
func TestGroupDeletedMidStream(t *testing.T) {
	t.Parallel()
	const shards, backlog, part = 4, 4000, 500
	emu := harness.StartEmulator(t, shards, backlog)
	s := startSink(t, syslogrecv.Options{})
	env := testEnv(emu, s.Addr(), "tcp", append(groupHeader.env(), "SLS_MAX_FETCH_LOG_GROUPS=10")...)
	p := harness.StartProc(t, "first run", env)
	s.WaitUnique(t, backlog, time.Minute)
	ends := endCursors(emu, shards)
	waitFor(t, 10*time.Second, "checkpoints at the end of every shard", func() bool {
		cps, _ := checkpoints(emu, shards)
		return slicesEqual(cps, ends)
	})

	deleted := time.Now()
	if err := emu.DeleteGroup(harness.Project, harness.Logstore, harness.Group); err != nil {
		t.Fatal(err)
	}
	next := backlog + 1
	next = putRecords(t, emu, 0, next, part)
	next = putRecords(t, emu, 1, next, part)
	time.Sleep(time.Until(deleted.Add(8 * time.Second))) // past SLS_HEARTBEAT_TIMEOUT and its interval
	next = putRecords(t, emu, 0, next, part)
	next = putRecords(t, emu, 1, next, part)
	total := uint64(next - 1)

	waitFor(t, 20*time.Second, "the consumer group recreated", func() bool {
		_, ok := checkpoints(emu, shards)
		return ok
	})
	s.WaitUnique(t, total, 30*time.Second)
	delivered := time.Now()
	ends = endCursors(emu, shards)
	waitFor(t, 10*time.Second, "checkpoints at the end of every shard in the recreated group", func() bool {
		cps, _ := checkpoints(emu, shards)
		return slicesEqual(cps, ends)
	})
	logged, ok := p.FirstLog("consumer group recreated", deleted)
	if !ok {
		t.Error(`no "consumer group recreated" log entry`)
	}
	es := p.LogEntries("the consumer group does not exist (deleted?); creating it")
	if len(es) == 0 {
		t.Error("the missing group was not logged")
	}
	if at, ok := firstForeignWarning(p); ok {
		t.Errorf("a foreign-checkpoint warning at %s, from a single process", at)
	}
	t.Logf("group deleted; recreation logged after %s; all %d records delivered %s after the deletion (the last %d written %s after it)",
		logged.Sub(deleted).Round(10*time.Millisecond), total, delivered.Sub(deleted).Round(10*time.Millisecond),
		2*part, 8*time.Second)

	p.Signal(syscall.SIGTERM)
	if code, _ := p.Wait(stopTimeout + stopMargin + 5*time.Second); code != 0 {
		t.Errorf("first run: exit status %d after SIGTERM, want 0", code)
	}

	// A second run resumes from the recreated group's checkpoints: nothing is sent again.
	p2 := harness.StartProc(t, "second run", env)
	for sh := range shards {
		next = putRecords(t, emu, sh, next, 100)
	}
	total = uint64(next - 1)
	s.WaitUnique(t, total, time.Minute)
	p2.Signal(syscall.SIGTERM)
	if code, _ := p2.Wait(stopTimeout + stopMargin + 5*time.Second); code != 0 {
		t.Errorf("second run: exit status %d after SIGTERM, want 0", code)
	}
	s.Quiet(200*time.Millisecond, 5*time.Second)
	r := verify(t, s.Col.Messages(), expectEmulator(t, emu), groupHeader, "||")
	t.Logf("both runs: %s", r)
	if r.unique != int(total) || r.missing != 0 || r.duplicates != 0 || r.bad != 0 {
		t.Errorf("want every record exactly once across the deletion and a restart: %s", r)
	}
}

// TestGroupDeletedTwoReplicas deletes the consumer group under two replicas (distinct names, two shards each) while
// records keep arriving. One recreates the group (the other may find it there, or never see it missing). SLS gives the first
// replica to send a heartbeat every shard while the other's shard workers still run, so a shard may be shipped by
// both for a moment: duplicates are possible, loss is not, and neither replica may take the other for a second
// process with its name.
func TestGroupDeletedTwoReplicas(t *testing.T) {
	t.Parallel()
	const shards = 4
	emu := harness.StartEmulator(t, shards, 2000)
	s := startSink(t, syslogrecv.Options{})
	env := testEnv(emu, s.Addr(), "tcp", append(groupHeader.env(), "SLS_MAX_FETCH_LOG_GROUPS=10")...)
	a := harness.StartProc(t, "a", harness.Override(env, "SLS_CONSUMER_NAME=host-a"))
	b := harness.StartProc(t, "b", harness.Override(env, "SLS_CONSUMER_NAME=host-b"))
	s.WaitUnique(t, 2000, time.Minute)
	waitFor(t, 30*time.Second, "two shards each", func() bool {
		g := emu.Stats().Logstore(harness.Project, harness.Logstore).Group(harness.Group)
		if g == nil {
			return false
		}
		return len(g.Consumers["host-a"]) == 2 && len(g.Consumers["host-b"]) == 2
	})
	if err := emu.StartProducer(harness.Project, harness.Logstore, 200); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	deleted := time.Now()
	if err := emu.DeleteGroup(harness.Project, harness.Logstore, harness.Group); err != nil {
		t.Fatal(err)
	}
	time.Sleep(15 * time.Second) // past the heartbeat timeout: hand-overs in the new group are done
	produced := emu.Stats().Logstore(harness.Project, harness.Logstore).Generated
	s.WaitUnique(t, uint64(produced), 30*time.Second)
	creators := 0
	for _, p := range []*harness.Proc{a, b} {
		_, recreated := p.FirstLog("consumer group recreated", deleted)
		_, back := p.FirstLog("the consumer group exists again", deleted)
		t.Logf("%s: recreated the group %v, found it back %v", p.Name(), recreated, back)
		if recreated {
			creators++
		}
		if at, ok := firstForeignWarning(p); ok {
			t.Errorf("%s: a foreign-checkpoint warning at %s, with distinct consumer names", p.Name(), at)
		}
	}
	if creators != 1 {
		t.Errorf("%d replicas recreated the group, want one (the other finds it there)", creators)
	}
	if _, ok := checkpoints(emu, shards); !ok {
		t.Error("no consumer group at the end")
	}
	rep := s.Led.Report()
	t.Logf("%d records produced before the check, %d received, %d duplicates", produced, rep.Received, rep.Duplicates)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// httpAddr returns the address siemship serves /metrics and /readyz on (SIEMSHIP_HTTP_ADDR=127.0.0.1:0), from its
// log.
func httpAddr(t testing.TB, p *harness.Proc) string {
	t.Helper()
	var addr string
	waitFor(t, 20*time.Second, "the metrics server", func() bool {
		for _, e := range p.LogEntries("serving /metrics, /healthz and /readyz") {
			addr, _ = e["addr"].(string)
		}
		return addr != ""
	})
	return "http://" + addr
}

// httpGet returns the status and body of url.
func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric returns the value of an unlabelled series (or the first series of the family) on /metrics.
func metric(t testing.TB, base, name string) (float64, bool) {
	t.Helper()
	_, body := httpGet(t, base+"/metrics")
	for _, l := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(l, name); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "{")) {
			f := strings.Fields(l)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			return v, err == nil
		}
	}
	return 0, false
}

// TestGroupRecreationRefused deletes the consumer group while SLS refuses to let siemship create one (403
// Unauthorized, as for a RAM user without log:CreateConsumerGroup). siemship must say so: an error naming the fix,
// /readyz 503 naming the group, siemship_consumer_group_missing 1. Once the operator creates the group (with the
// refusal still in place, so siemship learns it from its heartbeats), it must be ready again and ship every record
// written meanwhile, exactly once: its shard workers stopped after the heartbeat timeout, and the new ones start from
// the checkpoints siemship wrote back, not from SLS_CURSOR_START.
func TestGroupRecreationRefused(t *testing.T) {
	t.Parallel()
	const shards, backlog = 2, 1000
	emu := harness.StartEmulator(t, shards, backlog)
	s := startSink(t, syslogrecv.Options{})
	env := testEnv(emu, s.Addr(), "tcp", append(groupHeader.env(), "SLS_HEARTBEAT_TIMEOUT=6s", "SIEMSHIP_SHUTDOWN_TIMEOUT=5s",
		"SIEMSHIP_HTTP_ADDR=127.0.0.1:0")...)
	p := harness.StartProc(t, "siemship", env)
	base := httpAddr(t, p)
	s.WaitUnique(t, backlog, time.Minute)
	ends := endCursors(emu, shards)
	waitFor(t, 10*time.Second, "checkpoints at the end of every shard", func() bool {
		cps, _ := checkpoints(emu, shards)
		return slicesEqual(cps, ends)
	})
	if code, body := httpGet(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz before the deletion: %d %s", code, body)
	}

	emu.FailNext(slsemu.APICreateConsumerGroup, 1_000_000, http.StatusForbidden, "Unauthorized")
	deleted := time.Now()
	if err := emu.DeleteGroup(harness.Project, harness.Logstore, harness.Group); err != nil {
		t.Fatal(err)
	}
	next := putRecords(t, emu, 0, backlog+1, 300)
	var body string
	notReady := waitFor(t, 20*time.Second, "/readyz 503 with the group missing", func() bool {
		var code int
		code, body = httpGet(t, base+"/readyz")
		return code == 503
	})
	if !strings.Contains(body, "consumer group: missing") || !strings.Contains(body, "Unauthorized") {
		t.Errorf("/readyz does not name the missing group and the refusal:\n%s", body)
	}
	if v, ok := metric(t, base, "siemship_consumer_group_missing"); !ok || v != 1 {
		t.Errorf("siemship_consumer_group_missing = %v (present %v), want 1", v, ok)
	}
	refused := false
	for _, l := range strings.Split(p.Stderr(), "\n") {
		if strings.Contains(l, `"level":"error"`) && strings.Contains(l, "log:CreateConsumerGroup") &&
			strings.Contains(l, "Unauthorized") {
			refused = true
		}
	}
	if !refused {
		t.Error("no error log naming the refusal and log:CreateConsumerGroup")
	}
	t.Logf("not ready %s after the deletion", notReady.Sub(deleted).Round(10*time.Millisecond))

	// Past the heartbeat timeout (the shard workers stop), the operator fixes the permission and creates the group;
	// siemship, backing off, usually learns it from a heartbeat before its own next attempt.
	time.Sleep(time.Until(deleted.Add(9 * time.Second)))
	next = putRecords(t, emu, 1, next, 300)
	emu.ClearFaults()
	c := sls.CreateNormalInterface(emu.Endpoint, harness.KeyID, harness.Secret, "")
	hc := slsemu.HTTPClient(emu.URL)
	defer hc.CloseIdleConnections()
	c.SetHTTPClient(hc)
	created := time.Now()
	if err := c.CreateConsumerGroup(harness.Project, harness.Logstore,
		sls.ConsumerGroup{ConsumerGroupName: harness.Group, Timeout: 6}); err != nil {
		var se *sls.Error
		if !errors.As(err, &se) || se.Code != "ConsumerGroupAlreadyExist" { // siemship may have been quicker
			t.Fatal(err)
		}
	}
	ready := waitFor(t, 20*time.Second, "/readyz 200 once the group exists", func() bool {
		code, _ := httpGet(t, base+"/readyz")
		return code == 200
	})
	total := uint64(next - 1)
	s.WaitUnique(t, total, 30*time.Second)
	t.Logf("group created by the operator; ready again after %s, all %d records delivered after %s",
		ready.Sub(created).Round(10*time.Millisecond), total, time.Since(created).Round(10*time.Millisecond))
	if v, _ := metric(t, base, "siemship_consumer_group_missing"); v != 0 {
		t.Errorf("siemship_consumer_group_missing = %v once the group exists, want 0", v)
	}
	_, back := p.FirstLog("the consumer group exists again", created)
	_, recreated := p.FirstLog("consumer group recreated", created)
	if !back && !recreated {
		t.Error(`no "the consumer group exists again" or "consumer group recreated" log entry`)
	}
	p.Signal(syscall.SIGTERM)
	if code, _ := p.Wait(stopTimeout + stopMargin + 5*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	s.Quiet(200*time.Millisecond, 5*time.Second)
	r := verify(t, s.Col.Messages(), expectEmulator(t, emu), groupHeader, "||")
	t.Logf("%s", r)
	if r.unique != int(total) || r.missing != 0 || r.duplicates != 0 || r.bad != 0 {
		t.Errorf("want every record exactly once: %s", r)
	}
}

// foreignWarning is the message siemship logs when another process writes its checkpoints.
const foreignWarning = "another process is saving this consumer's checkpoints"

// firstForeignWarning returns when p first logged foreignWarning.
func firstForeignWarning(p *harness.Proc) (time.Time, bool) {
	return p.FirstLog(foreignWarning, time.Time{})
}

// foreignSeen returns the "seen" field (which evidence) of p's first foreignWarning.
func foreignSeen(p *harness.Proc) string {
	for _, l := range strings.Split(p.Stderr(), "\n") {
		var e struct {
			Msg  string `json:"msg"`
			Seen string `json:"seen"`
		}
		if json.Unmarshal([]byte(l), &e) == nil && strings.Contains(e.Msg, foreignWarning) {
			return e.Seen
		}
	}
	return ""
}

// TestDuplicateConsumerName runs two siemship processes with the same SLS_CONSUMER_NAME: SLS sees one consumer,
// both ship every record. Each must notice that someone else saves its checkpoints and warn with the fix, both on a
// busy logstore (the two positions differ) and on a quiet one (a log group now and then: both read it and save the
// same cursor, only the time of the save differs), and count it in siemship_foreign_checkpoints_total. The
// harness's 1 s heartbeat interval makes siemship read the group's checkpoints every second (at most every 15 s
// with real settings).
func TestDuplicateConsumerName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rate float64 // records per second
	}{
		{"busy", 400},
		{"quiet", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const shards = 2
			emu := harness.StartEmulator(t, shards, 2000)
			s := startSink(t, syslogrecv.Options{})
			env := testEnv(emu, s.Addr(), "tcp", append(groupHeader.env(), "SIEMSHIP_HTTP_ADDR=127.0.0.1:0",
				"SLS_MAX_FETCH_LOG_GROUPS=10", "SLS_CONSUMER_NAME=same-host")...)
			if err := emu.StartProducer(harness.Project, harness.Logstore, tc.rate); err != nil {
				t.Fatal(err)
			}
			a := harness.StartProc(t, "first", env)
			s.WaitUnique(t, 2000, time.Minute)
			started := time.Now()
			b := harness.StartProc(t, "second", env)
			for _, p := range []*harness.Proc{a, b} {
				waitFor(t, time.Minute, p.Name()+": a foreign-checkpoint warning", func() bool {
					_, ok := firstForeignWarning(p)
					return ok
				})
				at, _ := firstForeignWarning(p)
				t.Logf("%s: warned %s after the second process started, seeing %s", p.Name(),
					at.Sub(started).Round(10*time.Millisecond), foreignSeen(p))
				if v, ok := metric(t, httpAddr(t, p), "siemship_foreign_checkpoints_total"); !ok || v < 1 {
					t.Errorf("%s warned but siemship_foreign_checkpoints_total = %v (present %v)", p.Name(), v, ok)
				}
			}
			rep := s.Led.Report()
			t.Logf("received %d, unique %d, duplicates %d", rep.Received, rep.Unique, rep.Duplicates)
		})
	}
}

// TestDistinctConsumerNames is TestDuplicateConsumerName's control: one process, then two with distinct names
// (the shards are handed over), then one of them restarted (handed over again), for 45 s in all (a check a second
// in each process), while records keep arriving. Neither may warn.
func TestDistinctConsumerNames(t *testing.T) {
	t.Parallel()
	const shards = 4
	emu := harness.StartEmulator(t, shards, 2000)
	s := startSink(t, syslogrecv.Options{})
	env := testEnv(emu, s.Addr(), "tcp", append(groupHeader.env(), "SLS_MAX_FETCH_LOG_GROUPS=10")...)
	if err := emu.StartProducer(harness.Project, harness.Logstore, 200); err != nil {
		t.Fatal(err)
	}
	a := harness.StartProc(t, "one", harness.Override(env, "SLS_CONSUMER_NAME=host-1"))
	s.WaitUnique(t, 2000, time.Minute)
	time.Sleep(10 * time.Second)
	b := harness.StartProc(t, "two", harness.Override(env, "SLS_CONSUMER_NAME=host-2"))
	time.Sleep(15 * time.Second)
	b.Signal(syscall.SIGTERM)
	if code, _ := b.Wait(stopTimeout + stopMargin + 5*time.Second); code != 0 {
		t.Errorf("two: exit status %d after SIGTERM", code)
	}
	b2 := harness.StartProc(t, "two again", harness.Override(env, "SLS_CONSUMER_NAME=host-2"))
	time.Sleep(15 * time.Second)
	for _, p := range []*harness.Proc{a, b, b2} {
		if at, ok := firstForeignWarning(p); ok {
			t.Errorf("%s warned about a foreign checkpoint at %s although every consumer name is distinct", p.Name(), at)
		}
	}
	rep := s.Led.Report()
	t.Logf("received %d, unique %d, duplicates %d", rep.Received, rep.Unique, rep.Duplicates)
}
