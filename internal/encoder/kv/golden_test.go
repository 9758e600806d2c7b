package kv

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/siemship/siemship/internal/message"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the encoder's output")

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
