package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"

	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/pipeline"
	"github.com/siemship/siemship/internal/sink"
	"github.com/siemship/siemship/internal/source/consumer"
)

// Pipeline is what Telemetry reads from the pipeline; *pipeline.Pipeline implements it.
type Pipeline interface {
	Stats() pipeline.Stats
}

// Destination is what Telemetry reads from the sink (a part of pipeline.Sink).
type Destination interface {
	Addr() string
	Stats() sink.Stats
	// Health tells whether the receiver resets or refuses the recent connections, which a Send that succeeds in
	// write or ack mode does not show.
	Health() sink.Health
}

// Options configure Telemetry.
type Options struct {
	Version     string // for siemship_build_info; empty takes the main module's version from the build info
	Addr        string // host:port of /metrics, /healthz and /readyz (SIEMSHIP_HTTP_ADDR); empty serves nothing
	Destination Destination
	// Check, when not nil, probes the destination for /readyz when no send attempt told whether it is reachable
	// for CheckInterval (default 30 s).
	Check         func(ctx context.Context) error
	CheckInterval time.Duration
	// StallAfter is how long a batch may stay in delivery while no send attempt ends before /healthz fails
	// (default 2 min). Keep it well above the longest wait between two attempts: retry backoff plus the syslog
	// reconnect backoff plus the dial or write timeout.
	StallAfter time.Duration
	Logger     *zap.Logger

	now func() time.Time // tests
}

// Telemetry owns the metrics registry, the health state, the lag measurement and the HTTP server. It implements
// pipeline.Observer and consumer.Observer. Build it with New, then WatchPipeline and WatchLag as those parts exist
// (the pipeline and the consumer take Telemetry as their observer, so they are built after it); Start and Shutdown
// run the background loops and the server.
type Telemetry struct {
	o      Options
	log    *zap.Logger
	reg    *prometheus.Registry
	health *health
	lag    *lagMonitor // nil until WatchLag

	pulledRecords, pulledBytes prometheus.Counter
	writeOK, writeErr          prometheus.Observer
	checkpointOK, checkpointEr prometheus.Counter
	expired                    *prometheus.CounterVec
	badAnswers                 *prometheus.CounterVec
	recreations                *prometheus.CounterVec
	foreign                    prometheus.Counter

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	loops   sync.WaitGroup
	srv     *http.Server
	ln      net.Listener
	served  chan struct{}
}

// New builds the registry and registers the metrics that need neither the pipeline nor the consumer; nothing runs
// until Start.
func New(o Options) (*Telemetry, error) {
	if o.Destination == nil {
		return nil, errors.New("telemetry: a destination is required")
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = 30 * time.Second
	}
	if o.StallAfter <= 0 {
		o.StallAfter = 2 * time.Minute
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.Version == "" {
		o.Version = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			o.Version = bi.Main.Version
		}
	}
	l := o.Logger
	if l == nil {
		l = zap.NewNop()
	}
	t := &Telemetry{o: o, log: l, reg: prometheus.NewRegistry(), health: newHealth(o.now, o.StallAfter, o.Destination.Health)}
	if err := t.register(); err != nil {
		return nil, err
	}
	return t, nil
}

// Registry returns the private registry (never the global one) that /metrics serves.
func (t *Telemetry) Registry() *prometheus.Registry { return t.reg }

// WatchPipeline exports the pipeline's counters. Call it once, before Start.
func (t *Telemetry) WatchPipeline(p Pipeline) error {
	counter := func(name, help string, f func(pipeline.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(p.Stats())) })
	}
	return t.registerAll(
		counter(MetricRecordsSent, "Records delivered to the syslog destination.", func(s pipeline.Stats) uint64 { return s.Records }),
		counter(MetricBytesSent, "Syslog frame bytes delivered (framing included).", func(s pipeline.Stats) uint64 { return s.Bytes }),
		counter(MetricRecordsTruncated, "Records cut to SYSLOG_MAX_MESSAGE_BYTES (sent, not dropped).", func(s pipeline.Stats) uint64 { return s.Truncated }),
		counter(MetricRecordsSanitized, "Records with a key or value escaped (control characters, invalid UTF-8, separators).", func(s pipeline.Stats) uint64 { return s.Sanitized }),
		counter(MetricRecordsFiltered, "Records a rule of SIEMSHIP_RULES_FILE dropped, in delivered batches: not sent, checkpointed as delivered (SLS_QUERY filters inside SLS and is not counted).", func(s pipeline.Stats) uint64 { return s.Filtered }),
		counter(MetricBatchesDelivered, "Batches delivered (empty ones included), each followed by a checkpoint.", func(s pipeline.Stats) uint64 { return s.Batches }),
		counter(MetricSendFailures, "Failed attempts to send a batch; each is followed by a resend of the whole batch.", func(s pipeline.Stats) uint64 { return s.Failures }),
	)
}

// WatchRules exports what each rule of the rules file did (counts returns them; nil: no rules). Call it at most
// once, before Start.
func (t *Telemetry) WatchRules(counts func() []mapping.RuleCount) error {
	return t.reg.Register(&ruleCollector{counts: counts})
}

