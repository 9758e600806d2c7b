package consumer

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"
)

// SLS knows a consumer only by its name. Two processes started with the same SLS_CONSUMER_NAME (the default is the
// host name, so two on one host) are one consumer to it: both get every shard of that consumer, both deliver
// everything, and nothing fails. What gives them away is the checkpoints: each process saves its own, so the
// checkpoint of a shard it holds changes on the server without its doing.
//
// ownerWatch remembers, per shard, the last checkpoint this process saved while it held the shard (from the
// checkpoint requests under the SDK's HTTP client) and reads the group's checkpoints at an interval (one
// GetCheckPoint lists every shard). A held shard whose server checkpoint differs from the one we saved last, or
// whose update time lies after our last save, was written by someone else, unless our own save was in flight during
// the read or one of ours may still land late (an unconfirmed save). Only shards held since before our last save
// and still held within the heartbeat timeout count, and only entries that name our consumer (or none): a shard
// handed to another replica, or handed back, or written back by another replica after a recreation, is no
// evidence. Comparing values alone misses two processes that move in step (a quiet shard: both pull the same new
// log group and save the same cursor), hence the update time; SLS stamps it with its own clock, which the Date
// headers of its answers let us place on ours (serverClock).
type ownerWatch struct {
	name    string        // our consumer name
	epoch   time.Time     // mono times are durations since epoch (monotonic, immune to clock steps)
	timeout time.Duration // the group's heartbeat timeout: after it, SLS may give a silent consumer's shards away
	doubt   time.Duration // how long an unconfirmed save may still land (the request timeout and a margin)

	mu       sync.Mutex
	shards   map[int]*shardMark
	clock    serverClock
	settleAt time.Duration // only saves confirmed from then on are evidence (see unsettle)
}

type shardMark struct {
	held      bool
	heldSince time.Duration // send time of the first heartbeat of the current run that listed the shard
	listedAt  time.Duration // send time of the latest heartbeat that listed it

	saved   string        // the last checkpoint this process saved while it held the shard ("" none yet)
	savedAt time.Duration // when SLS confirmed it
	seq     uint64        // checkpoint requests sent for the shard
	busy    int           // of those, still in flight
	unsure  []unconfirmed // sent but not confirmed; they may still land

	known   string // the latest checkpoint this process knows for the shard, saved or read ("" none)
	knownAt time.Duration
	// tried is the checkpoint of the latest save request, confirmed or not. The consumer saves only after the
	// sink confirmed the batch, so it marks delivered data even when SLS failed the save (a deleted group).
	tried   string
	triedAt time.Duration
}

type unconfirmed struct {
	value string
	until time.Duration
}

// timeMargin is how much later than our own last save a write must be stamped before it counts as someone else's:
// room for the two clocks SLS may use for Date and updateTime.
const timeMargin = 250 * time.Millisecond

// maxUnsure bounds the unconfirmed saves remembered per shard (three per failed flush while SLS fails them).
const maxUnsure = 32

// holdMargin keeps a shard out of the comparison shortly before its hold may lapse.
const holdMargin = 2 * time.Second

func newOwnerWatch(name string, timeout, requestTimeout time.Duration) *ownerWatch {
	return &ownerWatch{name: name, epoch: time.Now(), timeout: timeout, doubt: requestTimeout + 10*time.Second,
		shards: map[int]*shardMark{}}
}

func (w *ownerWatch) now() time.Duration { return time.Since(w.epoch) }

func (w *ownerWatch) mark(shard int) *shardMark {
	m := w.shards[shard]
	if m == nil {
		m = &shardMark{}
		w.shards[shard] = m
	}
	return m
}

// heartbeat records a successful heartbeat sent at sentAt that returned shards.
func (w *ownerWatch) heartbeat(sentAt time.Duration, shards []int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range shards {
		m := w.mark(s)
		if !m.held {
			// Acquired (again): what we saved in an earlier hold says nothing about who writes now.
			m.held, m.heldSince, m.saved, m.unsure = true, sentAt, "", nil
		}
		m.listedAt = max(m.listedAt, sentAt)
	}
	for id, m := range w.shards {
		if m.held && !slices.Contains(shards, id) {
			m.held = false
		}
	}
}

// unsettle is called when the consumer group exists again after it was missing, or forgot us (a heartbeat answered
// NotExistConsumerWithBody: another replica recreated it, or we timed out). For a while shards may have two
// holders (SLS gives the first consumer to send a heartbeat every shard, while the others' workers still run), and
// each replica writes checkpoints back into the new group: no evidence for two heartbeat timeouts, and none from
// the saves made before then.
func (w *ownerWatch) unsettle() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleAt = w.now() + 2*w.timeout
}

