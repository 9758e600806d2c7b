package consumer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	consumerLibrary "github.com/aliyun/aliyun-log-go-sdk/consumer"
	"go.uber.org/zap"
)

// Options configure the consumer. Zero durations take the SDK's defaults.
type Options struct {
	Endpoint        string
	AccessKeyID     string
	AccessKeySecret string //nolint:gosec // a credential, never logged
	SecurityToken   string
	AuthVersion     string // "v1" (default) or "v4"
	Region          string // required for v4

	Project, Logstore, Group, ConsumerName string

	// CursorStart is used only for shards without a checkpoint: "begin", "end" or unix seconds (server receive time).
	CursorStart       string
	Query             string // SPL filter evaluated by SLS
	HeartbeatInterval time.Duration
	HeartbeatTimeout  time.Duration
	FetchInterval     time.Duration
	MaxFetchLogGroups int
	Compress          string // "lz4" (default) or "zstd"
	InOrder           bool
	// RequestTimeout bounds every SDK HTTP request (default 60 s).
	RequestTimeout time.Duration
	// HTTPClient overrides the client used for SLS requests (tests).
	HTTPClient *http.Client
	// MaxPulledBatches bounds the pulled batches held in memory at once, across all shards (default 4): a shard
	// waits for a free slot before it pulls. Each holds one pull's raw data plus about 32 bytes per field.
	MaxPulledBatches int
	// MaxPulledBytes bounds the memory of the pulled batches held at once, across all shards: decompressed data,
	// the records' headers (32 bytes per field) and the buffers kept for reuse. A pull waits until its size, known
	// from the response headers, fits; a pull larger than the whole budget waits until nothing else is held and then
	// runs alone. 0 means no byte bound (only MaxPulledBatches). Batches the SDK decodes are not counted.
	MaxPulledBytes int64
	// SDKDecode leaves the decoding of pulled data to the SDK (gogo protobuf) instead of siemship's zero-copy
	// walk of the raw bytes (see pullTransport). For comparison in tests and benchmarks only: slower, and without
	// pullTransport's checks of the answers (answer.go), the lease fence and the expired-cursor policy.
	SDKDecode bool
	// ExpiredCursor is what a shard does when its checkpoint points at data SLS no longer retains: "begin" (the
	// default) resumes at the oldest data still there, "end" at the shard's end, "fail" stops the consumer with an
	// *ExpiredCursorError on Failed. Applies only without SDKDecode (the reset lives in pullTransport).
	ExpiredCursor string
	Logger        *zap.Logger
	// Observer, when not nil, is told about every batch and checkpoint (metrics, health).
	Observer Observer
}

// Observer is told what the shard loops do. It is called from all shard goroutines at once: it must be safe for
// concurrent use and must not block.
type Observer interface {
	// BatchPulled is called when a pulled batch is handed over, empty ones (idle polls) included; bytes is the
	// uncompressed protobuf size of the pulled log groups.
	BatchPulled(shard, records, bytes int)
	// BatchDone is called when the handler returned for that batch; err is nil when it was delivered.
	BatchDone(shard int, err error)
	// Checkpointed is called after each SaveCheckPoint of a delivered batch.
	Checkpointed(shard int, err error)
}

// Consumer runs the SDK consumer worker and hands every batch to a BatchHandler.
type Consumer struct {
	opts    Options
	handler BatchHandler
	log     *zap.Logger
	cfg     consumerLibrary.LogHubConfig

	mu       sync.Mutex
	worker   *consumerLibrary.ConsumerWorker
	ctx      context.Context // passed to the handler; cancelled at hard stop
	cancel   context.CancelFunc
	stopping atomic.Bool
	stopped  chan struct{}

	arenas   sync.Map // shard -> *arena, for batches the SDK decoded
	pulled   *pullStash
	trackers sync.Map // consumerLibrary.CheckPointTracker -> shard, to drop a batch when its shard worker ends

	lease *lease      // the shards the consumer group last confirmed as ours (lease.go)
	guard *groupGuard // recreates a deleted group, spots a second process with our name (group.go, owner.go)

	pullBackoff pullBackoff  // spaces out the pulls of shards whose last pull failed
	badAnswers  badAnswerLog // samples the log lines about refused SLS answers

	expired  string     // the expired-checkpoint policy: ExpiredBegin, ExpiredEnd or ExpiredFail
	failed   chan error // receives the first fatal error; buffered 1
	failOnce sync.Once
}

