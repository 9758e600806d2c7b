package leef

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// bigFrame is the size above which a golden file holds a frame's length, SHA-256 and first bigFrame/16 bytes only.
const bigFrame = 16 << 10

// caseOptions are the options of test case tc in variant v. A delimiter applies to LEEF 2.0 only.
func caseOptions(tc testCase, v variant) Options {
	o := baseOptions(v)
	if tc.opts != nil {
		tc.opts(&o)
	}
	if o.Version == V1 {
		o.Delimiter = ""
	}
	return o
}

// rfc3164Time is an RFC 3164 timestamp after the PRI; a log without time gets the time it is encoded, which the
// golden files cannot hold.
var rfc3164Time = regexp.MustCompile(`^(\d+ )?<\d+>[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d `)

// TestGolden encodes every test case in the eight variants (LEEF 2.0 and 1.0, RFC 5424 and RFC 3164 headers,
// octet and LF framing), checks each frame with checkFrame (refparse, crewjam, go-syslog) and compares them with
// testdata/golden/<case>.golden, which holds the eight frames, each after a line naming its variant (a frame over
// 16 KiB by its length, SHA-256 and first 1 KiB).
func TestGolden(t *testing.T) {
	for _, tc := range testCases() {
		t.Run(tc.name, func(t *testing.T) {
			var file bytes.Buffer
			for _, v := range variants() {
				e, err := NewEncoder(caseOptions(tc, v))
				if err != nil {
					t.Fatal(err)
				}
				frame, res := e.AppendFrame(nil, &tc.group, &tc.log)
				if res.Truncated != tc.wantTruncated || res.Sanitized != tc.wantSanitized {
					t.Errorf("%v: result %+v, want Truncated=%v Sanitized=%v", v, res, tc.wantTruncated, tc.wantSanitized)
				}
				checkFrame(t, e, frame, &tc.group, &tc.log, e.ev, res)
				if v.format == header.RFC3164 && tc.log.Time == 0 && tc.log.TimeNs == 0 {
					m := rfc3164Time.FindIndex(frame)
					if m == nil {
						t.Fatalf("%v: no RFC 3164 timestamp in %.60q", v, frame)
					}
					frame = append(bytes.Clone(frame[:m[1]-16]), append([]byte("Mmm dd hh:mm:ss "), frame[m[1]:]...)...)
				}
				file.WriteString("# " + v.String() + "\n")
				if len(frame) > bigFrame {
					fmt.Fprintf(&file, "(%d bytes, sha256 %x) ", len(frame), sha256.Sum256(frame))
					frame = frame[:bigFrame/16]
				}
				file.Write(frame)
				file.WriteString("\n")
			}
			path := filepath.Join("testdata", "golden", tc.name+".golden")
			encodertest.Golden(t, path, file.Bytes())
		})
	}
}
