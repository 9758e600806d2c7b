package kv

import (
	"fmt"
	"github.com/siemship/siemship/internal/encoder/internal/vector"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// checkGroup requires AppendGroup to append exactly AppendFrame's frames for every log of g, with the right ends
// and counts.
func checkGroup(t *testing.T, e *Encoder, g *record.Group) {
	t.Helper()
	encodertest.CheckGroup(t, e, g, encodertest.GroupCheck[Result]{
		Counts: func(r Result) (bool, bool) { return r.Truncated, r.Sanitized },
	})
}

func TestAppendGroupMatchesAppendFrame(t *testing.T) {
	logs := []record.Log{
		{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields("seq", "1", "msg", "hello")},
		{Time: 0, TimeNs: 0, Contents: encodertest.Fields("seq", "2", "msg", "a||b\n")}, // NILVALUE time, escaping
		{Time: encodertest.Sec + 86400, Contents: encodertest.Fields("seq", "3", "big", strings.Repeat("x", 900))},
		{Time: encodertest.Sec},
	}
	groups := map[string]record.Group{
		"plain":         {Topic: "actiontrail", Source: "10.0.0.1", Tags: encodertest.Fields("__hostname__", "h1", "__pack_id__", "AB-1"), Logs: logs},
		"escaped tags":  {Topic: "t|x", Source: "s\n", Tags: encodertest.Fields("k=v", "caf\xc3", "__hostname__", "\\"), Logs: logs},
		"no tags":       {Logs: logs},
		"one log":       {Topic: "t", Logs: logs[:1]},
		"no logs":       {Topic: "t"},
		"long prefix":   {Topic: strings.Repeat("t", 300), Source: strings.Repeat("s", 200), Logs: logs},
		"unicode group": {Topic: "日志", Source: "源", Tags: encodertest.Fields("主机", "杭州"), Logs: logs},
	}
	for name, g := range groups {
		for _, sep := range []string{"||", "_", ":", " | "} {
			for _, framing := range []message.Framing{message.FramingOctet, message.FramingLF, message.FramingNone} {
				for _, limit := range []int{0, 480, 520, 1024} {
					e, err := NewEncoder(Options{Facility: 16, Severity: 6, Hostname: "h", AppName: "siemship",
						Separator: sep, Framing: framing, MaxMessageBytes: limit})
					if err != nil {
						t.Fatal(err)
					}
					t.Run(fmt.Sprintf("%s/sep=%q/%v/max=%d", name, sep, framing, limit), func(t *testing.T) { checkGroup(t, e, &g) })
				}
			}
		}
	}
}

// FuzzAppendGroup builds a group of up to four logs from data (split at 0x1e, 0x1f between logs) and requires
// AppendGroup to equal AppendFrame log by log, under every separator, framing and a range of limits.
func FuzzAppendGroup(f *testing.F) {
	f.Add("actiontrail\x1e10.0.3.17\x1e__hostname__\x1eecs-01\x1fseq\x1e1\x1fseq\x1e2\x1emsg\x1ehi", uint8(0), uint8(1), uint16(0), uint32(encodertest.Sec))
	f.Add("a||b\x1e|\x1ek=\x1e\xff\xfe\x1f\n\x1e\\\x1f用户登录\x1e\x7f\x1fends|\x1e", uint8(3), uint8(0), uint16(3), uint32(0))
	f.Add(strings.Repeat("t", 400)+"\x1es\x1ek\x1ev\x1fa\x1eb\x1fc\x1ed", uint8(2), uint8(2), uint16(1), uint32(1))
	f.Fuzz(func(t *testing.T, data string, sepSel, tagSel uint8, maxSel uint16, sec uint32) {
		g := encodertest.FuzzGroup(data, tagSel, sec)
		e, err := NewEncoder(fuzzOptions(sepSel, maxSel))
		if err != nil {
			t.Fatal(err)
		}
		checkGroup(t, e, &g)
	})
}

func BenchmarkAppendGroup(b *testing.B) {
	g, l := encodertest.Audit()
	g.Logs = nil
	for range 10 {
		g.Logs = append(g.Logs, l)
	}
	for _, f := range []message.Framing{message.FramingOctet, message.FramingLF} {
		b.Run(f.String(), func(b *testing.B) { benchGroup(b, f, &g) })
	}
	if vector.Available { // the same without vector.CopyPairs, as on a CPU without AVX-512
		b.Run("octet-words", func(b *testing.B) {
			vectorFields = false
			defer func() { vectorFields = true }()
			benchGroup(b, message.FramingOctet, &g)
		})
	}
}

func benchGroup(b *testing.B, f message.Framing, g *record.Group) {
	encodertest.BenchGroups(b, benchEncoder(b, f), []record.Group{*g})
}