// ErrStopping is returned from Process while the consumer shuts down: the batch is abandoned (not checkpointed) and
// will be pulled again by whoever holds the shard next.
var ErrStopping = errors.New("consumer is shutting down")

// New checks the options and builds the consumer; nothing runs until Start.
func New(o Options, h BatchHandler) (*Consumer, error) {
	if h == nil {
		return nil, errors.New("consumer: nil batch handler")
	}
	cfg, err := logHubConfig(o)
	if err != nil {
		return nil, err
	}
	l := o.Logger
	if l == nil {
		l = zap.NewNop()
	}
	cfg.Logger = kitLogger{z: l.Named("sls")}
	if o.MaxPulledBatches <= 0 {
		o.MaxPulledBatches = 4
	}
	expired, _ := expiredPolicy(o.ExpiredCursor) // checked by logHubConfig
	c := &Consumer{opts: o, handler: h, log: l, cfg: cfg, pulled: newPullStash(o.MaxPulledBatches, o.MaxPulledBytes),
		expired: expired, failed: make(chan error, 1),
		lease: &lease{timeout: time.Duration(cfg.HeartbeatTimeoutInSecond) * time.Second}}
	c.badAnswers.Every = badAnswerLogEvery
	return c, nil
}

// Failed delivers the error that makes the consumer unable to go on (an expired checkpoint with the fail policy);
// the caller should shut the consumer down and stop. Nothing is sent while the consumer can go on.
func (c *Consumer) Failed() <-chan error { return c.failed }

// fail reports err on Failed; only the first call does, and reports true.
func (c *Consumer) fail(err error) bool {
	first := false
	c.failOnce.Do(func() {
		first = true
		c.failed <- err
	})
	return first
}

// LogHubConfig is the SDK configuration New derives from the options (exported for `siemship check`).
func (c *Consumer) LogHubConfig() consumerLibrary.LogHubConfig { return c.cfg }

