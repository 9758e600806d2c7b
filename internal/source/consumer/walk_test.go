package consumer

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"github.com/gogo/protobuf/proto"

	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/slsemu"
)

// walkLists are LogGroupLists whose serialized form the walker must read exactly as the SDK's decoder does.
func walkLists() map[string]*sls.LogGroupList {
	full := &sls.LogGroupList{LogGroups: []*sls.LogGroup{
		{
			Topic: proto.String("t1"), Source: proto.String("10.0.0.1"), Category: proto.String("ignored"),
			MachineUUID: proto.String("ignored too"),
			LogTags:     []*sls.LogTag{{Key: proto.String("__hostname__"), Value: proto.String("h9")}, {Key: proto.String("k"), Value: proto.String("")}},
			Logs: []*sls.Log{
				{Time: proto.Uint32(1700000000), TimeNs: proto.Uint32(123456789), Contents: []*sls.LogContent{kv("a", "1"), kv("b", "ünïcode\x00\n")}},
				{Time: proto.Uint32(1700000001), Contents: []*sls.LogContent{kv("", ""), kv("c", string(make([]byte, 300)))}},
			},
		},
		{Logs: []*sls.Log{{Time: proto.Uint32(7)}}},
		{Topic: proto.String("tags only"), LogTags: []*sls.LogTag{{Key: proto.String("x"), Value: proto.String("y")}}},
	}}
	big := &sls.LogGroupList{}
	for g := 0; g < 20; g++ {
		lg := &sls.LogGroup{Topic: proto.String(fmt.Sprint("topic", g)), LogTags: []*sls.LogTag{{Key: proto.String("__pack_id__"), Value: proto.String(fmt.Sprint(g))}}}
		for l := 0; l < 50; l++ {
			lg.Logs = append(lg.Logs, &sls.Log{Time: proto.Uint32(uint32(l)), Contents: []*sls.LogContent{kv("seq", fmt.Sprint(g*50+l)), kv("msg", "hello")}})
		}
		big.LogGroups = append(big.LogGroups, lg)
	}
	// Lengths past the walk's fast paths (one- or two-byte lengths, keys under 128 bytes).
	long := &sls.LogGroupList{LogGroups: []*sls.LogGroup{{Logs: []*sls.Log{{Time: proto.Uint32(1), Contents: []*sls.LogContent{
		kv(strings.Repeat("k", 200), "v"),
		kv("big", strings.Repeat("x", 20000)),
	}}}}}}
	return map[string]*sls.LogGroupList{"full": full, "empty": {}, "big": big, "long": long}
}

func TestWalkMatchesSDK(t *testing.T) {
	for name, lgl := range walkLists() {
		t.Run(name, func(t *testing.T) {
			raw, err := proto.Marshal(lgl)
			if err != nil {
				t.Fatal(err)
			}
			checkWalk(t, raw)
		})
	}
}

// TestWalkTagsBeforeLogs: a producer may write the tags before the logs; they must still come out in order.
func TestWalkTagsBeforeLogs(t *testing.T) {
	tag := func(k, v string) []byte {
		b, _ := proto.Marshal(&sls.LogTag{Key: proto.String(k), Value: proto.String(v)})
		return b
	}
	logb, _ := proto.Marshal(&sls.Log{Time: proto.Uint32(5), Contents: []*sls.LogContent{kv("a", "1")}})
	var group []byte
	group = appendBytesField(group, fieldGroupTags, tag("t1", "v1"))
	group = appendBytesField(group, fieldGroupLogs, logb)
	group = appendBytesField(group, fieldGroupTags, tag("t2", "v2"))
	group = appendBytesField(group, fieldGroupLogs, logb)
	raw := appendBytesField(nil, fieldListGroups, group)
	got := checkWalk(t, raw)
	if want := []record.Field{{Key: "t1", Value: "v1"}, {Key: "t2", Value: "v2"}}; !reflect.DeepEqual(got[0].Tags, want) {
		t.Fatalf("tags %+v", got[0].Tags)
	}
}

