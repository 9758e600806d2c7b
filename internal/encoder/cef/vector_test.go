package cef

import (
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// FuzzVectorPath encodes a group of three logs (from data, split at 0x1e: topic, source, then the contents of the
// first log; the second has the same keys with the values shifted by one, the third the first half of them) with
// and without vector.CopyPairs, with AppendGroup and AppendFrame, and requires the same frames and counts.
func FuzzVectorPath(f *testing.F) {
	f.Add("actiontrail_audit_event\x1e10.0.3.17\x1eeventName\x1eConsoleSignin\x1euserIdentity.type\x1eram-user\x1eeventId\x1e1-2\x1emsg\x1ehello world",
		uint8(0), uint16(0))
	f.Add("t\x1es\x1ek\x1e用户登录\x1ebad\x1ecaf\xc3\x1eproxy\x1ex41\x1ex41\x1ev\x1eat\x1e1\x1e\x1e\x1ea\x1eb=c\\d\n", uint8(1), uint16(0))
	f.Add("t\x1es\x1e"+strings.Repeat("k", 40)+"\x1e"+strings.Repeat("v", 70)+"\x1eok\x1e"+strings.Repeat("é", 90)+"\x1erawEvent\x1ex",
		uint8(2), uint16(9))
	f.Fuzz(func(t *testing.T, data string, sel uint8, maxSel uint16) {
		if !vectorPairs {
			t.Skip("this CPU has no vector.CopyPairs")
		}
		g, contents, shifted := encodertest.VectorGroup(data, 0)
		g.Logs = []record.Log{{Time: 1700000000, TimeNs: 123456789, Contents: contents},
			{Time: 1700000000, TimeNs: 223456789, Contents: shifted},
			{Time: 1700000001, Contents: contents[:len(contents)/2]}}
		e, err := NewEncoder(fuzzOptions(sel, maxSel, "", 3))
		if err != nil {
			t.Fatal(err)
		}
		encode := func() (message.Batch, message.Counts, []byte) {
			var b message.Batch
			c := e.AppendGroup(&b, &g, nil, new(message.Scratch))
			var frames []byte
			for i := range g.Logs {
				frames, _ = e.AppendFrame(frames, &g, &g.Logs[i])
			}
			return b, c, frames
		}
		encodertest.SamePaths(t, &vectorPairs, encode)
	})
}
