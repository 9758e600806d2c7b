//go:build !race

// These tests drive the SDK's consumer library, whose client (v0.1.131) initialises itself on first use from
// several shard goroutines without a lock (sls.Client.initHttpClient, client.go:124); the race detector reports
// it in some runs. They run without the race detector (scripts/test.sh runs such packages a second time).

package slsemu_test

import (
	"testing"
	"time"

	"github.com/siemship/siemship/internal/slsemu"
)

// A 403 on PullLogs makes the consumer library sleep 5 s before its next attempt; consumption then completes.
func TestConsumerThrottlePause(t *testing.T) {
	t.Parallel()
	e := startEmu(t, 1, slsemu.Options{})
	if err := e.Generate(testProject, testLogstore, 50); err != nil {
		t.Fatal(err)
	}
	e.Throttle(slsemu.APIPullLogs, 1)
	rec := &recorder{}
	start := time.Now()
	e.startWorker(t, rec, "w1", workerOpts{})
	waitFor(t, 20*time.Second, "all 50 records", func() bool { return allSeen(rec, 50) })
	if d := time.Since(start); d < 5*time.Second {
		t.Errorf("consumed in %s despite a 403: the library should have paused 5 s", d)
	}
	if n := e.Stats().Errors[slsemu.APIPullLogs]["ReadQuotaExceed"]; n != 1 {
		t.Errorf("ReadQuotaExceed answers = %d, want 1", n)
	}
	assertExactlyOnce(t, rec, 50)
}

// A few 5xx answers on PullLogs cost SDK retries with backoff but no data.
func TestConsumer5xxRetried(t *testing.T) {
	t.Parallel()
	e := startEmu(t, 2, slsemu.Options{})
	if err := e.Generate(testProject, testLogstore, 200); err != nil {
		t.Fatal(err)
	}
	e.FailNext(slsemu.APIPullLogs, 3, 502, "BadGateway")
	rec := &recorder{}
	e.startWorker(t, rec, "w1", workerOpts{})
	waitFor(t, 20*time.Second, "all 200 records", func() bool { return allSeen(rec, 200) })
	assertExactlyOnce(t, rec, 200)
	if n := e.Stats().Errors[slsemu.APIPullLogs]["BadGateway"]; n != 3 {
		t.Errorf("BadGateway answers = %d, want 3", n)
	}
}