// TestWalkGrowsArena reuses one arena for lists that need more logs, more fields, more tags, then fewer: a pass
// that runs out of room starts again with larger slices, and every record must then point into the arena's
// current slices (the next batch reuses them), never into a replaced one.
func TestWalkGrowsArena(t *testing.T) {
	list := func(groups, logs, contents, tags int) []byte {
		lgl := &sls.LogGroupList{}
		for g := 0; g < groups; g++ {
			lg := &sls.LogGroup{Topic: proto.String(fmt.Sprint("t", g))}
			for i := 0; i < tags; i++ {
				lg.LogTags = append(lg.LogTags, &sls.LogTag{Key: proto.String(fmt.Sprint("tag", i)), Value: proto.String("v")})
			}
			for l := 0; l < logs; l++ {
				lo := &sls.Log{Time: proto.Uint32(uint32(l + 1))}
				for c := 0; c < contents; c++ {
					lo.Contents = append(lo.Contents, kv(fmt.Sprint("k", c), fmt.Sprint(g, "/", l, "/", c)))
				}
				lg.Logs = append(lg.Logs, lo)
			}
			lgl.LogGroups = append(lgl.LogGroups, lg)
		}
		raw, err := proto.Marshal(lgl)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	steps := []struct {
		name                         string
		groups, logs, contents, tags int
	}{
		{"small", 1, 2, 1, 0},
		{"more fields", 2, 2, 40, 0},
		{"more logs without contents", 3, 500, 0, 0},
		{"more tags", 4, 1, 1, 300},
		{"everything larger", 30, 40, 12, 3},
		{"smaller again", 1, 1, 1, 1},
		{"empty", 0, 0, 0, 0},
	}
	var a arena
	for _, st := range steps {
		raw := list(st.groups, st.logs, st.contents, st.tags)
		lgl, err := sls.LogsBytesDecode(raw)
		if err != nil {
			t.Fatal(err)
		}
		var ref arena
		want := ref.convert(lgl)
		got, err := a.walk(raw)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("%s:\n got %+v\nwant %+v", st.name, got, want)
		}
		for gi, g := range got {
			if len(g.Logs) > 0 && !within(&g.Logs[0], a.logs[:cap(a.logs)]) {
				t.Fatalf("%s: group %d's logs are not in the arena's current slice", st.name, gi)
			}
			if len(g.Tags) > 0 && !within(&g.Tags[0], a.fields[:cap(a.fields)]) {
				t.Fatalf("%s: group %d's tags are not in the arena's current slice", st.name, gi)
			}
			for li, l := range g.Logs {
				if len(l.Contents) > 0 && !within(&l.Contents[0], a.fields[:cap(a.fields)]) {
					t.Fatalf("%s: log %d/%d's contents are not in the arena's current slice", st.name, gi, li)
				}
			}
		}
	}
}

// within reports whether p points to an element of s.
func within[T any](p *T, s []T) bool {
	for i := range s {
		if p == &s[i] {
			return true
		}
	}
	return false
}

// TestWalkPairOrder: pairs that are not exactly key then value (value first, a repeated key: the last one counts,
// an unknown field) take the walk's general loop and come out as the SDK decodes them.
func TestWalkPairOrder(t *testing.T) {
	str := func(num int, v string) []byte { return appendBytesField(nil, num, []byte(v)) }
	join := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	contents := [][]byte{
		join(str(fieldPairValue, "v1"), str(fieldPairKey, "k1")),
		join(str(fieldPairKey, "first"), str(fieldPairValue, "v2"), str(fieldPairKey, "k2")),
		join(str(fieldPairKey, "k3"), str(fieldPairValue, "v3"), str(9, "unknown")),
	}
	var log []byte
	log = append(log, proto.EncodeVarint(uint64(fieldLogTime<<3|wireVarint))...)
	log = append(log, proto.EncodeVarint(1700000000)...)
	for _, c := range contents {
		log = appendBytesField(log, fieldLogContents, c)
	}
	raw := appendBytesField(nil, fieldListGroups, appendBytesField(nil, fieldGroupLogs, log))
	got := checkWalk(t, raw)
	want := []record.Field{{Key: "k1", Value: "v1"}, {Key: "k2", Value: "v2"}, {Key: "k3", Value: "v3"}}
	if !reflect.DeepEqual(got[0].Logs[0].Contents, want) {
		t.Fatalf("contents %+v", got[0].Logs[0].Contents)
	}
}

func TestWalkRejectsTruncated(t *testing.T) {
	raw, _ := proto.Marshal(walkLists()["full"])
	var a arena
	for _, cut := range []int{1, 7, len(raw) / 2, len(raw) - 1} {
		if _, err := a.walk(raw[:cut]); err == nil {
			t.Errorf("truncated at %d of %d: no error", cut, len(raw))
		}
	}
}

