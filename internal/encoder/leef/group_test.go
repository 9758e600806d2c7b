package leef

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// checkGroup requires AppendGroup to append exactly AppendFrame's frames for every log of g, with the right ends
// and counts, and every frame to pass checkFrame.
func checkGroup(t *testing.T, e *Encoder, g *record.Group) {
	t.Helper()
	encodertest.CheckGroup(t, e, g, encodertest.GroupCheck[Result]{
		Counts: func(r Result) (bool, bool) { return r.Truncated, r.Sanitized },
		Frame:  func(t testing.TB, frame []byte, l *record.Log, r Result) { checkFrame(t, e, frame, g, l, e.ev, r) },
		Mask:   maskNow(e, g),
	})
}

// maskNow is encodertest.MaskNow with an RFC 3164 header (whose logs without a time get the encoding time), nil
// otherwise.
func maskNow(e *Encoder, g *record.Group) func([]byte, int, []int) {
	if e.Options().Header.Format != header.RFC3164 {
		return nil
	}
	return encodertest.MaskNow(g)
}

func TestAppendGroupMatchesAppendFrame(t *testing.T) {
	logs := []record.Log{
		{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields("seq", "1", "msg", "hello")},
		{Time: 0, TimeNs: 0, Contents: encodertest.Fields("seq", "2", "msg", "a^b\n", "__topic__", "x")}, // no time, substitutes
		{Time: encodertest.Sec + 86400, Contents: encodertest.Fields("seq", "3", "big", strings.Repeat("x", 900))},
		{Time: encodertest.Sec},
	}
	groups := map[string]record.Group{
		"plain":         {Topic: "actiontrail", Source: "10.0.0.1", Tags: encodertest.Fields("__hostname__", "h1", "__pack_id__", "AB-1"), Logs: logs},
		"substituted":   {Topic: "t|x", Source: "s\n", Tags: encodertest.Fields("k=v", "caf\xc3", "__hostname__", "^", "k=v", "again"), Logs: logs},
		"no tags":       {Logs: logs},
		"one log":       {Topic: "t", Logs: logs[:1]},
		"no logs":       {Topic: "t"},
		"long prefix":   {Topic: strings.Repeat("t", 300), Source: strings.Repeat("s", 200), Logs: logs},
		"many tags":     {Topic: "t", Tags: encodertest.ManyFields(40), Logs: logs},
		"unicode group": {Topic: "日志", Source: "源", Tags: encodertest.Fields("主机", "杭州"), Logs: logs},
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

// TestAppendGroupEventPerLog: with header fields a mapping chose per log, AppendGroup equals AppendFrameHead.
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
		heads := make([]message.Head, len(g.Logs))
		var want []byte
		for li := range g.Logs {
			heads[li] = message.Head{Set: message.HeadClass | message.HeadSeverity, Class: g.Logs[li].Contents[1].Value, Severity: li}
			want, _ = e.AppendFrameHead(want, &g, &g.Logs[li], &heads[li])
		}
		var b message.Batch
		e.AppendGroup(&b, &g, heads, &message.Scratch{})
		if !bytes.Equal(b.Buf, want) {
			t.Fatalf("max %d: AppendGroup differs from AppendFrame\n got %q\nwant %q", limit, b.Buf, want)
		}
	}
}

// FuzzAppendGroup builds a group of up to four logs from data (fields split at 0x1e, logs at 0x1f) and requires
// AppendGroup to equal AppendFrame log by log, and every frame to pass checkFrame, in a variant, delimiter and
// limit the fuzzer picks.
func FuzzAppendGroup(f *testing.F) {
	f.Add("actiontrail\x1e10.0.3.17\x1e__hostname__\x1eecs-01\x1fseq\x1e1\x1fseq\x1e2\x1emsg\x1ehi", uint8(0), uint8(1), uint16(0), uint32(encodertest.Sec))
	f.Add("a^b\x1e|\x1ek=\x1e\xff\xfe\x1f\n\x1e\\\x1f用户登录\x1e\x7f\x1fends|\x1e", uint8(3), uint8(0), uint16(3), uint32(0))
	f.Add(strings.Repeat("t", 400)+"\x1es\x1ek\x1ev\x1fa\x1eb\x1fc\x1ed", uint8(2), uint8(2), uint16(1), uint32(1))
	f.Add("t\x1es\x1ek\x1ev\x1ek\x1ev\x1f__tag__:k\x1e1\x1ek_3\x1e2\x1fdevTime\x1e0", uint8(5), uint8(2), uint16(0), uint32(encodertest.Sec))
	// Logs that repeat their keys (appendPlainContents adds them with the fingerprints of the log before), with a
	// repeated key, a key that needs a substitute, and a log without devTime (sec 0) or with one more key.
	f.Add("t\x1es\x1ffirst\x1e1\x1esecond\x1e2\x1efirst\x1e3\x1ffirst\x1e4\x1esecond\x1e5\x1efirst\x1e6\x1ffirst\x1e7\x1esecond\x1e8\x1edevTime\x1e9\x1ffirst\x1e7\x1esec=ond\x1e8\x1esecond\x1e9",
		uint8(0), uint8(0), uint16(0), uint32(0))
	f.Add("t\x1es\x1fa\x1e1\x1eb\x1e2\x1ec\x1e3\x1fa\x1e1\x1eb\x1e2\x1fa\x1e1\x1eb\x1e2\x1ec\x1e3\x1ed\x1e4\x1fa\x1e1\x1ec\x1e2\x1eb\x1e3",
		uint8(1), uint8(0), uint16(0), uint32(encodertest.Sec))
	f.Fuzz(func(t *testing.T, data string, sel, tagSel uint8, maxSel uint16, sec uint32) {
		g := encodertest.FuzzGroup(data, tagSel, sec)
		e, err := NewEncoder(fuzzOptions(sel, maxSel))
		if err != nil {
			t.Fatal(err)
		}
		checkGroup(t, e, &g)
	})
}