// holdsAny reports whether the latest heartbeat listed any shard.
func (w *ownerWatch) holdsAny() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.shards {
		if m.held {
			return true
		}
	}
	return false
}

// saveSent records a checkpoint request for shard about to be sent.
func (w *ownerWatch) saveSent(shard int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.mark(shard)
	m.seq++
	m.busy++
}

// saveDone records the outcome of a checkpoint request: ok when SLS confirmed it.
func (w *ownerWatch) saveDone(shard int, value string, ok bool, at time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.mark(shard)
	m.busy--
	m.tried, m.triedAt = value, at
	if !ok {
		m.unsure = slices.DeleteFunc(m.unsure, func(u unconfirmed) bool { return u.until < at })
		if len(m.unsure) >= maxUnsure {
			m.unsure = m.unsure[1:]
		}
		m.unsure = append(m.unsure, unconfirmed{value: value, until: at + w.doubt})
		return
	}
	m.saved, m.savedAt = value, at
	m.known, m.knownAt = value, at
}

// latest returns the latest checkpoint this process knows for shard, the number of checkpoint requests sent for it
// and whether one is in flight. A save SLS failed counts: its data was delivered, so writing it back into a
// recreated group resends nothing, where the last confirmed save would resend what was delivered since.
func (w *ownerWatch) latest(shard int) (value string, seq uint64, busy bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.shards[shard]
	if m == nil {
		return "", 0, false
	}
	v := m.known
	if m.tried != "" && m.triedAt >= m.knownAt {
		v = m.tried
	}
	return v, m.seq, m.busy > 0
}

// readSnapshot is the state of every shard when a GetCheckPoint was sent.
type readSnapshot map[int]markSnap

type markSnap struct {
	seq       uint64
	busy      bool
	held      bool
	heldSince time.Duration
}

func (w *ownerWatch) snapshot() readSnapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	snap := make(readSnapshot, len(w.shards))
	for id, m := range w.shards {
		snap[id] = markSnap{seq: m.seq, busy: m.busy > 0, held: m.held, heldSince: m.heldSince}
	}
	return snap
}

// foreignWrite is a held shard whose checkpoint someone else wrote.
type foreignWrite struct {
	shard        int
	server, ours string
	later        time.Duration // by value when 0; else how much later than our last save the server stamped it
}

// read takes the group's checkpoints from a GetCheckPoint sent at s (with snap taken then) and answered at r: it
// updates what we know and returns the held shards whose checkpoint someone else wrote.
func (w *ownerWatch) read(snap readSnapshot, cps []*sls.ConsumerGroupCheckPoint, s, r time.Duration) []foreignWrite {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []foreignWrite
	for _, e := range cps {
		if e == nil || e.CheckPoint == "" {
			continue // none, or a recreated group: nothing to compare, nothing to learn
		}
		m, sn := w.shards[e.ShardID], snap[e.ShardID]
		if m == nil {
			m = w.mark(e.ShardID)
			m.known, m.knownAt = e.CheckPoint, r
			continue
		}
		quiet := m.seq == sn.seq && m.busy == 0 && !sn.busy // no save of ours overlapped the read
		if !quiet {
			continue
		}
		if m.knownAt < s {
			m.known, m.knownAt = e.CheckPoint, r
		}
		if !sn.held || !m.held || m.heldSince != sn.heldSince || r-m.listedAt >= w.timeout-holdMargin || m.saved == "" ||
			m.savedAt < w.settleAt {
			continue
		}
		if e.Consumer != "" && e.Consumer != w.name {
			continue // another replica's name: a hand-over or a write-back, not a second process with ours
		}
		m.unsure = slices.DeleteFunc(m.unsure, func(u unconfirmed) bool { return u.until < r })
		if e.CheckPoint != m.saved {
			if !slices.ContainsFunc(m.unsure, func(u unconfirmed) bool { return u.value == e.CheckPoint }) {
				out = append(out, foreignWrite{shard: e.ShardID, server: e.CheckPoint, ours: m.saved})
			}
			continue
		}
		if len(m.unsure) > 0 {
			continue // an older save of ours may have landed after the confirmed one
		}
		if at, ok := w.clock.earliest(e.UpdateTime); ok && at > m.savedAt+timeMargin {
			out = append(out, foreignWrite{shard: e.ShardID, server: e.CheckPoint, ours: m.saved, later: at - m.savedAt})
		}
	}
	return out
}