// TestWalkRejectsWrongWireTypes: a known field with another wire type than its own is an error, as in the SDK's
// decoder; skipping it would drop the records it holds without a trace (a hostile answer with field 1 as a
// varint decoded as an empty pull and moved the checkpoint past 1000 records).
func TestWalkRejectsWrongWireTypes(t *testing.T) {
	varint := func(num int, v uint64) []byte {
		return append(proto.EncodeVarint(uint64(num<<3|wireVarint)), proto.EncodeVarint(v)...)
	}
	fixed32 := func(num int) []byte { return append(proto.EncodeVarint(uint64(num<<3|wireFixed32)), 1, 2, 3, 4) }
	str := func(num int, v string) []byte { return appendBytesField(nil, num, []byte(v)) }
	join := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	pair := join(str(fieldPairKey, "k"), str(fieldPairValue, "v"))
	log := func(extra ...[]byte) []byte {
		return join(append([][]byte{varint(fieldLogTime, 1700000000), str(fieldLogContents, string(pair))}, extra...)...)
	}
	list := func(group []byte) []byte { return str(fieldListGroups, string(group)) }
	good := list(join(str(fieldGroupLogs, string(log())), str(fieldGroupTopic, "t")))
	withPair := func(p []byte) []byte {
		return list(str(fieldGroupLogs, string(join(varint(fieldLogTime, 1), str(fieldLogContents, string(p))))))
	}
	cases := []struct {
		name string
		raw  []byte
	}{
		{"LogGroups as varint", join(varint(fieldListGroups, 5), good)},
		{"LogGroups as fixed32", join(good, fixed32(fieldListGroups))},
		{"Logs as fixed32", list(join(fixed32(fieldGroupLogs), str(fieldGroupTopic, "t")))},
		{"Logs as varint", list(varint(fieldGroupLogs, 1))},
		{"Topic as varint", list(join(str(fieldGroupLogs, string(log())), varint(fieldGroupTopic, 1)))},
		{"Category as fixed32", list(join(str(fieldGroupLogs, string(log())), fixed32(2)))},
		{"LogTags as varint", list(join(str(fieldGroupLogs, string(log())), varint(fieldGroupTags, 3)))},
		{"Time as bytes", list(str(fieldGroupLogs, string(join(str(fieldLogTime, "1700000000"), str(fieldLogContents, string(pair))))))},
		{"Contents as varint", list(str(fieldGroupLogs, string(log(varint(fieldLogContents, 7)))))},
		{"TimeNs as varint", list(str(fieldGroupLogs, string(log(varint(fieldLogTimeNs, 7)))))},
		{"Key as varint", withPair(join(varint(fieldPairKey, 1), str(fieldPairValue, "v")))},
		{"Value as fixed32", withPair(join(str(fieldPairKey, "k"), fixed32(fieldPairValue)))},
		{"tag Key as varint", list(join(str(fieldGroupLogs, string(log())), str(fieldGroupTags, string(join(varint(fieldPairKey, 1), str(fieldPairValue, "v"))))))},
	}
	if _, err := sls.LogsBytesDecode(good); err != nil {
		t.Fatalf("the well-formed list: %v", err)
	}
	checkWalk(t, good)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := sls.LogsBytesDecode(c.raw); err == nil {
				t.Fatal("the SDK decodes it: not a wrong wire type")
			}
			var a arena
			if g, err := a.walk(c.raw); err == nil {
				t.Fatalf("walk decoded %d groups without an error", len(g))
			}
		})
	}
}

// TestWalkLimits: a list with more groups than allowed, or whose records would need more memory than allowed, is
// refused before the memory is allocated.
func TestWalkLimits(t *testing.T) {
	raw, _ := proto.Marshal(walkLists()["full"])
	lgl, _ := sls.LogsBytesDecode(raw)
	n := len(lgl.LogGroups)
	var a arena
	if _, err := a.walkWithin(raw, walkLimits{groups: n}); err != nil {
		t.Fatalf("exactly x-log-count groups: %v", err)
	}
	if _, err := a.walkWithin(raw, walkLimits{groups: n - 1}); !errors.Is(err, errTooManyGroups) {
		t.Fatalf("one group more than allowed: %v", err)
	}
	if _, err := a.walkWithin(raw, walkLimits{groups: 0}); !errors.Is(err, errTooManyGroups) {
		t.Fatalf("groups where x-log-count says none: %v", err)
	}
	// Tiny contents cost far more in headers than in data.
	var log []byte
	log = append(log, proto.EncodeVarint(uint64(fieldLogTime<<3|wireVarint))...)
	log = append(log, 1)
	for range 10_000 {
		log = appendBytesField(log, fieldLogContents, nil)
	}
	tiny := appendBytesField(nil, fieldListGroups, appendBytesField(nil, fieldGroupLogs, log))
	var b arena
	_, err := b.walkWithin(tiny, walkLimits{groups: -1, bytes: int64(len(tiny)) * 4})
	var tl *tooLargeError
	if !errors.As(err, &tl) || tl.need < 10_000*fieldBytes {
		t.Fatalf("10 000 empty contents in %d bytes within %d bytes: %v", len(tiny), len(tiny)*4, err)
	}
	if cap(b.fields) != 0 {
		t.Fatalf("the refused walk allocated %d fields", cap(b.fields))
	}
	if _, err := b.walkWithin(tiny, walkLimits{groups: -1, bytes: 10_001 * fieldBytes * 2}); err != nil {
		t.Fatalf("within a large enough limit: %v", err)
	}
}

