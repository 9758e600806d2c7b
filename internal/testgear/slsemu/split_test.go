package slsemu_test

import (
	"sync"
	"testing"
	"time"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// SplitShard through the SLS API: the parent becomes read-only, writes go to the children, and the parent can still
// be drained to its end.
func TestSDKSplitShard(t *testing.T) {
	e := startEmu(t, 1, slsemu.Options{})
	c := e.client(t)
	for i := range 4 {
		if err := c.PutLogs(testProject, testLogstore, logGroup(i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	shards, err := c.SplitShard(testProject, testLogstore, 0, "40000000000000000000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if len(shards) != 3 || shards[0].Status != "readonly" || shards[1].ShardID != 1 || shards[2].ShardID != 2 ||
		shards[1].ExclusiveBeginKey != "40000000000000000000000000000000" || shards[2].InclusiveBeginKey != "40000000000000000000000000000000" {
		t.Fatalf("split answer = %+v %+v %+v", *shards[0], *shards[1], *shards[2])
	}
	if _, err := c.SplitShard(testProject, testLogstore, 0, ""); err == nil {
		t.Error("second split of the same shard succeeded")
	}
	for i := range 6 {
		if err := c.PutLogs(testProject, testLogstore, logGroup(100+i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	st := e.Stats().Logstore(testProject, testLogstore)
	if st.Shard(0).LogGroups != 4 || st.Shard(1).LogGroups+st.Shard(2).LogGroups != 6 || st.Shard(1).LogGroups == 0 {
		t.Errorf("log groups per shard: %d %d %d", st.Shard(0).LogGroups, st.Shard(1).LogGroups, st.Shard(2).LogGroups)
	}
	if st.Shard(1).Status != "readwrite" || st.Shard(0).Status != "readonly" || st.Shard(2).Parents[0] != 0 {
		t.Errorf("shard stats %+v", st.Shards)
	}
	begin, _ := c.GetCursor(testProject, testLogstore, 0, "begin")
	lgl, next, err := c.PullLogs(testProject, testLogstore, 0, begin, "", 100)
	if err != nil || len(seqs(t, lgl)) != 4 {
		t.Fatalf("drain the parent: %v", err)
	}
	if _, again, err := c.PullLogs(testProject, testLogstore, 0, next, "", 100); err != nil || again != next {
		t.Fatalf("pull at the end of the read-only parent: next %s, want %s (%v)", again, next, err)
	}
}

// Data older than the retention is gone: its cursors give InvalidCursor and "begin" moves forward.
func TestRetention(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	e := startEmu(t, 1, slsemu.Options{Now: clock})
	if err := e.AddLogstore(testProject, "short", 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	if err := e.Generate(testProject, "short", 30); err != nil {
		t.Fatal(err)
	}
	old, _ := c.GetCursor(testProject, "short", 0, "begin")
	advance(50 * time.Minute)
	if err := e.Generate(testProject, "short", 20); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.PullLogs(testProject, "short", 0, old, "", 10); err != nil {
		t.Fatalf("pull within the retention: %v", err)
	}
	advance(20 * time.Minute)
	_, _, err := c.PullLogs(testProject, "short", 0, old, "", 10)
	assertSLSError(t, err, 400, "InvalidCursor")
	begin, _ := c.GetCursor(testProject, "short", 0, "begin")
	lgl, _, err := c.PullLogs(testProject, "short", 0, begin, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(t, lgl); len(got) != 20 || got[0] != 31 {
		t.Errorf("after expiry the shard holds seqs %v, want 31..50", got)
	}
	if st := e.Stats().Logstore(testProject, "short").Shard(0); st.Expired != 3 || st.LogGroups != 2 || st.Logs != 20 {
		t.Errorf("stats after expiry: %+v", st)
	}
	// The logstore without retention keeps everything.
	if err := e.Generate(testProject, testLogstore, 10); err != nil {
		t.Fatal(err)
	}
	advance(1000 * time.Hour)
	if st := e.Stats().Logstore(testProject, testLogstore).Shard(0); st.Logs != 10 {
		t.Errorf("logstore without retention lost data: %+v", st)
	}
}
