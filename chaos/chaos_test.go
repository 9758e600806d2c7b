//go:build chaos

package chaos

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

const (
	shards    = 4
	records   = 6000
	fetch     = 5                     // SLS_MAX_FETCH_LOG_GROUPS
	batch     = fetch * 10            // records per batch: the generator puts 10 records in a log group
	latency   = 50 * time.Millisecond // PullLogs latency: keeps the stream going for a few seconds
	downtime  = 30 * time.Second      // receiver down, receiver not reading, receiver unreachable
	faultAt   = records * 3 / 10
	runBudget = 2 * time.Minute
	// writeTimeout is SYSLOG_WRITE_TIMEOUT: longer than downtime, so that a receiver that stops reading for
	// downtime is waited for rather than given up on. The blackhole case uses blackholeTimeout instead.
	writeTimeout     = 45 * time.Second
	blackholeTimeout = 10 * time.Second
	slsOutage        = 15 * time.Second // longer than SLS_HEARTBEAT_TIMEOUT (6 s in harness.Env)
)

// Modes: write, ack and close are SYSLOG_PROTOCOL=tcp with that SYSLOG_CONFIRM, relp is SYSLOG_PROTOCOL=relp;
// the tls/ variants and relp-tls are the same over mutual TLS.
var (
	allModes = []string{"write", "ack", "close", "relp"}
	tcpModes = []string{"write", "ack", "close"}
	tlsModes = []string{"tls/write", "tls/ack", "tls/close", "relp-tls"}
)

// lossless reports whether mode promises that no record is lost, whatever the fault.
func lossless(mode string) bool {
	return strings.HasSuffix(mode, "close") || strings.HasPrefix(mode, "relp") || mode == "hec/ack"
}

// run is one case in one mode.
type run struct {
	t        *testing.T
	name     string
	mode     string
	emu      *harness.Emulator
	tgt      target
	env      []string
	procs    []*harness.Proc
	graceful bool   // every mode must lose nothing
	bound    uint64 // duplicates allowed
	// readLoss is what a lossless mode may still lose: with close, what a receiver SIGKILLed between reading a
	// batch and storing it had read (its kernel then closes the connection as the receiver would, and the EOF
	// confirms the batch).
	readLoss uint64
	expired  func() uint64
	put      uint64 // records stored with Put, seq after the generated ones
}

func modeEnv(mode string, tgt target) []string {
	tls := func() []string {
		c := tgt.(*rsys).Certs()
		return []string{"SYSLOG_TLS_CA_FILE=" + c.CAFile, "SYSLOG_TLS_CERT_FILE=" + c.ClientCertFile,
			"SYSLOG_TLS_KEY_FILE=" + c.ClientKeyFile, "SYSLOG_TLS_SERVER_NAME=localhost"}
	}
	switch {
	case strings.HasPrefix(mode, "hec/"):
		return nil // newHECRun adds the HEC settings
	case mode == "relp":
		return []string{"SYSLOG_PROTOCOL=relp"}
	case mode == "relp-tls":
		return append(tls(), "SYSLOG_PROTOCOL=relp-tls")
	case strings.HasPrefix(mode, "tls/"):
		return append(tls(), "SYSLOG_PROTOCOL=tls", "SYSLOG_CONFIRM="+strings.TrimPrefix(mode, "tls/"))
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
		"SYSLOG_WRITE_TIMEOUT=" + writeTimeout.String(),
		"SYSLOG_MAX_MESSAGE_BYTES=65536",
	}, modeEnv(mode, tgt)...)...)
	return &run{t: t, name: name, mode: mode, emu: emu, tgt: tgt, env: env, bound: uint64(nShards * batch)}
}

