package telemetry

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// LagOptions configure the lag measurement.
type LagOptions struct {
	API    LagAPI
	Target LagTarget
	// Interval between two measurements (default 15 s). A scrape also asks for a measurement when the last one is
	// older than MinInterval (default 2 s), so that scrapes see fresh values without each one calling SLS.
	Interval, MinInterval time.Duration
}

// lagMonitor measures the lag in its own goroutine and exports the last measurement as a Prometheus collector.
type lagMonitor struct {
	o   LagOptions
	now func() time.Time
	log *zap.Logger

	kick chan struct{} // buffered 1: a measurement is wanted

	mu       sync.Mutex
	enabled  bool // the consumer joined its group (before that the group may not exist)
	last     []ShardLag
	measured time.Time // when last was taken; zero before the first success
	asked    time.Time // when a scrape last asked for a measurement
	errs     uint64

	secondsDesc, groupsDesc, measuredDesc, errorsDesc *prometheus.Desc
}

func newLagMonitor(o LagOptions, now func() time.Time, log *zap.Logger) (*lagMonitor, error) {
	if o.API == nil {
		return nil, errors.New("telemetry: lag measurement needs an SLS API")
	}
	if o.Interval <= 0 {
		o.Interval = 15 * time.Second
	}
	if o.MinInterval <= 0 {
		o.MinInterval = 2 * time.Second
	}
	return &lagMonitor{
		o: o, now: now, log: log, kick: make(chan struct{}, 1),
		secondsDesc: prometheus.NewDesc(MetricShardLagSeconds,
			"Seconds since SLS received the oldest log group the consumer group has not checkpointed, per shard (0 when caught up). Every replica reports every shard of the group.",
			[]string{"shard"}, nil),
		groupsDesc: prometheus.NewDesc(MetricShardLagLogGroups,
			"Log groups between the consumer group's checkpoint and the end of the shard.", []string{"shard"}, nil),
		measuredDesc: prometheus.NewDesc(MetricLagMeasured,
			"Unix time of the last successful lag measurement (0 before the first).", nil, nil),
		errorsDesc: prometheus.NewDesc(MetricLagErrors,
			"Lag measurements that failed in full or for some shards.", nil, nil),
	}, nil
}

func (m *lagMonitor) trigger() {
	m.mu.Lock()
	m.enabled = true
	m.mu.Unlock()
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// run measures every Interval and whenever asked, until ctx ends.
func (m *lagMonitor) run(ctx context.Context) {
	tick := time.NewTicker(m.o.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-m.kick:
		}
		m.mu.Lock()
		enabled := m.enabled
		m.mu.Unlock()
		if enabled {
			m.measure(ctx)
		}
	}
}

func (m *lagMonitor) measure(ctx context.Context) {
	lags, err := MeasureLag(ctx, m.o.API, m.o.Target, m.now())
	if ctx.Err() != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.errs++
		m.log.Warn("lag measurement failed", zap.Int("shards_measured", len(lags)), zap.Error(err))
		if len(lags) == 0 {
			return // keep the previous values rather than none
		}
	}
	m.last, m.measured = lags, m.now()
}

// Describe implements prometheus.Collector.
func (m *lagMonitor) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.secondsDesc
	ch <- m.groupsDesc
	ch <- m.measuredDesc
	ch <- m.errorsDesc
}

// Collect implements prometheus.Collector: it exports the last measurement and asks for a new one when it is older
// than MinInterval.
func (m *lagMonitor) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	last, measured, errs := m.last, m.measured, m.errs
	now := m.now()
	wanted := m.enabled && now.Sub(measured) >= m.o.MinInterval && now.Sub(m.asked) >= m.o.MinInterval
	if wanted {
		m.asked = now
	}
	m.mu.Unlock()
	if wanted {
		select {
		case m.kick <- struct{}{}:
		default:
		}
	}
	for _, l := range last {
		shard := strconv.Itoa(l.Shard)
		if l.Seconds >= 0 {
			ch <- prometheus.MustNewConstMetric(m.secondsDesc, prometheus.GaugeValue, l.Seconds, shard)
		}
		if l.LogGroups >= 0 {
			ch <- prometheus.MustNewConstMetric(m.groupsDesc, prometheus.GaugeValue, float64(l.LogGroups), shard)
		}
	}
	ts := 0.0
	if !measured.IsZero() {
		ts = float64(measured.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(m.measuredDesc, prometheus.GaugeValue, ts)
	ch <- prometheus.MustNewConstMetric(m.errorsDesc, prometheus.CounterValue, float64(errs))
}

// Lag returns the last measurement and when it was taken.
func (m *lagMonitor) snapshot() ([]ShardLag, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, m.measured
}
