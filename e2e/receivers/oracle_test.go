package receivers

import (
	"strconv"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// want is what a receiver must report for one record.
type want struct {
	time  time.Time      // __time__ plus the nanosecond part, UTC, truncated to the microsecond
	pairs []record.Field // the payload's pairs in order, byte for byte (invalid UTF-8 included)
}

// expected reads every record back from the emulator with the unmodified SDK (independently of siemship's consumer)
// and returns what the receiver must report for it, keyed by the record's seq field.
//
// The payload rule is the issue's: __topic__, __source__, __tag__:<key> per tag, then the contents in order,
// every key and value exactly as stored (the encoder escapes invalid UTF-8 as \xHH, kv.ParsePayload restores it).
func expected(t *testing.T, e *harness.Emulator) map[uint64]want {
	t.Helper()
	out := map[uint64]want{}
	for _, r := range pullAll(t, e) {
		_, w := expect(r.group, r.log)
		out[r.seq] = w
	}
	return out
}

// pulled is one log as the emulator serves it, with its log group and its seq field.
type pulled struct {
	seq   uint64
	group *sls.LogGroup
	log   *sls.Log
}

// pullAll reads every log back from the emulator with the unmodified SDK (independently of siemship's consumer),
// shard by shard from the begin cursor to the end cursor. Every log must carry a seq field, each value once.
func pullAll(t *testing.T, e *harness.Emulator) []pulled {
	t.Helper()
	c := sls.CreateNormalInterface(e.Endpoint, harness.KeyID, harness.Secret, "")
	hc := slsemu.HTTPClient(e.URL)
	defer hc.CloseIdleConnections()
	c.SetHTTPClient(hc)
	c.SetRetryTimeout(10 * time.Second)
	shards, err := c.ListShards(harness.Project, harness.Logstore)
	if err != nil {
		t.Fatalf("list shards: %v", err)
	}
	var out []pulled
	seen := map[uint64]bool{}
	for _, sh := range shards {
		cursor, err := c.GetCursor(harness.Project, harness.Logstore, sh.ShardID, "begin")
		if err != nil {
			t.Fatalf("shard %d begin cursor: %v", sh.ShardID, err)
		}
		end, err := c.GetCursor(harness.Project, harness.Logstore, sh.ShardID, "end")
		if err != nil {
			t.Fatalf("shard %d end cursor: %v", sh.ShardID, err)
		}
		for cursor != end {
			gl, next, err := c.PullLogs(harness.Project, harness.Logstore, sh.ShardID, cursor, end, 100)
			if err != nil {
				t.Fatalf("shard %d pull at %s: %v", sh.ShardID, cursor, err)
			}
			if next == cursor {
				t.Fatalf("shard %d: no progress at %s before the end cursor %s", sh.ShardID, cursor, end)
			}
			for _, g := range gl.LogGroups {
				for _, l := range g.Logs {
					seq, _ := expect(g, l)
					if seq == 0 {
						t.Fatalf("shard %d: a record without a seq field: %v", sh.ShardID, l.Contents)
					}
					if seen[seq] {
						t.Fatalf("seq %d stored twice in the emulator", seq)
					}
					seen[seq] = true
					out = append(out, pulled{seq: seq, group: g, log: l})
				}
			}
			cursor = next
		}
	}
	return out
}

// expect computes the expectation for one log of a group and returns it with the log's seq (0 when it has none).
func expect(g *sls.LogGroup, l *sls.Log) (uint64, want) {
	pairs := []record.Field{{Key: "__topic__", Value: g.GetTopic()}, {Key: "__source__", Value: g.GetSource()}}
	for _, tag := range g.LogTags {
		pairs = append(pairs, record.Field{Key: "__tag__:" + tag.GetKey(), Value: tag.GetValue()})
	}
	var seq uint64
	for _, c := range l.Contents {
		if c.GetKey() == "seq" && seq == 0 {
			seq, _ = strconv.ParseUint(c.GetValue(), 10, 64)
		}
		pairs = append(pairs, record.Field{Key: c.GetKey(), Value: c.GetValue()})
	}
	ts := time.Unix(int64(l.GetTime()), int64(l.GetTimeNs())).UTC().Truncate(time.Microsecond)
	return seq, want{time: ts, pairs: pairs}
}

// generate adds n generated records (seq continuing from the last one) in chunks, so that the records carry a few
// distinct timestamps (the generator stamps every record of one call with the same time).
func generate(t *testing.T, e *harness.Emulator, n, chunks int) {
	t.Helper()
	for i := range chunks {
		k := n / chunks
		if i == chunks-1 {
			k = n - k*(chunks-1)
		}
		if err := e.Generate(harness.Project, harness.Logstore, k); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
}
