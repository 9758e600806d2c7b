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

// An expired checkpoint makes the Go consumer stall: PullLogs answers InvalidCursor forever and Process is never
// called with data (the library has no reset).
func TestConsumerStallsOnExpiredCheckpoint(t *testing.T) {
	t.Parallel()
	e := startEmu(t, 1, slsemu.Options{})
	c := e.client(t)
	if err := e.Generate(testProject, testLogstore, 100); err != nil {
		t.Fatal(err)
	}
	begin, err := c.GetCursor(testProject, testLogstore, 0, "begin")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateConsumerGroup(testProject, testLogstore, sls.ConsumerGroup{ConsumerGroupName: "cg", Timeout: 3}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateCheckpoint(testProject, testLogstore, "cg", "", 0, begin, true); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Expire(testProject, testLogstore, time.Now().Add(time.Second)); err != nil || n != 10 {
		t.Fatalf("expired %d groups (%v), want 10", n, err)
	}
	if err := e.Generate(testProject, testLogstore, 100); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	e.startWorker(t, rec, "w1", workerOpts{})
	waitFor(t, 10*time.Second, "3 InvalidCursor answers", func() bool {
		return e.Stats().Errors[slsemu.APIPullLogs]["InvalidCursor"] >= 3
	})
	if n := len(rec.counts()); n != 0 {
		t.Errorf("processed %d records from an expired checkpoint, want a stall", n)
	}
}
