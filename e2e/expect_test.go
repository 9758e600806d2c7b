package e2e

import (
	"strconv"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/harness"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// idKey is the content every test record carries with a unique decimal value: the emulator's generator numbers its
// records seq=1..N, and the hand-made records of the hostile test follow the same rule so that the ledger can count
// them too.
const idKey = "seq"

// want is what one SLS record must look like at the receiver.
type want struct {
	time  time.Time      // __time__ + nanoseconds, UTC, truncated to the microsecond
	pairs []record.Field // __topic__, __source__, __tag__:<key>..., contents, byte for byte

	cut      bool // the record is longer than SYSLOG_MAX_MESSAGE_BYTES: it must arrive truncated
	maxBytes int  // the limit it must then fit
}

// expectation is the set of records that must each arrive exactly once, by their seq value.
type expectation struct {
	bySeq map[string]*want
}

func (e *expectation) len() int { return len(e.bySeq) }

// expectGroups builds the expectation from log groups as the emulator stores them: the Python SDK's flattening
// order, __time__ and its nanosecond part as the TIMESTAMP, and every key and value byte for byte (invalid UTF-8
// included: the encoder escapes it as \xHH and kv.ParsePayload restores it).
func expectGroups(t testing.TB, groups []*sls.LogGroup) *expectation {
	t.Helper()
	e := &expectation{bySeq: make(map[string]*want)}
	for _, g := range groups {
		head := []record.Field{{Key: "__topic__", Value: g.GetTopic()}, {Key: "__source__", Value: g.GetSource()}}
		for _, tag := range g.LogTags {
			head = append(head, record.Field{Key: "__tag__:" + tag.GetKey(), Value: tag.GetValue()})
		}
		for _, l := range g.Logs {
			w := &want{time: time.Unix(int64(l.GetTime()), int64(l.GetTimeNs())).UTC().Truncate(time.Microsecond)}
			w.pairs = append(w.pairs, head...)
			seq := ""
			for _, c := range l.Contents {
				if c.GetKey() == idKey && seq == "" {
					seq = c.GetValue()
				}
				w.pairs = append(w.pairs, record.Field{Key: c.GetKey(), Value: c.GetValue()})
			}
			if seq == "" {
				t.Fatalf("record without %s field in group %q", idKey, g.GetTopic())
			}
			if _, dup := e.bySeq[seq]; dup {
				t.Fatalf("two records with %s=%s", idKey, seq)
			}
			e.bySeq[seq] = w
		}
	}
	return e
}

// pullAll reads every log group of every shard of the harness logstore back from the emulator with the unmodified
// Go SDK: the exact set siemship has to deliver.
func pullAll(t testing.TB, emu *harness.Emulator) []*sls.LogGroup {
	t.Helper()
	c := sls.CreateNormalInterface(emu.Endpoint, harness.KeyID, harness.Secret, "")
	hc := slsemu.HTTPClient(emu.URL)
	defer hc.CloseIdleConnections()
	c.SetHTTPClient(hc)
	c.SetRetryTimeout(10 * time.Second)
	ls := emu.Stats().Logstore(harness.Project, harness.Logstore)
	if ls == nil {
		t.Fatal("emulator has no harness logstore")
	}
	var out []*sls.LogGroup
	for _, sh := range ls.Shards {
		cursor, err := c.GetCursor(harness.Project, harness.Logstore, sh.ID, "begin")
		if err != nil {
			t.Fatalf("shard %d: begin cursor: %v", sh.ID, err)
		}
		for {
			lgl, meta, err := c.PullLogsWithQuery(&sls.PullLogRequest{Project: harness.Project, Logstore: harness.Logstore,
				ShardID: sh.ID, Cursor: cursor, LogGroupMaxCount: 1000})
			if err != nil {
				t.Fatalf("shard %d: pull: %v", sh.ID, err)
			}
			out = append(out, lgl.LogGroups...)
			if meta.NextCursor == cursor || len(lgl.LogGroups) == 0 {
				break
			}
			cursor = meta.NextCursor
		}
	}
	return out
}

// expectEmulator is the expectation for everything the harness logstore holds.
func expectEmulator(t testing.TB, emu *harness.Emulator) *expectation {
	t.Helper()
	return expectGroups(t, pullAll(t, emu))
}

// str is proto.String without the import.
func str(s string) *string { return &s }

// seqString formats a seq value.
func seqString(n int) string { return strconv.Itoa(n) }
