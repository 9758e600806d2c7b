//go:build !race

// These tests drive the SDK's consumer library, whose client (v0.1.131) initialises itself on first use from
// several shard goroutines without a lock (sls.Client.initHttpClient, client.go:124); the race detector reports
// it in some runs. They run without the race detector (scripts/test.sh runs such packages a second time).

package slsemu_test

import (
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/slsemu"
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

// The consumer library creates its group only when the worker is built. Deleted under it, the group stays gone:
// heartbeats fail with ConsumerGroupNotExist, and after the heartbeat timeout plus an interval the worker drops its
// shards. Recreated by someone else, the group gives the shards back to a new shard worker, which finds no checkpoint
// and starts at the configured position: with BEGIN_CURSOR everything is processed again. (siemship's consumer
// recreates the group and writes its checkpoints back; see internal/source/consumer/group.go.)
func TestConsumerGroupDeleted(t *testing.T) {
	t.Parallel()
	e := startEmu(t, 1, slsemu.Options{})
	if err := e.Generate(testProject, testLogstore, 50); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	e.startWorker(t, rec, "w1", workerOpts{})
	waitFor(t, 20*time.Second, "all 50 records", func() bool { return allSeen(rec, 50) })
	if err := e.DeleteGroup(testProject, testLogstore, "cg"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * time.Second) // heartbeat timeout 3 s plus an interval, and more
	st := e.Stats()
	if st.Logstore(testProject, testLogstore).Group("cg") != nil {
		t.Fatal("the consumer library recreated its group")
	}
	if n := st.Errors[slsemu.APIHeartbeat]["ConsumerGroupNotExist"]; n < 3 {
		t.Errorf("%d heartbeats answered ConsumerGroupNotExist, want one a second", n)
	}
	if err := e.client(t).CreateConsumerGroup(testProject, testLogstore, sls.ConsumerGroup{ConsumerGroupName: "cg", Timeout: 3}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the 50 records again", func() bool {
		for _, n := range rec.counts() {
			if n < 2 {
				return false
			}
		}
		return true
	})
}
