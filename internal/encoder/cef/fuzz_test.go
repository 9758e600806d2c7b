package cef

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// fuzzOptions are the options a fuzzer picks with a few numbers: the syslog header format and framing from sel, a
// limit of 480..1503 bytes plus room for the CEF header's settings from maxSel (0: none), the CEF header fields
// from consts (split at 0x1e: vendor, product, version, event class, name; invalid ones dropped) and severity sev.
func fuzzOptions(sel uint8, maxSel uint16, consts string, sev uint8) Options {
	o := Options{
		Header: header.Options{Format: header.Format(sel % 2), Facility: int(sel) % 24, Severity: int(sel/24) % 8,
			Hostname: "h", AppName: "siemship", Framing: message.Framing(int(sel/2) % 3)},
		Severity: int(sev) % (MaxSeverity + 1),
	}
	c := append(strings.SplitN(consts, "\x1e", 5), "", "", "", "", "")
	for i, p := range []*string{&o.Vendor, &o.Product, &o.Version, &o.EventClass, &o.Name} {
		if validateText("", c[i]) == nil {
			*p = c[i]
		}
	}
	if maxSel != 0 {
		// Room for the settings, escaped (every byte at most doubles), which the limit must hold whole.
		o.Header.MaxMessageBytes = 480 + int(maxSel)%1024 + 2*(len(o.Vendor)+len(o.Product)+len(o.Version)+
			len(o.EventClass)+len(o.Name))
	}
	return o
}

// FuzzEncode encodes arbitrary records (from data, split at 0x1e: topic, source, then up to 2 tags by tagSel and
// contents) with arbitrary options and checks every frame with checkFrame: one message in its framing, no control
// byte, valid UTF-8, the limit, the syslog header through crewjam or go-syslog, and through refparse every header
// field and pair of the record, all of them or a prefix when truncated, with no moved boundary. Without a limit the
// frame must also equal refFrame byte for byte.
func FuzzEncode(f *testing.F) {
	f.Add("actiontrail_audit_event\x1e10.0.3.17\x1e__hostname__\x1eecs-web-01\x1eeventName\x1eConsoleSignin\x1emsg\x1ehello world",
		uint8(0), uint8(1), uint16(0), uint32(encodertest.Sec), uint32(encodertest.Ns), "", uint8(3))
	f.Add("a|b\\c\x1e|\x1ek=\x1e\xff\xfe\x1e\n\x1e\\\x1e用户登录\x1e\x7f\x1e\x1eends |", uint8(1), uint8(0), uint16(3), uint32(0),
		uint32(0), "V|\\\x1eP\x1e1\x1e\x1e", uint8(10))
	f.Add("t\x1es\x1ek\x1e"+strings.Repeat("用户登录", 100)+"\x1eok\x1e"+strings.Repeat("x", 300), uint8(2), uint8(2), uint16(1),
		uint32(1), uint32(2), "", uint8(0))
	f.Add(strings.Repeat("类", 600)+"\x1es\x1eeventId\x1ex\x1ex41\x1ea b=c d\x1e\x1e   ", uint8(5), uint8(0), uint16(7),
		uint32(math.MaxUint32), uint32(math.MaxUint32), "\x1e\x1e\x1eclass|x\x1e"+strings.Repeat("n", 600), uint8(7))
	f.Add("ok\n<13>1 2026-11-23T09:22:25Z evil - - - forged\x1e\r\n\x1emsg\x1eok\r\nCEF:0|forged|P|1|c|n|10|src=1", uint8(3),
		uint8(0), uint16(0), uint32(encodertest.Sec), uint32(0), "", uint8(1))
	for _, tc := range testCases() {
		parts := []string{tc.group.Topic, tc.group.Source}
		for _, fl := range slices.Concat(tc.group.Tags, tc.log.Contents) {
			parts = append(parts, fl.Key, fl.Value)
		}
		f.Add(strings.Join(parts, "\x1e"), uint8(0), uint8(len(tc.group.Tags)), uint16(0), tc.log.Time, tc.log.TimeNs, "", uint8(3))
	}
	f.Fuzz(func(t *testing.T, data string, sel, tagSel uint8, maxSel uint16, sec, ns uint32, consts string, sev uint8) {
		parts := strings.SplitN(data, "\x1e", 2+2*8)
		parts = append(parts, "", "")
		g := record.Group{Topic: parts[0], Source: parts[1]}
		l := record.Log{Time: sec, TimeNs: ns}
		for i := 2; i+1 < len(parts); i += 2 {
			fl := record.Field{Key: parts[i], Value: parts[i+1]}
			if len(g.Tags) < int(tagSel%3) {
				g.Tags = append(g.Tags, fl)
			} else {
				l.Contents = append(l.Contents, fl)
			}
		}
		o := fuzzOptions(sel, maxSel, consts, sev)
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatalf("NewEncoder(%+v): %v", o, err)
		}
		frame, res := encodertest.AppendAfterPrior(t, e.AppendFrame, &g, &l)
		checkFrame(t, e, frame, &g, &l, res)
		if o.Header.MaxMessageBytes != 0 || o.Header.Format == header.RFC3164 && sec == 0 && ns == 0 {
			return
		}
		if want := refFrame(e.Options(), &g, &l); !bytes.Equal(frame, want) {
			t.Fatalf("AppendFrame differs from the reference\n got %q\nwant %q", frame, want)
		}
	})
}