func logHubConfig(o Options) (consumerLibrary.LogHubConfig, error) {
	var problems []string
	for name, v := range map[string]string{
		"endpoint": o.Endpoint, "access key id": o.AccessKeyID, "access key secret": o.AccessKeySecret,
		"project": o.Project, "logstore": o.Logstore, "consumer group": o.Group, "consumer name": o.ConsumerName,
	} {
		if strings.TrimSpace(v) == "" {
			problems = append(problems, name+" is empty")
		}
	}
	cfg := consumerLibrary.LogHubConfig{
		Endpoint:                  o.Endpoint,
		AccessKeyID:               o.AccessKeyID,
		AccessKeySecret:           o.AccessKeySecret,
		SecurityToken:             o.SecurityToken,
		Project:                   o.Project,
		Logstore:                  o.Logstore,
		ConsumerGroupName:         o.Group,
		ConsumerName:              o.ConsumerName,
		Query:                     o.Query,
		HeartbeatIntervalInSecond: durSeconds(o.HeartbeatInterval),
		HeartbeatTimeoutInSecond:  durSeconds(o.HeartbeatTimeout),
		DataFetchIntervalInMs:     o.FetchInterval.Milliseconds(),
		MaxFetchLogGroupCount:     o.MaxFetchLogGroups,
		InOrder:                   o.InOrder,
		AutoCommitDisabled:        true,
		DisableRuntimeMetrics:     true,
		Region:                    o.Region,
	}
	switch strings.ToLower(o.CursorStart) {
	case "", "begin":
		cfg.CursorPosition = consumerLibrary.BEGIN_CURSOR
	case "end":
		cfg.CursorPosition = consumerLibrary.END_CURSOR
	default:
		sec, err := strconv.ParseInt(o.CursorStart, 10, 64)
		if err != nil || sec < 0 {
			problems = append(problems, fmt.Sprintf("cursor start %q is not begin, end or unix seconds", o.CursorStart))
		}
		cfg.CursorPosition = consumerLibrary.SPECIAL_TIMER_CURSOR
		cfg.CursorStartTime = sec
	}
	if _, err := expiredPolicy(o.ExpiredCursor); err != nil {
		problems = append(problems, err.Error())
	}
	switch strings.ToLower(o.Compress) {
	case "", "lz4":
		cfg.CompressType = sls.Compress_LZ4
	case "zstd":
		cfg.CompressType = sls.Compress_ZSTD
	default:
		problems = append(problems, fmt.Sprintf("compression %q is not lz4 or zstd", o.Compress))
	}
	switch strings.ToLower(o.AuthVersion) {
	case "", "v1":
		cfg.AuthVersion = sls.AuthV1
	case "v4":
		cfg.AuthVersion = sls.AuthV4
		if o.Region == "" {
			problems = append(problems, "auth version v4 needs a region")
		}
	default:
		problems = append(problems, fmt.Sprintf("auth version %q is not v1 or v4", o.AuthVersion))
	}
	if len(problems) > 0 {
		return cfg, fmt.Errorf("consumer options: %s", strings.Join(problems, "; "))
	}
	cfg.HTTPClient = o.HTTPClient
	if cfg.HTTPClient == nil {
		timeout := o.RequestTimeout
		if timeout <= 0 {
			timeout = 60 * time.Second
		}
		cfg.HTTPClient = newHTTPClient(o.Endpoint, timeout)
	}
	cfg.HTTPClient = guardClient(cfg.HTTPClient, maxPullBytes(o.MaxPulledBytes))
	return cfg, nil
}

func durSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	s := int((d + time.Second - 1) / time.Second)
	return s
}

// Start joins the consumer group and starts pulling. The SDK creates or updates the group synchronously here
// (errors are only logged by the SDK; it retries through heartbeats). ctx is the hard-stop context handed to the
// batch handler.
func (c *Consumer) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.worker != nil {
		return errors.New("consumer: already started")
	}
	c.ctx, c.cancel = context.WithCancel(ctx)
	c.stopped = make(chan struct{})
	cfg := c.cfg
	cfg.HTTPClient = c.startGuard(c.ctx, cfg.HTTPClient)
	if !c.opts.SDKDecode {
		cfg.HTTPClient = wrapClient(cfg.HTTPClient, c)
	}
	c.worker = consumerLibrary.InitConsumerWorkerWithProcessor(cfg, processor{c})
	if !prepareSDKClient(c.worker) {
		c.log.Debug("could not pre-set the SDK client's timeouts (unexpected SDK layout); its first-use data race remains")
	}
	c.worker.Start()
	c.log.Info("consumer started", zap.String("project", c.cfg.Project), zap.String("logstore", c.cfg.Logstore),
		zap.String("group", c.cfg.ConsumerGroupName), zap.String("consumer", c.cfg.ConsumerName))
	return nil
}

// Shutdown stops pulling, lets the in-flight batches finish (or abandons them once the handler gives up), flushes
// the checkpoints and leaves the group. If ctx ends first, the handler's context is cancelled (hard stop) and
// Shutdown returns ctx's error; the SDK's remaining goroutines then finish on their own.
func (c *Consumer) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	w := c.worker
	c.mu.Unlock()
	if w == nil || !c.stopping.CompareAndSwap(false, true) {
		return nil
	}
	go func() {
		w.StopAndWait()
		c.pulled.clear()
		close(c.stopped)
	}()
	select {
	case <-c.stopped:
		c.cancel()
		c.guard.wait()
		c.log.Info("consumer stopped, checkpoints flushed")
		return nil
	case <-ctx.Done():
		c.cancel()
		c.guard.wait()
		c.log.Warn("consumer shutdown timed out; in-flight batches abandoned, they will be pulled again")
		return fmt.Errorf("consumer shutdown: %w", ctx.Err())
	}
}