func appendBytesField(dst []byte, num int, v []byte) []byte {
	dst = append(dst, proto.EncodeVarint(uint64(num<<3|wireBytes))...)
	dst = append(dst, proto.EncodeVarint(uint64(len(v)))...)
	return append(dst, v...)
}

// checkWalk compares walk with the SDK's decoding followed by convert, reusing one arena twice.
func checkWalk(t *testing.T, raw []byte) []record.Group {
	t.Helper()
	lgl, err := sls.LogsBytesDecode(raw)
	if err != nil {
		t.Fatalf("sdk: %v", err)
	}
	var ref arena
	want := ref.convert(lgl)
	var a arena
	for round := 0; round < 2; round++ {
		got, err := a.walk(raw)
		if err != nil {
			t.Fatalf("walk: %v", err)
		}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("round %d:\n got %+v\nwant %+v", round, got, want)
		}
	}
	got, _ := a.walk(raw)
	return got
}

// normalize turns empty slices into nil: walk and convert differ only there.
func normalize(gs []record.Group) []record.Group {
	out := make([]record.Group, len(gs))
	for i, g := range gs {
		out[i] = record.Group{Topic: g.Topic, Source: g.Source}
		if len(g.Tags) > 0 {
			out[i].Tags = g.Tags
		}
		for _, l := range g.Logs {
			nl := record.Log{Time: l.Time, TimeNs: l.TimeNs}
			if len(l.Contents) > 0 {
				nl.Contents = l.Contents
			}
			out[i].Logs = append(out[i].Logs, nl)
		}
	}
	return out
}

// FuzzWalk: whatever the SDK decodes, walk decodes the same way; nothing makes walk panic.
func FuzzWalk(f *testing.F) {
	for _, lgl := range walkLists() {
		raw, _ := proto.Marshal(lgl)
		f.Add(raw)
	}
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})
	f.Add([]byte{0x0a, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var a arena
		got, werr := a.walk(raw)
		lgl, err := sls.LogsBytesDecode(raw)
		if err != nil {
			// The SDK also rejects a missing required field (a Log's time, a pair's key or value), which walk
			// accepts as zero or "": a record is still delivered. Anything else it rejects, walk must reject.
			var missing interface{ RequiredNotSet() bool }
			if werr == nil && !errors.As(err, &missing) {
				t.Fatalf("walk accepts a list the SDK rejects: %v", err)
			}
			return
		}
		if werr != nil {
			t.Fatalf("sdk decodes, walk fails: %v", werr)
		}
		var ref arena
		if want := ref.convert(lgl); !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Fatalf("\n got %+v\nwant %+v", got, want)
		}
	})
}

func benchList() []byte {
	g := &sls.LogGroup{Topic: proto.String("t"), Source: proto.String("s"), LogTags: []*sls.LogTag{{Key: proto.String("k"), Value: proto.String("v")}}}
	for i := 0; i < 100; i++ {
		l := &sls.Log{Time: proto.Uint32(1)}
		for j := 0; j < 10; j++ {
			l.Contents = append(l.Contents, kv("key", "value of about twenty"))
		}
		g.Logs = append(g.Logs, l)
	}
	raw, _ := proto.Marshal(&sls.LogGroupList{LogGroups: []*sls.LogGroup{g, g, g, g, g, g, g, g, g, g}})
	return raw
}

// BenchmarkDecode compares the SDK's decoding (plus convert) with walk on 1000 records of 10 fields; ns/op is
// per batch, the records/s metric per record. "walk generated" walks what `siemship bench` pulls: a 3.6 MB batch of
// 10 000 of the emulator's records (1000 groups, 8 to 15 fields each).
func BenchmarkDecode(b *testing.B) {
	raw := benchList()
	b.Run("walk generated", func(b *testing.B) {
		gen := slsemu.GeneratedList(10_000, 10, 1)
		var a arena
		b.ReportAllocs()
		b.SetBytes(int64(len(gen)))
		for b.Loop() {
			if _, err := a.walk(gen); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10_000), "ns/record")
		b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("sdk+convert", func(b *testing.B) {
		var a arena
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			lgl, err := sls.LogsBytesDecode(raw)
			if err != nil {
				b.Fatal(err)
			}
			a.convert(lgl)
		}
		b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("walk", func(b *testing.B) {
		var a arena
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := a.walk(raw); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
	})
}
