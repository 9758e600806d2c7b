package consumer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"
)

// The consumer library creates its consumer group once, when the worker is built. If the group is deleted under a
// running instance (by hand, by a clean-up script, by infrastructure code that does not know it) every heartbeat,
// checkpoint save and checkpoint read fails with ConsumerGroupNotExist from then on; after the heartbeat timeout
// the lease fences delivery, the shard workers stop, and nothing is shipped again until a restart.
//
// groupKeeper recreates the group, with the configured timeout and order, when an answer says it does not exist
// (groupTransport sees every consumer-group answer), treating ConsumerGroupAlreadyExist (a replica was quicker) as
// success. Attempts are spaced by a capped, jittered backoff, so a group deleted again and again costs at most one
// request per backoff. A refusal (the RAM user may not create groups, say) is logged with the fix and makes the
// observer (readiness, a metric) report the group missing until it exists again: created by someone else, which a
// successful heartbeat shows, or by a later attempt.
//
// A recreated group has no checkpoints. The shard workers that are still running keep their position in memory
// and their next save sets the checkpoint, so they neither skip nor repeat anything. A shard whose worker starts
// afresh (after the heartbeat timeout, or on another replica, or after a restart) reads the group's checkpoint; so
// that it does not fall back to SLS_CURSOR_START (a full replay with begin, a gap with end), the keeper writes back,
// for every shard without a checkpoint, the latest one this process knows: the one it saved last, or read last from
// the group (ownerWatch). Only shards nobody here knew start at SLS_CURSOR_START. The log says which is which.
type groupKeeper struct {
	project, logstore, group, consumer string
	cursorStart                        string
	settings                           sls.ConsumerGroup
	api                                sls.ClientInterface // siemship's own calls, through groupTransport
	restoreAPI                         sls.ClientInterface // the same, marked as the write-back's (ownRequest)
	watch                              *ownerWatch
	log                                *zap.Logger
	observe                            GroupObserver // nil when the observer does not implement it

	minDelay, maxDelay time.Duration

	wake    chan struct{}              // buffered 1
	missing atomic.Bool                // a request found the group missing and none since found it back
	running atomic.Pointer[restoreRun] // the write-back under way, if any

	mu         sync.Mutex
	missingAt  time.Duration // send time of the latest request that found the group missing
	retry      bool          // the last write-back failed: try again
	failures   int           // failed creation attempts since it went missing
	lastLogged time.Time     // of the last creation failure logged

	lastWriteBackLog time.Time // of the last failed write-back logged
}

// restoreRun is one write-back; done is closed when it has finished.
type restoreRun struct{ done chan struct{} }

// Defaults of the creation backoff.
const (
	groupRetryMin = time.Second
	groupRetryMax = time.Minute
	// groupRequestTimeout bounds each of siemship's own consumer-group requests.
	groupRequestTimeout = 10 * time.Second
	// restoreWait bounds how long an SDK request waits for a write-back under way.
	restoreWait = 15 * time.Second
	// refusedLogEvery spaces the error logged while creation keeps being refused.
	refusedLogEvery = 5 * time.Minute
)

// notFound is called when a request sent at sentAt was answered ConsumerGroupNotExist.
func (k *groupKeeper) notFound(sentAt time.Duration) {
	k.mu.Lock()
	first := !k.missing.Load()
	if first {
		k.missing.Store(true)
		k.missingAt, k.failures = sentAt, 0
	} else {
		k.missingAt = max(k.missingAt, sentAt)
	}
	k.mu.Unlock()
	if first {
		k.log.Warn("the consumer group does not exist (deleted?); creating it",
			zap.String("group", k.group), zap.String("project", k.project), zap.String("logstore", k.logstore))
	}
	k.poke()
}

// exists is called when a request on the group sent at sentAt succeeded. If the group was missing, it writes the
// checkpoints back before it returns, so that the SDK, which gets the answer only then, starts no shard worker
// before the write-back; a request that arrives while a write-back is under way waits for it. It reports whether
// a write-back ran or was waited for.
func (k *groupKeeper) exists(sentAt time.Duration) bool {
	if !k.missing.Load() && k.running.Load() == nil {
		return false
	}
	k.mu.Lock()
	if k.missing.Load() && sentAt > k.missingAt { // an answer to a request older than the evidence proves nothing
		k.missing.Store(false)
		k.watch.unsettle()
		if k.observe != nil {
			k.observe.GroupMissing(nil)
		}
		r := &restoreRun{done: make(chan struct{})}
		k.running.Store(r)
		k.mu.Unlock()
		k.writeBackNow(r)
		return true
	}
	k.mu.Unlock()
	r := k.running.Load()
	if r == nil {
		return false
	}
	t := time.NewTimer(restoreWait)
	defer t.Stop()
	select {
	case <-r.done:
	case <-t.C:
	}
	return true
}

