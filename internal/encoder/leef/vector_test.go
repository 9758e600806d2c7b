package leef

import (
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// FuzzVectorPath encodes a group of four logs (from data, split at 0x1e: topic, source, then the contents of the
// first log; the second has the same keys with the values shifted by one, the third the first half of them and
// no time, the fourth the first log's contents again) with and without vector.CopyPairs, with AppendGroup and
// AppendFrame, in a variant, delimiter and limit the fuzzer picks, and requires the same frames and counts.
func FuzzVectorPath(f *testing.F) {
	f.Add("actiontrail_audit_event\x1e10.0.3.17\x1eeventName\x1eConsoleSignin\x1euserIdentity.type\x1eram-user\x1eeventId\x1e1-2\x1emsg\x1ehello world",
		uint8(0), uint16(0))
	f.Add("t\x1es\x1ek\x1e用户登录\x1ebad\x1ecaf\xc3\x1ek\x1e2\x1e\x1e\x1ea\x1eb=c^d|\n\x1ek_5\x1e\x1edevTime\x1e1", uint8(1), uint16(0))
	f.Add("t\x1es\x1e"+strings.Repeat("k", 40)+"\x1e"+strings.Repeat("v", 70)+"\x1eok\x1e"+strings.Repeat("é", 90)+"\x1e‖\x1e¦",
		uint8(5), uint16(9))
	f.Fuzz(func(t *testing.T, data string, sel uint8, maxSel uint16) {
		if !vectorPairs {
			t.Skip("this CPU has no vector.CopyPairs")
		}
		g, contents, shifted := encodertest.VectorGroup(data, 40)
		g.Logs = []record.Log{{Time: 1700000000, TimeNs: 123456789, Contents: contents},
			{Time: 1700000000, TimeNs: 223456789, Contents: shifted},
			{Contents: contents[:len(contents)/2]},
			{Time: 1700000001, Contents: contents}}
		e, err := NewEncoder(fuzzOptions(sel, maxSel))
		if err != nil {
			t.Fatal(err)
		}
		mask := encodertest.MaskNow(&g) // the RFC 3164 time of the log without one is the time it is encoded
		encode := func() (message.Batch, message.Counts, []byte) {
			var b message.Batch
			c := e.AppendGroup(&b, &g, nil, new(message.Scratch))
			var frames []byte
			var ends []int
			for i := range g.Logs {
				frames, _ = e.AppendFrame(frames, &g, &g.Logs[i])
				ends = append(ends, len(frames))
			}
			mask(b.Buf, 0, b.Ends)
			mask(frames, 0, ends)
			return b, c, frames
		}
		encodertest.SamePaths(t, &vectorPairs, encode)
	})
}
