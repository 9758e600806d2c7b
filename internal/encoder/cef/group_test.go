package cef

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// checkGroup requires AppendGroup to append exactly AppendFrame's frames for every log of g, with the right ends
// and counts, and checks every frame with checkFrame.
func checkGroup(t *testing.T, e *Encoder, g *record.Group) {
	t.Helper()
	var want []byte
	var wantEnds []int
	var wantRes message.Counts
	want = append(want, "prior"...)
	for li := range g.Logs {
		var r Result
		start := len(want)
		want, r = e.AppendFrame(want, g, &g.Logs[li])
		checkFrame(t, e, want[start:], g, &g.Logs[li], r)
		wantEnds = append(wantEnds, len(want))
		if r.Truncated {
			wantRes.Truncated++
		}
		if r.Sanitized {
			wantRes.Sanitized++
		}
	}
	maskNow(e, want, wantEnds, g, 5)
	var s message.Scratch
	for round := range 2 { // the scratch is reused
		b := message.Batch{Buf: []byte("prior"), Ends: []int{-1}}
		res := e.AppendGroup(&b, g, &s)
		if len(b.Ends) == len(wantEnds)+1 {
			maskNow(e, b.Buf, b.Ends[1:], g, 5)
		}
		if !bytes.Equal(b.Buf, want) {
			t.Fatalf("round %d: AppendGroup differs from AppendFrame\n got %q\nwant %q", round, b.Buf, want)
		}
		if len(b.Ends) != len(wantEnds)+1 || b.Ends[0] != -1 || !slices.Equal(b.Ends[1:], wantEnds) {
			t.Fatalf("round %d: ends %v, want [-1 %v]", round, b.Ends, wantEnds)
		}
		if res != wantRes {
			t.Fatalf("round %d: counts %+v, want %+v", round, res, wantRes)
		}
	}
}

// maskNow overwrites the RFC 3164 timestamps of the frames of logs without a time, which get the time they are
// encoded at (AppendGroup and AppendFrame may run in different seconds). ends are the frames' ends in buf, the first
// frame starting at start.
func maskNow(e *Encoder, buf []byte, ends []int, g *record.Group, start int) {
	if e.Options().Header.Format != header.RFC3164 {
		return
	}
	for i, end := range ends {
		if l := &g.Logs[i]; l.Time == 0 && l.TimeNs == 0 {
			ts := start + bytes.IndexByte(buf[start:end], '>') + 1
			copy(buf[ts:], "Mmm dd hh:mm:ss")
		}
		start = end
	}
}

func TestAppendGroupMatchesAppendFrame(t *testing.T) {
	logs := []record.Log{
		{Time: testSec, TimeNs: testNs, Contents: fields("seq", "1", "msg", "hello")},
		{Time: 0, TimeNs: 0, Contents: fields("seq", "2", "msg", "a=b\n")}, // no time, escaping
		{Time: testSec + 86400, Contents: fields("seq", "3", "big", strings.Repeat("x", 900))},
		{Time: testSec},
		{Time: 0, TimeNs: 500_000_000, Contents: fields("seq", "5")}, // rt=500
		{Time: testSec, TimeNs: 2_500_000_000},                       // the nanoseconds carry into the seconds
		{Time: 999_999_999, TimeNs: 999_999_999},                     // 12 digits
		{Time: testSec, TimeNs: 1},
	}
	groups := map[string]record.Group{
		"plain":         {Topic: "actiontrail", Source: "10.0.0.1", Tags: fields("__hostname__", "h1", "__pack_id__", "AB-1"), Logs: logs},
		"escaped tags":  {Topic: "t|x", Source: "s\n", Tags: fields("k=v", "caf\xc3", "__hostname__", "\\"), Logs: logs},
		"no tags":       {Logs: logs},
		"one log":       {Topic: "t", Logs: logs[:1]},
		"no logs":       {Topic: "t"},
		"long topic":    {Topic: strings.Repeat("t", 1100), Source: strings.Repeat("s", 200), Logs: logs},
		"unicode group": {Topic: "日志", Source: "源", Tags: fields("主机", "杭州"), Logs: logs},
		"no seconds":    {Topic: "t", Logs: []record.Log{{TimeNs: 500_000_000}, {TimeNs: 600_000_000}}},
		// The keys AppendGroup caches by position change from log to log.
		"changing keys": {Topic: "t", Logs: []record.Log{
			{Time: testSec, Contents: fields("a.b", "1", "eventId", "2", "k", "3")},
			{Time: testSec, Contents: fields("", "1", "eventId", "2\n", "k.k", "3")},
			{Time: testSec, Contents: fields("x", "1", "eventName", "2", "k.k", "3")},
			{Time: testSec, Contents: fields("a.b", "1", "\xff", "2", "k.k", "3=")},
			{Time: testSec, Contents: fields("a.b", "1")},
		}},
	}
	for name, g := range groups {
		for _, v := range goldenVariants {
			for _, framing := range []message.Framing{v.framing, message.FramingNone} {
				for _, limit := range []int{0, 480, 520, 1024} {
					o := baseOptions(v.format, framing)
					o.Header.MaxMessageBytes = limit
					e, err := NewEncoder(o)
					if err != nil {
						t.Fatal(err)
					}
					t.Run(fmt.Sprintf("%s/%v/%v/max=%d", name, v.format, framing, limit), func(t *testing.T) { checkGroup(t, e, &g) })
				}
			}
		}
	}
}

// FuzzAppendGroup builds a group of up to four logs from data (split at 0x1e, 0x1f between logs) and requires
// AppendGroup to equal AppendFrame log by log, under both headers, every framing and a range of limits.
func FuzzAppendGroup(f *testing.F) {
	f.Add("actiontrail\x1e10.0.3.17\x1e__hostname__\x1eecs-01\x1fseq\x1e1\x1fseq\x1e2\x1emsg\x1ehi", uint8(0), uint8(1), uint16(0), uint32(testSec))
	f.Add("a|b\x1e|\x1ek=\x1e\xff\xfe\x1f\n\x1e\\\x1f用户登录\x1e\x7f\x1fends|\x1e", uint8(3), uint8(0), uint16(3), uint32(0))
	f.Add(strings.Repeat("类", 400)+"\x1es\x1ek\x1ev\x1fa\x1eb\x1fc\x1ed", uint8(2), uint8(2), uint16(1), uint32(1))
	f.Fuzz(func(t *testing.T, data string, sel, tagSel uint8, maxSel uint16, sec uint32) {
		parts := strings.Split(data, "\x1f")
		head := append(strings.SplitN(parts[0], "\x1e", 2+2*int(tagSel%3)), "", "")
		g := record.Group{Topic: head[0], Source: head[1]}
		for i := 2; i+1 < len(head); i += 2 {
			g.Tags = append(g.Tags, record.Field{Key: head[i], Value: head[i+1]})
		}
		for i, p := range parts[1:min(len(parts), 5)] {
			l := record.Log{Time: sec + uint32(i)*3600, TimeNs: uint32(i)}
			if sec == 0 {
				l.Time = 0
			}
			kv := append(strings.SplitN(p, "\x1e", 8), "")
			for k := 0; k+1 < len(kv); k += 2 {
				l.Contents = append(l.Contents, record.Field{Key: kv[k], Value: kv[k+1]})
			}
			g.Logs = append(g.Logs, l)
		}
		e, err := NewEncoder(fuzzOptions(sel, maxSel, "", tagSel))
		if err != nil {
			t.Fatal(err)
		}
		checkGroup(t, e, &g)
	})
}
