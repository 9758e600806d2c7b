package slsemu_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	consumerLibrary "github.com/aliyun/aliyun-log-go-sdk/consumer"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// nopLogger satisfies the go-kit logger interface of LogHubConfig and discards everything.
type nopLogger struct{}

func (nopLogger) Log(...any) error { return nil }

// batch is one Process call as the test processor saw it.
type batch struct {
	order    int // global order of Process calls
	consumer string
	shard    int
	seqs     []int
	saveErr  error
}

// recorder is a Processor shared by the workers of a test: it records every batch and saves the checkpoint after
// each one (including empty batches, so that read-only shards can finish).
type recorder struct {
	mu      sync.Mutex
	batches []batch
	delay   map[int]time.Duration // per-shard sleep inside Process
}

type workerProcessor struct {
	rec  *recorder
	name string
	t    testing.TB
}

func (p *workerProcessor) Process(shard int, lgl *sls.LogGroupList, ct consumerLibrary.CheckPointTracker) (string, error) {
	s := seqs(p.t, lgl)
	p.rec.mu.Lock()
	d := p.rec.delay[shard]
	p.rec.mu.Unlock()
	if d > 0 && len(s) > 0 {
		time.Sleep(d)
	}
	err := ct.SaveCheckPoint(true)
	p.rec.mu.Lock()
	p.rec.batches = append(p.rec.batches, batch{order: len(p.rec.batches), consumer: p.name, shard: shard, seqs: s, saveErr: err})
	p.rec.mu.Unlock()
	return "", nil
}

func (p *workerProcessor) Shutdown(consumerLibrary.CheckPointTracker) error { return nil }

// counts returns how many times each seq was processed.
func (r *recorder) counts() map[int]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[int]int{}
	for _, b := range r.batches {
		for _, s := range b.seqs {
			m[s]++
		}
	}
	return m
}

func (r *recorder) snapshot() []batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

type workerOpts struct {
	group    string
	order    bool
	maxFetch int
}

// startWorker starts a consumer-library worker; it is stopped at cleanup unless stopped before.
func (e *emu) startWorker(t testing.TB, rec *recorder, name string, o workerOpts) (stop func()) {
	t.Helper()
	if o.group == "" {
		o.group = "cg"
	}
	if o.maxFetch == 0 {
		o.maxFetch = 100
	}
	hc := slsemu.HTTPClient(e.url)
	cfg := consumerLibrary.LogHubConfig{
		Endpoint:                  e.endpoint,
		AccessKeyID:               testKeyID,
		AccessKeySecret:           testSecret,
		Project:                   testProject,
		Logstore:                  testLogstore,
		ConsumerGroupName:         o.group,
		ConsumerName:              name,
		CursorPosition:            consumerLibrary.BEGIN_CURSOR,
		HeartbeatIntervalInSecond: 1,
		DataFetchIntervalInMs:     50,
		MaxFetchLogGroupCount:     o.maxFetch,
		InOrder:                   o.order,
		AutoCommitDisabled:        true,
		HTTPClient:                hc,
		Logger:                    nopLogger{},
		DisableRuntimeMetrics:     true,
	}
	w := consumerLibrary.InitConsumerWorkerWithProcessor(cfg, &workerProcessor{rec: rec, name: name, t: t})
	w.Start()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			w.StopAndWait()
			hc.CloseIdleConnections()
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond every 50 ms until it holds or the timeout expires.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allSeen reports whether every seq in 1..n was processed at least once.
func allSeen(rec *recorder, n int) bool {
	c := rec.counts()
	for i := 1; i <= n; i++ {
		if c[i] == 0 {
			return false
		}
	}
	return true
}

func (e *emu) assignment(t testing.TB, group string) map[string][]int {
	t.Helper()
	ls := e.Stats().Logstore(testProject, testLogstore)
	g := ls.Group(group)
	if g == nil {
		return nil
	}
	return g.Consumers
}

func assertExactlyOnce(t testing.TB, rec *recorder, n int) {
	t.Helper()
	c := rec.counts()
	var missing, dup []int
	for i := 1; i <= n; i++ {
		switch {
		case c[i] == 0:
			missing = append(missing, i)
		case c[i] > 1:
			dup = append(dup, i)
		}
	}
	if len(c) != n {
		t.Errorf("%d distinct seqs processed, want %d", len(c), n)
	}
	if len(missing) > 0 || len(dup) > 0 {
		t.Fatalf("missing %d seqs (first %v), duplicated %d (first %v)", len(missing), head(missing), len(dup), head(dup))
	}
}

func head(s []int) []int { return s[:min(len(s), 5)] }

func heldCounts(a map[string][]int) []int {
	var out []int
	for _, s := range a {
		out = append(out, len(s))
	}
	slices.Sort(out)
	return out
}
