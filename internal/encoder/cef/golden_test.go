package cef

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the encoder's output")

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
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, frame, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(frame, want) {
					t.Errorf("frame differs from %s\n got: %.300q\nwant: %.300q", path, frame, want)
				}
			})
		}
	}
}
