package kv

import (
	"path/filepath"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestGolden encodes every test case in octet and LF framing, compares the frames with testdata/golden and checks
// each one with crewjam's parser and ParsePayload.
func TestGolden(t *testing.T) {
	for _, tc := range testCases() {
		for _, f := range []message.Framing{message.FramingOctet, message.FramingLF} {
			t.Run(tc.name+"."+f.String(), func(t *testing.T) {
				o := baseOptions(f)
				if tc.opts != nil {
					tc.opts(&o)
				}
				e, err := NewEncoder(o)
				if err != nil {
					t.Fatal(err)
				}
				frame, res := e.AppendFrame(nil, &tc.group, &tc.log)
				if res.Truncated != tc.wantTruncated || res.Sanitized != tc.wantSanitized {
					t.Errorf("result %+v, want Truncated=%v Sanitized=%v", res, tc.wantTruncated, tc.wantSanitized)
				}
				checkFrame(t, e, frame, &tc.group, &tc.log, res)

				path := filepath.Join("testdata", "golden", tc.name+"."+f.String()+".golden")
				encodertest.Golden(t, path, frame)
			})
		}
	}
}