// Done is closed when a started consumer has fully stopped.
func (c *Consumer) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

// processor is the SDK Processor: it converts the batch, delivers it, and checkpoints after delivery.
type processor struct{ c *Consumer }

func (p processor) Process(shard int, lgl *sls.LogGroupList, t consumerLibrary.CheckPointTracker) (string, error) {
	c := p.c
	if c.stopping.Load() || c.ctx.Err() != nil {
		return "", ErrStopping
	}
	c.trackers.Store(t, shard)
	if !c.lease.holds(shard, time.Now()) {
		// Not ours for all we know (lease.go): wait a little, then let the library offer the batch again or
		// release the shard.
		c.log.Warn("not delivering a batch of a shard this consumer may no longer hold", zap.Int("shard", shard))
		select {
		case <-time.After(time.Second):
		case <-c.ctx.Done():
		}
		return "", fmt.Errorf("shard %d: %w", shard, errNotHeld)
	}
	b := &Batch{Shard: shard, Cursor: t.GetCurrentCursor(), NextCursor: t.GetNextCursor()}
	var rawSize int
	if c.opts.SDKDecode {
		b.Groups, rawSize = c.arena(shard).convert(lgl), -1
	} else {
		// pullTransport decoded the pull and stashed it; the SDK got an empty list. The SDK calls Process again with
		// the same list after a failed delivery, so the batch stays in the stash until the next pull of the shard
		// replaces or drops it. Without a batch for this cursor (cannot happen while the library pulls a shard only
		// after Process returned), delivering the empty list would checkpoint past a pull's records: pull again.
		pl, ok := c.pulled.get(shard)
		if !ok || pl.cursor != b.Cursor || (lgl != nil && len(lgl.LogGroups) > 0) {
			c.log.Warn("no pulled batch for this cursor, pulling it again", zap.Int("shard", shard),
				zap.String("cursor", b.Cursor), zap.Bool("stashed", ok))
			c.pulled.drop(shard)
			return b.Cursor, nil
		}
		b.Groups, rawSize = pl.groups, len(pl.raw)
	}
	obs := c.opts.Observer
	if obs != nil {
		if rawSize < 0 {
			rawSize = lgl.Size()
		}
		obs.BatchPulled(shard, b.Records(), rawSize)
	}
	err := c.handler.HandleBatch(c.ctx, b)
	if obs != nil {
		obs.BatchDone(shard, err)
	}
	if err != nil {
		// Not delivered: no checkpoint. The SDK calls Process again with the same batch (the handler has already
		// backed off), or, while shutting down, drops it; the next holder pulls it again from the checkpoint.
		return "", fmt.Errorf("shard %d: deliver batch: %w", shard, err)
	}
	// Delivered (empty batches too, so a drained read-only shard records its end and is released).
	c.pulled.drop(shard)
	err = t.SaveCheckPoint(true)
	if obs != nil {
		obs.Checkpointed(shard, err)
	}
	if err != nil {
		// The data is delivered; the SDK keeps the checkpoint pending and flushes it later. Returning an error here
		// would send the batch again.
		c.log.Warn("checkpoint save failed, will retry", zap.Int("shard", shard), zap.String("cursor", b.NextCursor), zap.Error(OneLine(err)))
	}
	return "", nil
}

// Shutdown is called when a shard worker ends (shard released, or our shutdown): a batch it could not deliver is
// dropped, freeing its slot; the next holder of the shard pulls it again from the checkpoint.
func (p processor) Shutdown(t consumerLibrary.CheckPointTracker) error {
	if shard, ok := p.c.trackers.LoadAndDelete(t); ok {
		p.c.pulled.drop(shard.(int))
	}
	return nil
}

func (c *Consumer) arena(shard int) *arena {
	if a, ok := c.arenas.Load(shard); ok {
		return a.(*arena)
	}
	a, _ := c.arenas.LoadOrStore(shard, &arena{})
	return a.(*arena)
}
