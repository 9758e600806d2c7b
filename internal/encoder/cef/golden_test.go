package cef

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// goldenVariants are the syslog headers and framings every test case is encoded in.
var goldenVariants = []struct {
	format  header.Format
	framing message.Framing
}{
	{header.RFC5424, message.FramingOctet}, {header.RFC5424, message.FramingLF},
	{header.RFC3164, message.FramingOctet}, {header.RFC3164, message.FramingLF},
}

// TestGolden encodes every test case with both syslog headers in octet and LF framing, compares the frames with
// testdata/golden/<case>.<header>.<framing>.golden and checks each one with checkFrame (crewjam or go-syslog,
// refparse, the record's fields). go test -update rewrites the files.
func TestGolden(t *testing.T) {
	for _, tc := range testCases() {
		for _, v := range goldenVariants {
			name := tc.name + "." + v.format.String() + "." + v.framing.String()
			t.Run(name, func(t *testing.T) {
				o := baseOptions(v.format, v.framing)
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
				if v.format == header.RFC3164 && tc.log.Time == 0 && tc.log.TimeNs == 0 {
					// RFC 3164 has no NILVALUE: a log without a time gets the time it is encoded.
					i := bytes.IndexByte(frame, '>') + 1
					copy(frame[i:], "Mmm dd hh:mm:ss")
				}

				path := filepath.Join("testdata", "golden", name+".golden")
				encodertest.Golden(t, path, frame)
			})
		}
	}
}