// sampleClock takes the Date header of an answer to a request sent at s and answered at r.
func (w *ownerWatch) sampleClock(date string, s, r time.Duration) {
	if date == "" {
		return
	}
	t, err := time.Parse(time.RFC1123, date)
	if err != nil {
		return
	}
	w.mu.Lock()
	w.clock.sample(t, s, r)
	w.mu.Unlock()
}

// serverClock bounds the offset between SLS's clock and our monotonic clock (server unix time minus mono time). An
// answer whose Date header says D (whole seconds, truncated) was stamped at a server time in [D, D+1s) and at a
// local time between sending and receiving, so the offset lies in [D-r, D+1s-s]. The intersection of many such
// intervals narrows to about the round trip; it widens by 100 ppm of the time since the last sample for drift and
// starts over when a sample contradicts it (a server clock step).
type serverClock struct {
	ok     bool
	lo, hi int64 // nanoseconds
	at     time.Duration
}

func (c *serverClock) sample(date time.Time, s, r time.Duration) {
	d := date.UnixNano()
	lo, hi := d-int64(r), d+int64(time.Second)-int64(s)
	if c.ok {
		drift := int64(r-c.at) / 10_000
		c.lo, c.hi = c.lo-drift, c.hi+drift
	}
	if !c.ok || lo > c.hi || hi < c.lo {
		c.lo, c.hi = lo, hi
	} else {
		c.lo, c.hi = max(c.lo, lo), min(c.hi, hi)
	}
	c.ok, c.at = true, r
}

// earliest returns the earliest mono time at which SLS can have stamped updateTime (a unix time in microseconds;
// seconds, milliseconds and nanoseconds are recognised by their size).
func (c *serverClock) earliest(updateTime int64) (time.Duration, bool) {
	if !c.ok || updateTime <= 0 {
		return 0, false
	}
	var ns int64
	switch {
	case updateTime >= 1e17:
		ns = updateTime
	case updateTime >= 1e14:
		ns = updateTime * 1e3
	case updateTime >= 1e11:
		ns = updateTime * 1e6
	default:
		ns = updateTime * 1e9
	}
	return time.Duration(ns - c.hi), true
}

// ownerCheck reads the group's checkpoints every interval (with jitter) through the watched client, so that
// groupTransport compares them; it reports the foreign writes it is told about, at most one warning per warnEvery.
type ownerCheck struct {
	w        *ownerWatch
	read     func() error // one GetCheckPoint through the watched client
	every    time.Duration
	log      *zap.Logger
	consumer string
	observe  func(shard int)

	mu        sync.Mutex
	lastWarn  time.Time
	unwarned  int
	warnEvery time.Duration
}

// found is called by groupTransport with the foreign writes of one read.
func (o *ownerCheck) found(fw []foreignWrite) {
	if len(fw) == 0 {
		return
	}
	for _, f := range fw {
		if o.observe != nil {
			o.observe(f.shard)
		}
	}
	o.mu.Lock()
	o.unwarned += len(fw)
	n := o.unwarned
	if !o.lastWarn.IsZero() && time.Since(o.lastWarn) < o.warnEvery {
		o.mu.Unlock()
		return
	}
	o.lastWarn, o.unwarned = time.Now(), 0
	o.mu.Unlock()
	f := fw[0]
	how := "a different checkpoint than the one this process saved last"
	if f.later > 0 {
		how = "the checkpoint this process saved, but written again later (" + f.later.Round(time.Millisecond).String() + ")"
	}
	shards := make([]int, 0, len(fw))
	for _, f := range fw {
		shards = append(shards, f.shard)
	}
	o.log.Warn("another process is saving this consumer's checkpoints: probably a second siemship with the same "+
		"SLS_CONSUMER_NAME; SLS treats both as one consumer, so both read the same shards and every record is "+
		"delivered twice. Give every process its own SLS_CONSUMER_NAME (e.g. $HOSTNAME-1, $HOSTNAME-2, or the pod name)",
		zap.String("consumer", o.consumer), zap.Ints("shards", shards), zap.String("server_checkpoint", f.server),
		zap.String("our_checkpoint", f.ours), zap.String("seen", how), zap.Int("foreign_writes", n),
		zap.Duration("check_interval", o.every))
}

// run reads at every interval until ctx ends.
func (o *ownerCheck) run(ctx context.Context) {
	for {
		d := o.every - o.every/5 + rand.N(o.every/5*2+1) // ±20 %: replicas do not read in step
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !o.w.holdsAny() {
			continue // a standby: nothing of ours to compare
		}
		if err := o.read(); err != nil && ctx.Err() == nil {
			o.log.Debug("reading the group's checkpoints for the consumer-name check failed", zap.Error(err))
		}
	}
}
