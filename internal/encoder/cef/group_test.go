package cef

import (
	"fmt"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// checkGroup requires AppendGroup to append exactly AppendFrame's frames for every log of g, with the right ends
// and counts, and checks every frame with checkFrame.
func checkGroup(t *testing.T, e *Encoder, g *record.Group) {
	t.Helper()
	encodertest.CheckGroup(t, e, g, encodertest.GroupCheck[Result]{
		Counts: func(r Result) (bool, bool) { return r.Truncated, r.Sanitized },
		Frame:  func(t testing.TB, frame []byte, l *record.Log, r Result) { checkFrame(t, e, frame, g, l, r) },
		Mask:   maskNow(e, g),
	})
}

// maskNow overwrites the RFC 3164 timestamps of the frames of logs without a time, which get the time they are
// encoded at (AppendGroup and AppendFrame may run in different seconds). ends are the frames' ends in buf, the first
// frame starting at start.

// maskNow is encodertest.MaskNow with an RFC 3164 header, nil otherwise.
func maskNow(e *Encoder, g *record.Group) func([]byte, int, []int) {
	if e.Options().Header.Format != header.RFC3164 {
		return nil
	}
	return encodertest.MaskNow(g)
}

func TestAppendGroupMatchesAppendFrame(t *testing.T) {
	logs := []record.Log{
		{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields("seq", "1", "msg", "hello")},
		{Time: 0, TimeNs: 0, Contents: encodertest.Fields("seq", "2", "msg", "a=b\n")}, // no time, escaping
		{Time: encodertest.Sec + 86400, Contents: encodertest.Fields("seq", "3", "big", strings.Repeat("x", 900))},
		{Time: encodertest.Sec},
		{Time: 0, TimeNs: 500_000_000, Contents: encodertest.Fields("seq", "5")}, // rt=500
		{Time: encodertest.Sec, TimeNs: 2_500_000_000},                           // the nanoseconds carry into the seconds
		{Time: 999_999_999, TimeNs: 999_999_999},                                 // 12 digits
		{Time: encodertest.Sec, TimeNs: 1},
	}
	groups := map[string]record.Group{
		"plain":         {Topic: "actiontrail", Source: "10.0.0.1", Tags: encodertest.Fields("__hostname__", "h1", "__pack_id__", "AB-1"), Logs: logs},
		"escaped tags":  {Topic: "t|x", Source: "s\n", Tags: encodertest.Fields("k=v", "caf\xc3", "__hostname__", "\\"), Logs: logs},
		"no tags":       {Logs: logs},
		"one log":       {Topic: "t", Logs: logs[:1]},
		"no logs":       {Topic: "t"},
		"long topic":    {Topic: strings.Repeat("t", 1100), Source: strings.Repeat("s", 200), Logs: logs},
		"unicode group": {Topic: "日志", Source: "源", Tags: encodertest.Fields("主机", "杭州"), Logs: logs},
		"no seconds":    {Topic: "t", Logs: []record.Log{{TimeNs: 500_000_000}, {TimeNs: 600_000_000}}},
		// The keys AppendGroup caches by position change from log to log.
		"changing keys": {Topic: "t", Logs: []record.Log{
			{Time: encodertest.Sec, Contents: encodertest.Fields("a.b", "1", "eventId", "2", "k", "3")},
			{Time: encodertest.Sec, Contents: encodertest.Fields("", "1", "eventId", "2\n", "k.k", "3")},
			{Time: encodertest.Sec, Contents: encodertest.Fields("x", "1", "eventName", "2", "k.k", "3")},
			{Time: encodertest.Sec, Contents: encodertest.Fields("a.b", "1", "\xff", "2", "k.k", "3=")},
			{Time: encodertest.Sec, Contents: encodertest.Fields("a.b", "1")},
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
	f.Add("actiontrail\x1e10.0.3.17\x1e__hostname__\x1eecs-01\x1fseq\x1e1\x1fseq\x1e2\x1emsg\x1ehi", uint8(0), uint8(1), uint16(0), uint32(encodertest.Sec))
	f.Add("a|b\x1e|\x1ek=\x1e\xff\xfe\x1f\n\x1e\\\x1f用户登录\x1e\x7f\x1fends|\x1e", uint8(3), uint8(0), uint16(3), uint32(0))
	f.Add(strings.Repeat("类", 400)+"\x1es\x1ek\x1ev\x1fa\x1eb\x1fc\x1ed", uint8(2), uint8(2), uint16(1), uint32(1))
	f.Fuzz(func(t *testing.T, data string, sel, tagSel uint8, maxSel uint16, sec uint32) {
		g := encodertest.FuzzGroup(data, tagSel, sec)
		if sec == 0 { // no time in any log
			for i := range g.Logs {
				g.Logs[i].Time = 0
			}
		}
		e, err := NewEncoder(fuzzOptions(sel, maxSel, "", tagSel))
		if err != nil {
			t.Fatal(err)
		}
		checkGroup(t, e, &g)
	})
}