// ruleCollector reads the rules' counters when scraped.
type ruleCollector struct{ counts func() []mapping.RuleCount }

var (
	ruleMatchedDesc = prometheus.NewDesc(MetricRulesMatched, "Records that matched a rule of SIEMSHIP_RULES_FILE (the first matching rule only).", []string{"rule"}, nil)
	ruleDroppedDesc = prometheus.NewDesc(MetricRulesDropped, "Records a drop rule removed (not sent, checkpointed as delivered).", []string{"rule"}, nil)
)

func (c *ruleCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- ruleMatchedDesc
	ch <- ruleDroppedDesc
}

func (c *ruleCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.counts() {
		ch <- prometheus.MustNewConstMetric(ruleMatchedDesc, prometheus.CounterValue, float64(r.Matched), r.Name)
		ch <- prometheus.MustNewConstMetric(ruleDroppedDesc, prometheus.CounterValue, float64(r.Dropped), r.Name)
	}
}

// WatchLag measures the consumer group's lag per shard (every o.Interval and when scraped) once
// SetConsumerStarted was called. Call it at most once, before Start.
func (t *Telemetry) WatchLag(o LagOptions) error {
	if t.lag != nil {
		return errors.New("telemetry: lag already watched")
	}
	lm, err := newLagMonitor(o, t.o.now, t.log.Named("lag"))
	if err != nil {
		return err
	}
	if err := t.reg.Register(lm); err != nil {
		return err
	}
	t.lag = lm
	return nil
}

func (t *Telemetry) registerAll(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := t.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// register registers the metrics that need neither the pipeline nor the consumer.
func (t *Telemetry) register() error {
	d := t.o.Destination
	counter := func(name, help string, f func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) })
	}
	dest := prometheus.Labels{"destination": d.Addr()}
	destCounter := func(name, help string, f func(sink.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: dest},
			func() float64 { return float64(f(d.Stats())) })
	}
	t.pulledRecords = prometheus.NewCounter(prometheus.CounterOpts{Name: MetricRecordsPulled,
		Help: "Records handed over by the SLS consumer to the pipeline (a batch handed over again after a failed delivery counts again)."})
	t.pulledBytes = prometheus.NewCounter(prometheus.CounterOpts{Name: MetricBytesPulled,
		Help: "Uncompressed protobuf bytes of the log groups handed over by the SLS consumer."})
	write := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricWriteDuration,
		Help:    "Duration of one attempt to send a batch to the syslog destination (connect included when needed), by result.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"result"})
	t.writeOK, t.writeErr = write.WithLabelValues("ok"), write.WithLabelValues("error")
	ackLatency := prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricAckLatency, ConstLabels: dest,
		Help:    "Time from the destination's acceptance of a request to the poll that found it indexed (hec with indexer acknowledgement; no samples otherwise).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}})
	if r, ok := d.(sink.AckReporter); ok {
		r.OnAck(func(d time.Duration) { ackLatency.Observe(d.Seconds()) })
	}
	commits := prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricCheckpointCommits,
		Help: "Checkpoint saves after a delivered batch (SaveCheckPoint), by result; a failed save is retried by the SDK."}, []string{"result"})
	t.checkpointOK, t.checkpointEr = commits.WithLabelValues("ok"), commits.WithLabelValues("error")
	t.expired = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricExpiredCheckpoints,
		Help: "Shards whose checkpoint pointed at data SLS no longer retains, by SLS_EXPIRED_CURSOR policy (begin and end: checkpoint reset; fail: siemship stopped)."}, []string{"policy"})
	for _, p := range []string{"begin", "end", "fail"} {
		t.expired.WithLabelValues(p)
	}
	t.badAnswers = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricSLSBadAnswers,
		Help: "PullLogs answers siemship refused (retried with backoff, the checkpoint stays), by reason."}, []string{"reason"})
	for _, r := range consumer.BadAnswerReasons {
		t.badAnswers.WithLabelValues(r)
	}
	t.recreations = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricGroupRecreations,
		Help: "Attempts to recreate the consumer group after SLS said it does not exist, by result (ok; refused: SLS said no, e.g. no permission; error: SLS could not be asked)."}, []string{"result"})
	for _, r := range []string{"ok", "refused", "error"} {
		t.recreations.WithLabelValues(r)
	}
	t.foreign = prometheus.NewCounter(prometheus.CounterOpts{Name: MetricForeignCheckpoints,
		Help: "Checkpoints of shards this process holds found written by another process: usually a second process with the same SLS_CONSUMER_NAME."})
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricBuildInfo, Help: "Always 1; the labels tell the version.",
		ConstLabels: prometheus.Labels{"version": t.o.Version, "goversion": runtime.Version()}})
	buildInfo.Set(1)
	return t.registerAll(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
		t.pulledRecords, t.pulledBytes, write, ackLatency, commits, t.expired, t.badAnswers, t.recreations, t.foreign,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricGroupMissing,
			Help: "1 while the consumer group does not exist and siemship could not recreate it (nothing is shipped), else 0."},
			func() float64 { return boolFloat(t.health.missingGroup() != "") }),
		// siemship never drops a record: a batch is resent until delivered. Exported so that dashboards can show it.
		counter(MetricRecordsDropped, "Records given up on. Always 0: siemship resends a batch until it is delivered.", func() uint64 { return 0 }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricConnectionsOpen, Help: "Open connections (sockets for udp) to the syslog destination.", ConstLabels: dest},
			func() float64 { return float64(d.Stats().OpenConnections) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricDestinationUp, ConstLabels: dest,
			Help: "1 when the last send attempt or reachability check of the syslog destination succeeded and its most recent connection was not lost (reset by the receiver, refused, timed out), else 0."},
			func() float64 { return boolFloat(t.health.reachable()) }),
		destCounter(MetricConnects, "Connections established to the syslog destination.", func(s sink.Stats) uint64 { return s.Connects }),
		destCounter(MetricReconnects, "Connections established to replace a discarded one.", func(s sink.Stats) uint64 { return s.Reconnects }),
		destCounter(MetricConnectErrors, "Failed dials and TLS handshakes to the syslog destination.", func(s sink.Stats) uint64 { return s.ConnectErrors }),
		destCounter(MetricConnectionsDiscarded, "Connections closed after a write error or because the peer had closed them.", func(s sink.Stats) uint64 { return s.Discarded }),
		destCounter(MetricPeerResets, "Connections the syslog receiver reset (found before a write, by a write or confirmation, or by a reachability check).",
			func(s sink.Stats) uint64 { return s.PeerResets }),
		destCounter(MetricResetsAfterDelivery, "Batches counted as delivered (SYSLOG_CONFIRM=write or ack) whose connection the receiver reset before it was used again: lost unless the receiver had read them.",
			func(s sink.Stats) uint64 { return s.ResetsAfterDelivery }),
		destCounter(MetricDestinationRequests, "HTTP requests that carried events (hec; 0 for syslog).", func(s sink.Stats) uint64 { return s.Requests }),
		destCounter(MetricDeadLettered, "Events the destination refused as invalid, written to HEC_DEAD_LETTER_FILE (hec).", func(s sink.Stats) uint64 { return s.DeadLettered }),
		destCounter(MetricAckTimeouts, "Batches sent again because their indexer acknowledgements did not come within HEC_ACK_TIMEOUT (hec): their events may be duplicated.",
			func(s sink.Stats) uint64 { return s.AckTimeouts }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricPendingAcks, Help: "Indexer acknowledgements being waited for now (hec).", ConstLabels: dest},
			func() float64 { return float64(d.Stats().PendingAcks) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricReady, Help: "1 when /readyz answers 200, else 0."},
			func() float64 { _, ok := t.health.ready(); return boolFloat(ok) }),
	)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ObserveSend implements pipeline.Observer.
