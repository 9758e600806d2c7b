package consumer

import (
	"reflect"
	"testing"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"github.com/gogo/protobuf/proto"

	"github.com/siemship/siemship/internal/record"
)

func kv(k, v string) *sls.LogContent {
	return &sls.LogContent{Key: proto.String(k), Value: proto.String(v)}
}

func TestArenaConvert(t *testing.T) {
	lgl := &sls.LogGroupList{LogGroups: []*sls.LogGroup{
		{
			Topic: proto.String("t1"), Source: proto.String("10.0.0.1"),
			LogTags: []*sls.LogTag{{Key: proto.String("host"), Value: proto.String("h9")}},
			Logs: []*sls.Log{
				{Time: proto.Uint32(100), TimeNs: proto.Uint32(5), Contents: []*sls.LogContent{kv("a", "1"), kv("b", "2")}},
				nil,
				{Time: proto.Uint32(101), Contents: []*sls.LogContent{kv("c", "3"), nil}},
			},
		},
		nil,
		{Logs: []*sls.Log{{Time: proto.Uint32(7)}}},
	}}
	want := []record.Group{
		{Topic: "t1", Source: "10.0.0.1", Tags: []record.Field{{Key: "host", Value: "h9"}}, Logs: []record.Log{
			{Time: 100, TimeNs: 5, Contents: []record.Field{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}},
			{Time: 101, Contents: []record.Field{{Key: "c", Value: "3"}}},
		}},
		{Tags: []record.Field{}, Logs: []record.Log{{Time: 7, Contents: []record.Field{}}}},
	}
	var a arena
	for round := 0; round < 3; round++ { // reuse must not leak state between batches
		got := a.convert(lgl)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d:\n got %+v\nwant %+v", round, got, want)
		}
		if n := record.Count(got); n != 3 {
			t.Fatalf("count = %d, want 3", n)
		}
		if empty := a.convert(&sls.LogGroupList{}); len(empty) != 0 {
			t.Fatalf("empty list gave %d groups", len(empty))
		}
	}
	if got := a.convert(nil); len(got) != 0 {
		t.Fatalf("nil list gave %d groups", len(got))
	}
}

func BenchmarkArenaConvert(b *testing.B) {
	g := &sls.LogGroup{Topic: proto.String("t"), Source: proto.String("s"), LogTags: []*sls.LogTag{{Key: proto.String("k"), Value: proto.String("v")}}}
	for i := 0; i < 100; i++ {
		l := &sls.Log{Time: proto.Uint32(1)}
		for j := 0; j < 10; j++ {
			l.Contents = append(l.Contents, kv("key", "value"))
		}
		g.Logs = append(g.Logs, l)
	}
	lgl := &sls.LogGroupList{LogGroups: []*sls.LogGroup{g, g, g, g, g, g, g, g, g, g}}
	var a arena
	b.ReportAllocs()
	for b.Loop() {
		a.convert(lgl)
	}
}
