package slsemu_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// Each fault knob and what the unmodified SDK does about it.
func TestFaultsSDKReaction(t *testing.T) {
	t.Parallel()
	e := startEmu(t, 1, slsemu.Options{})
	c := e.client(t)
	if err := e.Generate(testProject, testLogstore, 20); err != nil {
		t.Fatal(err)
	}
	begin, err := c.GetCursor(testProject, testLogstore, 0, "begin")
	if err != nil {
		t.Fatal(err)
	}
	pull := func() (*sls.LogGroupList, error) {
		lgl, _, err := c.PullLogs(testProject, testLogstore, 0, begin, "", 100)
		return lgl, err
	}
	requests := func(api string) int64 { return e.Stats().Requests[api] }

	t.Run("5xx is retried by the SDK", func(t *testing.T) {
		before := requests(slsemu.APIPullLogs)
		e.FailNext(slsemu.APIPullLogs, 2, http.StatusInternalServerError, "InternalServerError")
		lgl, err := pull()
		if err != nil || len(seqs(t, lgl)) != 20 {
			t.Fatalf("pull after two 500s: %v", err)
		}
		if n := requests(slsemu.APIPullLogs) - before; n != 3 {
			t.Errorf("%d PullLogs requests, want 3 (two failures and the retry that succeeded)", n)
		}
	})
	t.Run("5xx on a write is retried too", func(t *testing.T) {
		e.FailNext(slsemu.APIPutLogs, 1, http.StatusServiceUnavailable, "ServerBusy")
		if err := c.PutLogs(testProject, testLogstore, logGroup(1000, 1)); err != nil {
			t.Fatalf("put after a 503: %v", err)
		}
		if n := e.Stats().Errors[slsemu.APIPutLogs]["ServerBusy"]; n != 1 {
			t.Errorf("ServerBusy answers = %d, want 1", n)
		}
	})
	t.Run("4xx is returned at once", func(t *testing.T) {
		before := requests(slsemu.APIPullLogs)
		e.FailNext(slsemu.APIPullLogs, 1, http.StatusBadRequest, "ParameterInvalid")
		_, err := pull()
		assertSLSError(t, err, 400, "ParameterInvalid")
		if n := requests(slsemu.APIPullLogs) - before; n != 1 {
			t.Errorf("%d PullLogs requests, want 1", n)
		}
	})
	t.Run("throttle gives 403 ReadQuotaExceed, not retried", func(t *testing.T) {
		e.Throttle(slsemu.APIPullLogs, 1)
		_, err := pull()
		assertSLSError(t, err, 403, "ReadQuotaExceed")
		if _, err := pull(); err != nil {
			t.Fatalf("pull after the throttle: %v", err)
		}
		e.Throttle(slsemu.APIPutLogs, 1)
		assertSLSError(t, c.PutLogs(testProject, testLogstore, logGroup(1001, 1)), 403, "WriteQuotaExceed")
	})
	t.Run("dropped connection is retried", func(t *testing.T) {
		e.DropNext(slsemu.APIPullLogs, 1)
		if _, err := pull(); err != nil {
			t.Fatalf("pull after a dropped connection: %v", err)
		}
		if n := e.Stats().Errors[slsemu.APIPullLogs]["dropped"]; n != 1 {
			t.Errorf("dropped = %d, want 1", n)
		}
	})
	t.Run("latency", func(t *testing.T) {
		e.SetLatency(slsemu.APIGetCursor, 300*time.Millisecond)
		start := time.Now()
		if _, err := c.GetCursor(testProject, testLogstore, 0, "end"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("GetCursor took %s with 300ms of injected latency", d)
		}
		e.SetLatency(slsemu.APIGetCursor, 0)
	})
	t.Run("any API and clear", func(t *testing.T) {
		e.FailNext(slsemu.AnyAPI, 5, http.StatusBadRequest, "Injected")
		_, err := c.ListShards(testProject, testLogstore)
		assertSLSError(t, err, 400, "Injected")
		e.ClearFaults()
		if _, err := c.ListShards(testProject, testLogstore); err != nil {
			t.Fatal(err)
		}
	})
}

// The spelling of ConsumerNotExist/ShardNotExist is what decides whether the Go library treats a failed checkpoint
// as "shard gone" (typo spelling) or as an error.
func TestFaultSpelling(t *testing.T) {
	e := startEmu(t, 2, slsemu.Options{})
	c := e.client(t)
	if err := c.CreateConsumerGroup(testProject, testLogstore, sls.ConsumerGroup{ConsumerGroupName: "cg", Timeout: 30}); err != nil {
		t.Fatal(err)
	}
	cp := slsemu.EncodeCursor(1)
	for _, tc := range []struct {
		spelling          slsemu.Spelling
		consumer, shardNE string
	}{
		{slsemu.SpellingTypo, "ConsumerNotExsit", "ShardNotExsit"},
		{slsemu.SpellingCorrect, "ConsumerNotExist", "ShardNotExist"},
	} {
		e.SetSpelling(tc.spelling)
		held, err := c.HeartBeat(testProject, testLogstore, "cg", "c1", nil)
		if err != nil || len(held) != 2 {
			t.Fatalf("heartbeat: %v %v", held, err)
		}
		if err := c.UpdateCheckpoint(testProject, testLogstore, "cg", "c1", 0, cp, false); err != nil {
			t.Fatalf("checkpoint by the owner: %v", err)
		}
		if err := e.ForgetConsumer(testProject, testLogstore, "cg", "c1"); err != nil {
			t.Fatal(err)
		}
		assertSLSError(t, c.UpdateCheckpoint(testProject, testLogstore, "cg", "c1", 0, cp, false), 400, tc.consumer)
		assertSLSError(t, c.UpdateCheckpoint(testProject, testLogstore, "cg", "c1", 9, cp, true), 400, tc.shardNE)
		// A forgotten consumer that still lists shards must start over with an empty heartbeat.
		_, err = c.HeartBeat(testProject, testLogstore, "cg", "c1", held)
		assertSLSError(t, err, 400, "NotExistConsumerWithBody")
	}
	if err := e.ForgetConsumer(testProject, testLogstore, "nope", "c1"); !errors.Is(err, slsemu.ErrNotFound) {
		t.Errorf("forget in an unknown group: %v", err)
	}
}