func (t *Telemetry) ObserveSend(shard int, d time.Duration, records, bytes int, err error) {
	if err == nil {
		t.writeOK.Observe(d.Seconds())
	} else {
		t.writeErr.Observe(d.Seconds())
	}
	t.health.sendResult(shard, err)
}

// BatchPulled implements consumer.Observer.
func (t *Telemetry) BatchPulled(shard, records, bytes int) {
	t.pulledRecords.Add(float64(records))
	t.pulledBytes.Add(float64(bytes))
	t.health.batchPulled(shard)
}

// BatchDone implements consumer.Observer.
func (t *Telemetry) BatchDone(shard int, err error) { t.health.batchDone(shard) }

// Checkpointed implements consumer.Observer.
func (t *Telemetry) Checkpointed(shard int, err error) {
	if err == nil {
		t.checkpointOK.Inc()
	} else {
		t.checkpointEr.Inc()
	}
}

// CheckpointExpired implements consumer.ExpiredObserver.
func (t *Telemetry) CheckpointExpired(shard int, policy string) {
	t.expired.WithLabelValues(policy).Inc()
}

// BadAnswer implements consumer.BadAnswerObserver.
func (t *Telemetry) BadAnswer(shard int, reason string) {
	t.badAnswers.WithLabelValues(reason).Inc()
}

// GroupMissing implements consumer.GroupObserver.
func (t *Telemetry) GroupMissing(err error) { t.health.setGroupMissing(err) }

// GroupRecreation implements consumer.GroupObserver.
func (t *Telemetry) GroupRecreation(result string) { t.recreations.WithLabelValues(result).Inc() }

// ForeignCheckpoint implements consumer.GroupObserver.
func (t *Telemetry) ForeignCheckpoint(shard int) { t.foreign.Inc() }

// CheckResult records the outcome of a reachability check of the destination made elsewhere (at start-up).
func (t *Telemetry) CheckResult(err error) { t.health.sendResult(-1, err) }

// SetConsumerStarted tells readiness (and the lag measurement) that the consumer joined its group.
func (t *Telemetry) SetConsumerStarted() {
	t.health.started.Store(true)
	if t.lag != nil {
		t.lag.trigger()
	}
}

// SetStopping makes /readyz fail from the start of the shutdown on.
func (t *Telemetry) SetStopping() { t.health.stopping.Store(true) }
