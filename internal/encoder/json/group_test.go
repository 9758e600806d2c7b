package jsonenc

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// checkGroup requires AppendGroup to append exactly AppendFrame's frames for every log of g, with the right ends
// and counts.
func checkGroup(t *testing.T, e *Encoder, g *record.Group) {
	t.Helper()
	c := encodertest.GroupCheck[Result]{Counts: func(r Result) (bool, bool) { return r.Truncated, r.Sanitized }}
	if o := e.Options(); !o.Bare && o.Header.Format == header.RFC3164 {
		c.Mask = encodertest.MaskNow(g) // a log without a time gets the encoding time in the header
	}
	encodertest.CheckGroup(t, e, g, c)
}

func TestAppendGroupMatchesAppendFrame(t *testing.T) {
	logs := []record.Log{
		{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields("seq", "1", "msg", "hello")},
		{Time: 0, TimeNs: 0, Contents: encodertest.Fields("seq", "2", "msg", "a\"b\n")}, // null time, escaping
		{Time: encodertest.Sec + 86400, Contents: encodertest.Fields("seq", "3", "big", strings.Repeat("x", 900))},
		{Time: encodertest.Sec},
		{Time: encodertest.Sec, Contents: encodertest.Fields("seq", "5", "seq", "again", "__topic__", "c", "__tag__:h", "c")}, // renamed
		{Time: encodertest.Sec, Contents: encodertest.Fields("k\xff", "1", "k\xfe", "2")},                                     // renamed, lossy
		{Time: encodertest.Sec, TimeNs: 1, Contents: encodertest.Fields("seq", "7", "msg", "用户登录 \u2028")},
	}
	groups := map[string]record.Group{
		"plain":         {Topic: "actiontrail", Source: "10.0.0.1", Tags: encodertest.Fields("__hostname__", "h1", "__pack_id__", "AB-1"), Logs: logs},
		"escaped tags":  {Topic: "t\"x", Source: "s\n", Tags: encodertest.Fields("k\\v", "caf\xc3", "__hostname__", "\\"), Logs: logs},
		"repeated tags": {Topic: "t", Tags: encodertest.Fields("h", "1", "h", "2"), Logs: logs},
		"lossy tags":    {Topic: "t", Tags: encodertest.Fields("h\xff", "1", "h\xfe", "2"), Logs: logs},
		"no tags":       {Logs: logs},
		"one log":       {Topic: "t", Logs: logs[:1]},
		"no logs":       {Topic: "t"},
		"long prefix":   {Topic: strings.Repeat("t", 300), Source: strings.Repeat("s", 200), Logs: logs},
		"unicode group": {Topic: "日志", Source: "源", Tags: encodertest.Fields("主机", "杭州"), Logs: logs},
	}
	for name, g := range groups {
		for _, ly := range allLayouts {
			for _, limit := range []int{0, 480, 520, 1024} {
				o := baseOptions(ly)
				o.Header.MaxMessageBytes = limit
				e := mustEncoder(t, o)
				t.Run(fmt.Sprintf("%s/%s/max=%d", name, ly.name, limit), func(t *testing.T) { checkGroup(t, e, &g) })
			}
		}
	}
}

// FuzzAppendGroup builds a group of up to four logs from data (split at 0x1e, 0x1f between logs) and requires
// AppendGroup to equal AppendFrame log by log, in every layout and a range of limits.
func FuzzAppendGroup(f *testing.F) {
	f.Add("actiontrail\x1e10.0.3.17\x1e__hostname__\x1eecs-01\x1fseq\x1e1\x1fseq\x1e2\x1emsg\x1ehi", uint8(0), uint8(1), uint16(0), uint32(encodertest.Sec))
	f.Add("a\"b\x1e\\\x1ek\x1e\xff\xfe\x1f\n\x1e\\\x1f用户登录\x1e\x7f\x1fk\x1e1\x1ek\x1e2", uint8(3), uint8(0), uint16(3), uint32(0))
	f.Add(strings.Repeat("t", 400)+"\x1es\x1ek\x1ev\x1fa\x1eb\x1fc\x1ed", uint8(2), uint8(2), uint16(1), uint32(1))
	f.Add("t\x1es\x1eh\x1e1\x1eh\x1e2\x1f__tag__:h\x1ex", uint8(5), uint8(2), uint16(0), uint32(1))
	f.Fuzz(func(t *testing.T, data string, layoutSel, tagSel uint8, maxSel uint16, sec uint32) {
		g := encodertest.FuzzGroup(data, tagSel, sec)
		checkGroup(t, mustEncoder(t, fuzzOptions(layoutSel, maxSel)), &g)
	})
}

// TestConcurrentUse: goroutines that share an Encoder (each with its own scratch and batch) write the same frames
// as one alone (go test -race checks that they share nothing mutable).
func TestConcurrentUse(t *testing.T) {
	g, l := emulatorRecord()
	for i := range 20 {
		l.Time += uint32(i) * 86400 // other days: the header's date cache changes
		g.Logs = append(g.Logs, l)
	}
	for _, ly := range []layout{rfc5424Octet, rfc3164LF, bareLF} {
		e := mustEncoder(t, baseOptions(ly))
		var want message.Batch
		e.AppendGroup(&want, &g, nil, &message.Scratch{})
		var wg sync.WaitGroup
		errs := make(chan string, 4)
		for range 4 {
			wg.Go(func() {
				var s message.Scratch
				for range 50 {
					var b message.Batch
					e.AppendGroup(&b, &g, nil, &s)
					if !bytes.Equal(b.Buf, want.Buf) {
						errs <- fmt.Sprintf("%s: frames differ", ly.name)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}