// writeBackNow runs the write-back r; a failed one is retried by run.
func (k *groupKeeper) writeBackNow(r *restoreRun) {
	defer func() {
		close(r.done)
		k.running.CompareAndSwap(r, nil)
	}()
	if err := k.writeBack(); err != nil {
		k.mu.Lock()
		k.retry = true
		logIt := time.Since(k.lastWriteBackLog) >= time.Minute
		if logIt {
			k.lastWriteBackLog = time.Now()
		}
		k.mu.Unlock()
		if logIt {
			k.log.Warn("could not write the checkpoints back into the consumer group; retrying (logged once a minute)",
				zap.String("group", k.group), zap.Error(err))
		}
		k.poke()
	}
}

func (k *groupKeeper) poke() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// sleep waits d or until ctx ends (false) or, with wake, until poked.
func (k *groupKeeper) sleep(ctx context.Context, d time.Duration, wake bool) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	w := k.wake
	if !wake {
		w = nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-w:
	case <-t.C:
	}
	return true
}

// run recreates the group whenever it goes missing, and retries failed write-backs, until ctx ends.
func (k *groupKeeper) run(ctx context.Context) {
	delay := k.minDelay
	var next, lastOK time.Time // earliest next attempt; last success
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.wake:
		}
		for k.missing.Load() {
			if wait := time.Until(next); wait > 0 {
				if !k.sleep(ctx, wait, true) { // a poke: it may exist again
					return
				}
				continue
			}
			sent := k.watch.now()
			created, err := k.create()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				delay = min(2*delay, k.maxDelay)
				next = time.Now().Add(jitter(delay))
				k.failed(err, delay)
				continue
			}
			// A group deleted again soon after we recreated it does not get a request per second.
			if !lastOK.IsZero() && time.Since(lastOK) < k.maxDelay {
				delay = min(2*delay, k.maxDelay)
			} else {
				delay = k.minDelay
			}
			lastOK, next = time.Now(), time.Now().Add(jitter(delay))
			if created {
				// Its own line: a request of the SDK answered meanwhile may already run the write-back, whose line
				// ("exists again") cannot know who created the group.
				k.log.Info("consumer group recreated", zap.String("group", k.group),
					zap.Int("timeout_seconds", k.settings.Timeout), zap.Bool("in_order", k.settings.InOrder))
			}
			if k.observe != nil {
				k.observe.GroupRecreation("ok")
			}
			k.exists(sent)
		}
		k.mu.Lock()
		retry := k.retry
		k.retry = false
		k.mu.Unlock()
		if retry && !k.missing.Load() {
			if !k.sleep(ctx, jitter(2*k.minDelay), false) {
				return
			}
			r := &restoreRun{done: make(chan struct{})}
			if k.running.CompareAndSwap(nil, r) {
				k.writeBackNow(r)
			} else {
				k.mu.Lock()
				k.retry = true
				k.mu.Unlock()
				k.poke()
			}
		}
	}
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// create sends CreateConsumerGroup; ConsumerGroupAlreadyExist (someone was quicker) counts as success, with
// created false.
func (k *groupKeeper) create() (created bool, err error) {
	err = k.api.CreateConsumerGroup(k.project, k.logstore, k.settings)
	var se *sls.Error
	if err != nil && errors.As(err, &se) && se.Code == "ConsumerGroupAlreadyExist" {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create consumer group %s: %w", k.group, classify(err))
	}
	return true, nil
}

