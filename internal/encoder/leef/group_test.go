package leef

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// checkGroup requires AppendGroup to append exactly AppendFrame's frames for every log of g, with the right ends
// and counts, and every frame to pass checkFrame.
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
		checkFrame(t, e, want[start:], g, &g.Logs[li], e.ev, r)
		wantEnds = append(wantEnds, len(want))
		if r.Truncated {
			wantRes.Truncated++
		}
		if r.Sanitized {
			wantRes.Sanitized++
		}
	}
	var s message.Scratch
	for round := range 2 { // the scratch is reused
		b := message.Batch{Buf: []byte("prior"), Ends: []int{-1}}
		res := e.AppendGroup(&b, g, &s)
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

func TestAppendGroupMatchesAppendFrame(t *testing.T) {
	logs := []record.Log{
		{Time: testSec, TimeNs: testNs, Contents: fields("seq", "1", "msg", "hello")},
		{Time: 0, TimeNs: 0, Contents: fields("seq", "2", "msg", "a^b\n", "__topic__", "x")}, // no time, substitutes
		{Time: testSec + 86400, Contents: fields("seq", "3", "big", strings.Repeat("x", 900))},
		{Time: testSec},
	}
	groups := map[string]record.Group{
		"plain":         {Topic: "actiontrail", Source: "10.0.0.1", Tags: fields("__hostname__", "h1", "__pack_id__", "AB-1"), Logs: logs},
		"substituted":   {Topic: "t|x", Source: "s\n", Tags: fields("k=v", "caf\xc3", "__hostname__", "^", "k=v", "again"), Logs: logs},
		"no tags":       {Logs: logs},
		"one log":       {Topic: "t", Logs: logs[:1]},
		"no logs":       {Topic: "t"},
		"long prefix":   {Topic: strings.Repeat("t", 300), Source: strings.Repeat("s", 200), Logs: logs},
		"many tags":     {Topic: "t", Tags: manyFields(40), Logs: logs},
		"unicode group": {Topic: "日志", Source: "源", Tags: fields("主机", "杭州"), Logs: logs},
	}
	for name, g := range groups {
		for _, v := range variants() {
			for _, delim := range []string{"", "^", "x7C", "xA6"} {
				for _, limit := range []int{0, 480, 520, 1024} {
					o := baseOptions(v)
					o.Delimiter, o.Header.MaxMessageBytes = delim, limit
					if v.version == V1 {
						if delim != "" {
							continue
						}
					}
					e, err := NewEncoder(o)
					if err != nil {
						t.Fatal(err)
					}
					t.Run(fmt.Sprintf("%s/%v/delim=%q/max=%d", name, v, delim, limit), func(t *testing.T) { checkGroup(t, e, &g) })
				}
			}
		}
	}
}

// TestAppendGroupEventPerLog: with header fields computed per log, AppendGroup still equals AppendFrame.
func TestAppendGroupEventPerLog(t *testing.T) {
	g := auditRecord().g
	for i := range 4 {
		l := auditRecord().l
		l.Contents[1].Value = strings.Repeat("Create|AccessKey", i*10)
		g.Logs = append(g.Logs, l)
	}
	for _, limit := range []int{0, 600} {
		o := baseOptions(variants()[0])
		o.Header.MaxMessageBytes = limit
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatal(err)
		}
		e.eventOf = func(_ *record.Group, l *record.Log) Event {
			ev := e.ev
			ev.EventID = l.Contents[1].Value
			return ev
		}
		var want []byte
		for li := range g.Logs {
			want, _ = e.AppendFrame(want, &g, &g.Logs[li])
		}
		var b message.Batch
		e.AppendGroup(&b, &g, &message.Scratch{})
		if !bytes.Equal(b.Buf, want) {
			t.Fatalf("max %d: AppendGroup differs from AppendFrame\n got %q\nwant %q", limit, b.Buf, want)
		}
	}
}

// FuzzAppendGroup builds a group of up to four logs from data (fields split at 0x1e, logs at 0x1f) and requires
// AppendGroup to equal AppendFrame log by log, and every frame to pass checkFrame, in a variant, delimiter and
// limit the fuzzer picks.
func FuzzAppendGroup(f *testing.F) {
	f.Add("actiontrail\x1e10.0.3.17\x1e__hostname__\x1eecs-01\x1fseq\x1e1\x1fseq\x1e2\x1emsg\x1ehi", uint8(0), uint8(1), uint16(0), uint32(testSec))
	f.Add("a^b\x1e|\x1ek=\x1e\xff\xfe\x1f\n\x1e\\\x1f用户登录\x1e\x7f\x1fends|\x1e", uint8(3), uint8(0), uint16(3), uint32(0))
	f.Add(strings.Repeat("t", 400)+"\x1es\x1ek\x1ev\x1fa\x1eb\x1fc\x1ed", uint8(2), uint8(2), uint16(1), uint32(1))
	f.Add("t\x1es\x1ek\x1ev\x1ek\x1ev\x1f__tag__:k\x1e1\x1ek_3\x1e2\x1fdevTime\x1e0", uint8(5), uint8(2), uint16(0), uint32(testSec))
	f.Fuzz(func(t *testing.T, data string, sel, tagSel uint8, maxSel uint16, sec uint32) {
		parts := strings.Split(data, "\x1f")
		head := append(strings.SplitN(parts[0], "\x1e", 2+2*int(tagSel%3)), "", "")
		g := record.Group{Topic: head[0], Source: head[1]}
		for i := 2; i+1 < len(head); i += 2 {
			g.Tags = append(g.Tags, record.Field{Key: head[i], Value: head[i+1]})
		}
		for i, p := range parts[1:min(len(parts), 5)] {
			l := record.Log{Time: sec + uint32(i)*3600, TimeNs: uint32(i)}
			kv := append(strings.SplitN(p, "\x1e", 8), "")
			for k := 0; k+1 < len(kv); k += 2 {
				l.Contents = append(l.Contents, record.Field{Key: kv[k], Value: kv[k+1]})
			}
			g.Logs = append(g.Logs, l)
		}
		e, err := NewEncoder(fuzzOptions(sel, maxSel))
		if err != nil {
			t.Fatal(err)
		}
		checkGroup(t, e, &g)
	})
}
