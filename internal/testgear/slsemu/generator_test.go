package slsemu_test

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/testgear/slsemu"
)

func TestGenerator(t *testing.T) {
	e := startEmu(t, 3, slsemu.Options{})
	c := e.client(t)
	const n = 3005
	if err := e.Generate(testProject, testLogstore, n); err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	logs, bytes := 0, 0
	for shard := range 3 {
		cursor, err := c.GetCursor(testProject, testLogstore, shard, "begin")
		if err != nil {
			t.Fatal(err)
		}
		for {
			lgl, next, err := c.PullLogs(testProject, testLogstore, shard, cursor, "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range lgl.LogGroups {
				if g.GetTopic() == "" || g.GetSource() == "" {
					t.Fatalf("group without topic or source: %q %q", g.GetTopic(), g.GetSource())
				}
				tags := map[string]string{}
				for _, tg := range g.LogTags {
					tags[tg.GetKey()] = tg.GetValue()
				}
				if tags["__hostname__"] == "" || tags["__receive_time__"] == "" || tags["__pack_id__"] == "" {
					t.Fatalf("tags = %v", tags)
				}
				if len(g.Logs) > 10 {
					t.Fatalf("%d logs in a group, want at most 10", len(g.Logs))
				}
				for _, l := range g.Logs {
					if k := len(l.Contents); k < 8 || k > 15 {
						t.Fatalf("%d fields, want 8 to 15", k)
					}
					if l.GetTime() == 0 {
						t.Fatal("log without time")
					}
					size, _ := l.Marshal()
					bytes += len(size)
					logs++
					keys := []string{}
					for _, f := range l.Contents {
						keys = append(keys, f.GetKey())
					}
					if keys[0] != "seq" || !strings.Contains(strings.Join(keys, ","), "eventName") {
						t.Fatalf("fields %v", keys)
					}
				}
			}
			for _, s := range seqs(t, lgl) {
				seen[s]++
			}
			if next == cursor {
				break
			}
			cursor = next
		}
	}
	if logs != n || len(seen) != n {
		t.Fatalf("%d logs, %d distinct seqs, want %d", logs, len(seen), n)
	}
	for i := 1; i <= n; i++ {
		if seen[i] != 1 {
			t.Fatalf("seq %d seen %d times", i, seen[i])
		}
	}
	avg := bytes / logs
	t.Logf("average encoded record: %d bytes", avg)
	if avg < 250 || avg > 350 {
		t.Errorf("average record size %d bytes, want about 300", avg)
	}
	st := e.Stats().Logstore(testProject, testLogstore)
	if st.Generated != n {
		t.Errorf("Generated = %d", st.Generated)
	}
	for _, sh := range st.Shards {
		if sh.LogGroups < 100 || sh.LogGroups > 101 {
			t.Errorf("shard %d has %d groups, want the 301 groups spread evenly", sh.ID, sh.LogGroups)
		}
	}
}

func TestProducer(t *testing.T) {
	e := startEmu(t, 2, slsemu.Options{})
	if err := e.StartProducer(testProject, testLogstore, 200); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the producer to add 100 records", func() bool {
		return e.Stats().Logstore(testProject, testLogstore).Generated >= 100
	})
	if err := e.StartProducer(testProject, testLogstore, 0); err == nil {
		t.Error("a zero rate was accepted")
	}
	if err := e.StartProducer(testProject, "nope", 1); err == nil {
		t.Error("an unknown logstore was accepted")
	}
}

// GeneratedList is the generator's records as one serialized LogGroupList: the SDK decodes it, groups hold
// perGroup records (the last one the rest), seq runs 1..n, and the same seed gives the same bytes.
func TestGeneratedList(t *testing.T) {
	raw := slsemu.GeneratedList(25, 10, 7)
	if !bytes.Equal(raw, slsemu.GeneratedList(25, 10, 7)) {
		t.Error("the same seed gave different lists")
	}
	if bytes.Equal(raw, slsemu.GeneratedList(25, 10, 8)) {
		t.Error("different seeds gave the same list")
	}
	lgl, err := sls.LogsBytesDecode(raw)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	seq := 0
	for _, g := range lgl.LogGroups {
		sizes = append(sizes, len(g.Logs))
		for _, l := range g.Logs {
			seq++
			if got := l.Contents[0]; got.GetKey() != "seq" || got.GetValue() != strconv.Itoa(seq) {
				t.Fatalf("record %d starts with %s=%s, want seq=%d", seq, got.GetKey(), got.GetValue(), seq)
			}
		}
	}
	if !slices.Equal(sizes, []int{10, 10, 5}) {
		t.Errorf("group sizes %v, want [10 10 5]", sizes)
	}
}