func (k *groupKeeper) failed(err error, retryIn time.Duration) {
	refused := IsRejected(err)
	k.mu.Lock()
	k.failures++
	logIt := k.failures == 1 || time.Since(k.lastLogged) >= refusedLogEvery
	if logIt {
		k.lastLogged = time.Now()
	}
	if k.observe != nil {
		if refused {
			k.observe.GroupRecreation("refused")
		} else {
			k.observe.GroupRecreation("error")
		}
		if k.missing.Load() { // under mu: a success seen meanwhile (exists) is not overwritten
			k.observe.GroupMissing(err)
		}
	}
	k.mu.Unlock()
	if !logIt {
		return
	}
	if refused {
		k.log.Error("the consumer group does not exist and SLS refuses to let siemship create it: nothing is shipped "+
			"until it exists. Allow the AccessKey's RAM user log:CreateConsumerGroup on the logstore, or create the "+
			"group yourself with the timeout and order below; siemship keeps trying and resumes by itself",
			zap.String("group", k.group), zap.String("project", k.project), zap.String("logstore", k.logstore),
			zap.Int("timeout_seconds", k.settings.Timeout), zap.Bool("in_order", k.settings.InOrder),
			zap.Duration("retry_in", retryIn), zap.Error(err))
		return
	}
	k.log.Warn("the consumer group does not exist and creating it failed; retrying", zap.String("group", k.group),
		zap.Duration("retry_in", retryIn), zap.Error(err))
}

// writeBack writes, into the group that exists again, the latest checkpoint this process knows for every shard that
// has none there, and logs where each shard resumes.
func (k *groupKeeper) writeBack() error {
	cps, err := k.restoreAPI.GetCheckpoint(k.project, k.logstore, k.group)
	if err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	var kept, written, fresh []int
	for _, e := range cps {
		if e == nil {
			continue
		}
		if e.CheckPoint != "" {
			kept = append(kept, e.ShardID)
			continue
		}
		ok, err := k.writeShard(e.ShardID)
		if err != nil {
			return fmt.Errorf("shard %d: %w", e.ShardID, err)
		}
		if ok {
			written = append(written, e.ShardID)
		} else {
			fresh = append(fresh, e.ShardID)
		}
	}
	slices.Sort(kept)
	slices.Sort(written)
	slices.Sort(fresh)
	k.log.Info("the consumer group exists again; shard workers still running continue from their position in memory, a shard that starts "+
		"afresh resumes from the checkpoint the group has (written back by siemship where it had none) or at "+
		"SLS_CURSOR_START",
		zap.String("group", k.group), zap.Ints("checkpoints_kept", kept), zap.Ints("checkpoints_written_back", written),
		zap.Ints("at_cursor_start", fresh), zap.String("cursor_start", k.cursorStart))
	return nil
}