// start starts a siemship replica named consumer.
func (r *run) start(consumer string) *harness.Proc {
	p := harness.StartProc(r.t, consumer, harness.Override(r.env, "SLS_CONSUMER_NAME="+consumer))
	r.procs = append(r.procs, p)
	return p
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
		if !p.Exited() {
			p.Signal(syscall.SIGTERM)
		}
	}
	for _, p := range r.procs {
		p.Wait(20 * time.Second)
	}
	time.Sleep(300 * time.Millisecond) // the last bytes a receiver read reach the ledger
	rep := r.tgt.report()
	w := row{Case: r.name, Mode: r.mode, Produced: want, Unique: rep.Unique, Duplicates: rep.Duplicates,
		Expired: expired, Recovery: rec, Bound: strconv.FormatUint(r.bound, 10), Note: note}
	if rep.Unique+expired < want {
		w.Lost = want - rep.Unique - expired
	}
	addRow(w)
	r.t.Logf("%s/%s: produced %d, unique %d, lost %d, duplicates %d (bound %d), expired %d, recovery %s %s",
		r.name, r.mode, want, rep.Unique, w.Lost, rep.Duplicates, r.bound, expired, rec.Round(time.Millisecond), note)
	if os.Getenv("CHAOS_LOGS") == "1" {
		for _, p := range r.procs {
			r.t.Logf("%s stderr (last 40 lines):\n%s", p.Name(), p.Tail(40))
		}
	}
	if w.Lost > 0 && (r.graceful || lossless(r.mode) && w.Lost > r.readLoss) {
		r.t.Errorf("%s lost %d records in mode %s, which promises none here (%d allowed)", r.name, w.Lost, r.mode, r.readLoss)
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
			s.Quiet(500*time.Millisecond, 5*time.Second)
			s.Down(t)
			s.Up(t)
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
			rs := startRsyslog(t, mode, nil)
			r := newRun(t, "receiver graceful restart mid-stream (rsyslog SIGTERM)", mode, rs, shards, records)
			r.start("chaos-1")
			r.waitUnique(faultAt)
			rs.Restart(t)
			r.finish(time.Now(), "")
		})
	}
}

// TestReceiverKill kills rsyslog with SIGKILL mid-stream and starts it again at once, over plain TCP and RELP and
// over mutual TLS.
func TestReceiverKill(t *testing.T) {
	for _, mode := range slices.Concat(allModes, tlsModes) {
		t.Run(strings.ReplaceAll(mode, "/", "-"), func(t *testing.T) {
			rs := startRsyslog(t, mode, nil)
			r := newRun(t, "receiver SIGKILL mid-stream (rsyslog), restarted at once", mode, rs, shards, records)
			if strings.HasSuffix(mode, "close") {
				r.readLoss = fetch * 10 // one batch: one connection, 5 log groups of 10 records
			}
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
			rs := startRsyslog(t, mode, nil)
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
// within SYSLOG_WRITE_TIMEOUT (writeTimeout) and go on once it reads again.
func TestReceiverStall(t *testing.T) {
	for _, mode := range tcpModes {
		t.Run(mode, func(t *testing.T) {
			s := startSink(t)
			r := newRun(t, fmt.Sprintf("receiver stops reading for %s (syslogrecv)", downtime), mode, s, shards, records)
			r.graceful = true
			r.start("chaos-1")
			r.waitUnique(faultAt)
			s.Hold()
			time.Sleep(downtime)
			s.Open()
			r.finish(time.Now(), "")
		})
	}
}

// TestReceiverBlackhole cuts rsyslog off without a FIN mid-stream: it runs in its own network namespace, whose
// link goes down for downtime, so every packet to it vanishes. siemship must notice within SYSLOG_WRITE_TIMEOUT
// (blackholeTimeout here), keep retrying the batch, and deliver it once the receiver is reachable again. The note
// gives the time from the cut to the first "batch not delivered" log line.
func TestReceiverBlackhole(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode, func(t *testing.T) {
			ns := newIsolated(t)
			rs := startRsyslog(t, mode, ns)
			r := newRun(t, fmt.Sprintf("receiver unreachable without FIN for %s (network namespace link down)", downtime),
				mode, rs, shards, records)
			r.env = harness.Override(r.env, "SYSLOG_WRITE_TIMEOUT="+blackholeTimeout.String())
			p := r.start("chaos-1")
			r.waitUnique(faultAt)
			ns.cut()
			cut := time.Now()
			time.Sleep(downtime)
			ns.restore()
			note := "no send failure logged"
			if at, ok := p.FirstLog("batch not delivered", cut); ok {
				note = fmt.Sprintf("detected after %s (SYSLOG_WRITE_TIMEOUT %s)", at.Sub(cut).Round(100*time.Millisecond), blackholeTimeout)
				if at.Sub(cut) > blackholeTimeout+2*time.Second {
					t.Errorf("the cut was noticed after %s, SYSLOG_WRITE_TIMEOUT is %s", at.Sub(cut), blackholeTimeout)
				}
			} else if mode != "write" {
				t.Errorf("siemship never logged a failed batch during a %s blackhole", downtime)
			} else {
				// write counts a batch delivered once the kernel took it: when the rest of the stream fits into
				// the socket buffers, no write fails and the loss goes unnoticed (seen once on a loaded machine:
				// 1450 records). That is what write mode means (docs/delivery.md), not a detection bug.
				note += " (write: the rest fit into the socket buffers)"
			}
			r.finish(time.Now(), note)
		})
	}
}
