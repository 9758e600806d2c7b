package jsonenc

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestGolden encodes every test case with an RFC 5424 header in octet framing, an RFC 3164 header in LF framing
// and bare in LF framing (the ActionTrail record in every layout), compares the frames with testdata/golden and
// checks each one with the outside parsers (checkFrame).
func TestGolden(t *testing.T) {
	for _, tc := range testCases() {
		layouts := goldenLayouts
		if tc.name == "actiontrail" {
			layouts = allLayouts
		}
		if tc.only != nil {
			layouts = []layout{*tc.only}
		}
		for _, ly := range layouts {
			t.Run(tc.name+"."+ly.name, func(t *testing.T) {
				o := baseOptions(ly)
				if tc.opts != nil {
					tc.opts(&o)
				}
				e := mustEncoder(t, o)
				frame, res := e.AppendFrame(nil, &tc.group, &tc.log)
				if res.Truncated != tc.wantTruncated || res.Sanitized != tc.wantSanitized {
					t.Errorf("result %+v, want Truncated=%v Sanitized=%v", res, tc.wantTruncated, tc.wantSanitized)
				}
				checkFrame(t, e, frame, &tc.group, &tc.log, res)
				if ly.format == header.RFC3164 && !ly.bare && tc.log.Time == 0 && tc.log.TimeNs == 0 {
					// RFC 3164 has no NILVALUE: the header has the time of encoding, which the golden file cannot.
					i := bytes.IndexByte(frame, '>') + 1
					frame = slices.Concat(frame[:i], []byte("Jan  1 00:00:00"), frame[i+len("Jan  1 00:00:00"):])
				}

				path := filepath.Join("testdata", "golden", tc.name+"."+ly.name+".golden")
				encodertest.Golden(t, path, frame)
			})
		}
	}
}