// writeShard writes the latest checkpoint known for shard (false when none is known). A save of the shard's worker
// may cross ours: then the newest is written again, so that an older one does not win.
func (k *groupKeeper) writeShard(shard int) (bool, error) {
	for range 5 {
		v, seq, busy := k.watch.latest(shard)
		if v == "" {
			return false, nil
		}
		if busy {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err := k.restoreAPI.UpdateCheckpoint(k.project, k.logstore, k.group, k.consumer, shard, v, true); err != nil {
			return false, err
		}
		if _, now, busy := k.watch.latest(shard); now == seq+1 && !busy {
			return true, nil
		}
	}
	return true, nil // the worker keeps saving: its checkpoint is on the server
}

// GroupObserver is an optional extension of Observer: an Observer that also implements it is told about the
// consumer group's existence and about checkpoints someone else writes. Calls come from siemship's own goroutines
// and from under the SDK's HTTP client; they must not block.
type GroupObserver interface {
	// GroupMissing is called with the error of a failed attempt to recreate the missing consumer group, and with
	// nil once the group exists again.
	GroupMissing(err error)
	// GroupRecreation is called once per attempt to recreate the group: result "ok", "refused" (SLS said no) or
	// "error" (SLS could not be asked).
	GroupRecreation(result string)
	// ForeignCheckpoint is called for every read that found a checkpoint of a shard this process holds written by
	// someone else (ownerWatch).
	ForeignCheckpoint(shard int)
}

// groupGuard is the consumer's watch over its group: the transport under the SDK, the keeper and the periodic
// checkpoint read, and the goroutines that run them.
type groupGuard struct {
	keeper *groupKeeper
	watch  *ownerWatch
	check  *ownerCheck
	wg     sync.WaitGroup
}

// startGuard starts the group guard for the consumer's lifetime (ctx) and returns the client the SDK is to use: hc
// with groupTransport underneath.
func (c *Consumer) startGuard(ctx context.Context, hc *http.Client) *http.Client {
	g, sdk := c.newGuard(ctx, hc)
	c.guard = g
	g.start(ctx)
	return sdk
}

// newGuard builds the group guard and the SDK's client; nothing runs until start.
func (c *Consumer) newGuard(ctx context.Context, hc *http.Client) (*groupGuard, *http.Client) {
	interval := time.Duration(c.cfg.HeartbeatIntervalInSecond) * time.Second
	if interval <= 0 {
		interval = 20 * time.Second // the SDK's default
	}
	timeout := time.Duration(c.cfg.HeartbeatTimeoutInSecond) * time.Second
	if timeout <= 0 {
		timeout = 3 * interval
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	obs, _ := c.opts.Observer.(GroupObserver)
	l := c.log.Named("group")
	reqTO := requestTimeout(hc) // hc's timeout, which guardClient moved into its transport
	g := &groupGuard{watch: newOwnerWatch(c.cfg.ConsumerName, timeout, max(reqTO, sdkRequestTimeout))}
	g.keeper = &groupKeeper{project: c.cfg.Project, logstore: c.cfg.Logstore, group: c.cfg.ConsumerGroupName,
		consumer: c.cfg.ConsumerName, cursorStart: cursorStartName(c.opts.CursorStart),
		settings: sls.ConsumerGroup{ConsumerGroupName: c.cfg.ConsumerGroupName, Timeout: int(timeout / time.Second),
			InOrder: c.cfg.InOrder},
		watch: g.watch, log: l, observe: obs, minDelay: groupRetryMin, maxDelay: groupRetryMax,
		wake: make(chan struct{}, 1)}
	// A read per heartbeat interval, at most every 15 s: about a minute for two same-named processes to show.
	g.check = &ownerCheck{w: g.watch, every: min(max(interval, time.Second), 15*time.Second), log: l,
		consumer: c.cfg.ConsumerName, warnEvery: time.Minute}
	if obs != nil {
		g.check.observe = obs.ForeignCheckpoint
	}
	watched := func() *groupTransport {
		return &groupTransport{next: base, group: c.cfg.ConsumerGroupName, keeper: g.keeper, watch: g.watch,
			found: g.check.found}
	}
	reqTimeout := min(max(reqTO, time.Second), groupRequestTimeout)
	api, restoreAPI := c.Client(), c.Client()
	api.SetHTTPClient(&http.Client{Transport: &boundTransport{ctx: ctx, next: watched(), timeout: reqTimeout}})
	restoreAPI.SetHTTPClient(&http.Client{Transport: &boundTransport{ctx: ctx, next: watched(), timeout: reqTimeout,
		restore: true}})
	g.keeper.api, g.keeper.restoreAPI = api, restoreAPI
	g.check.read = func() error {
		_, err := api.GetCheckpoint(c.cfg.Project, c.cfg.Logstore, c.cfg.ConsumerGroupName)
		return err
	}
	sdk, tr := *hc, watched()
	sdk.Timeout = reqTO // for wrapClient to move into pullTransport
	if c.opts.SDKDecode {
		// groupTransport is the outermost transport: it takes over the client's timeout (see wrapClient).
		tr.timeout, sdk.Timeout = reqTO, 0
	}
	sdk.Transport = tr
	return g, &sdk
}

// start runs the keeper and the periodic check until ctx ends.
func (g *groupGuard) start(ctx context.Context) {
	g.wg.Add(2)
	go func() { defer g.wg.Done(); g.keeper.run(ctx) }()
	go func() { defer g.wg.Done(); g.check.run(ctx) }()
}

// wait waits for the guard's goroutines, which end with the context given to startGuard.
func (g *groupGuard) wait() {
	if g != nil {
		g.wg.Wait()
	}
}

// boundTransport ties every request to ctx (siemship's own calls end with the consumer) and bounds it by timeout,
// body included. The SDK leaves some response bodies open; the timer ends the request anyway.
type boundTransport struct {
	ctx     context.Context
	next    http.RoundTripper
	timeout time.Duration
	restore bool // the write-back's requests: groupTransport leaves them to it (see ownRequest)
}

// ownRequest marks the context of the write-back's requests: what they find about the group is the write-back's
// business, and taking it as news would make the write-back wait for itself.
type ownRequest struct{}

func (b *boundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	if b.restore {
		parent = context.WithValue(parent, ownRequest{}, true)
	}
	ctx, cancel := context.WithTimeout(parent, b.timeout)
	stop := context.AfterFunc(b.ctx, cancel)
	resp, err := b.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: func() { stop(); cancel() }}
	return resp, nil
}

// cursorStartName is SLS_CURSOR_START as the log shows it.
func cursorStartName(s string) string {
	if strings.TrimSpace(s) == "" {
		return "begin"
	}
	return strings.ToLower(s)
}
