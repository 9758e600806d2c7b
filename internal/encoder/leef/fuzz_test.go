package leef

import (
	"math"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// fuzzDelimiters are the LEEF 2.0 delimiters the fuzzers pick from ("" is the default tab).
var fuzzDelimiters = []string{"", "^", "x7C", "#", "\\", "xA6", "x2016", ","}

// fuzzOptions are the options a fuzzer picks with two numbers: from sel the version, the delimiter (2.0), the
// header format and the framing; from maxSel a limit of 480..1503 bytes (0: none). local0.info, host "h".
func fuzzOptions(sel uint8, maxSel uint16) Options {
	o := Options{
		Header: header.Options{Facility: 16, Severity: 6, Hostname: "h", AppName: "siemship",
			Format: header.Format(sel >> 6 & 1), Framing: message.Framing(int(sel>>4&3) % 3)},
		Version: Version(sel >> 7),
	}
	if o.Version == V2 {
		o.Delimiter = fuzzDelimiters[int(sel)%len(fuzzDelimiters)]
	}
	if maxSel != 0 {
		o.Header.MaxMessageBytes = 480 + int(maxSel)%1024
	}
	return o
}

// FuzzEncode encodes arbitrary records, some with header fields computed per log from the record, and checks every
// frame with checkFrame: exactly one message in its frame (octet count, a single LF at the end), no control byte
// but the tab delimiter, valid UTF-8, the limit, the syslog header (crewjam or go-syslog), and refparse.ParseLEEF:
// the header fields and attributes where they belong, equal to the model's substitution of the record, and the
// record itself, byte for byte, wherever Sanitized is false.
func FuzzEncode(f *testing.F) {
	f.Add("mytopic", "src1", "host", "h9", "k", "pv0", "msg", "hello world", uint32(encodertest.Sec), uint32(encodertest.Ns), "myhost", uint8(0), uint16(0), false)
	f.Add("", "", "", "", "", "", "", "", uint32(0), uint32(0), "", uint8(0x91), uint16(0), false)
	f.Add("t", "s", "a^b", "x^", "k|", "|v", "=", "a=b", uint32(1), uint32(math.MaxUint32), "my host", uint8(1), uint16(0), true)
	f.Add("t\xff", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD\xff", "k\n", "ok\n<13>1 2026-11-23T09:22:25Z evil - - - LEEF:2.0|a|b|c|d|^|forged=1", "\r", "\x00\x1b\x7f\\", uint32(math.MaxUint32), uint32(0), "h\xff", uint8(0x42), uint16(1), true)
	f.Add("日志", "源", "主机", "杭州", "msg", strings.Repeat("用户登录", 300), "k", "v", uint32(encodertest.Sec), uint32(1), "h", uint8(0x20), uint16(20), false)
	f.Add("t", "s", "devTime", "x", "__topic__", "x", "__topic__", "y", uint32(encodertest.Sec), uint32(0), "h", uint8(0xc5), uint16(0), false)
	f.Add("a¦b", "‖", "¦", "¦", "k‖", "‖", "x", "\xc2", uint32(encodertest.Sec), uint32(0), "h", uint8(5), uint16(7), true)
	for _, tc := range testCases() {
		encodertest.AddSeed(f, &tc.group, &tc.log, "myhost", uint8(0), uint16(0), false)
	}
	f.Fuzz(func(t *testing.T, topic, source, tagKey, tagValue, k1, v1, k2, v2 string, sec, ns uint32, host string,
		sel uint8, maxSel uint16, perLog bool) {
		o := fuzzOptions(sel, maxSel)
		if header.ValidateHostname(host) != nil { // the header refuses it; config does too
			host = "h"
		}
		o.Header.Hostname = host
		if maxSel != 0 {
			o.Header.MaxMessageBytes += len(host)
		}
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatalf("NewEncoder(%+v): %v", o, err)
		}
		g, l := encodertest.FuzzRecord(topic, source, tagKey, tagValue, sec, ns, k1, v1, k2, v2)
		if !perLog {
			frame, res := encodertest.AppendAfterPrior(t, e.AppendFrame, &g, &l)
			checkFrame(t, e, frame, &g, &l, e.ev, res)
			return
		}
		// Header fields from the record, as a mapping takes them.
		chosen := Event{Vendor: topic, Product: k1, ProductVersion: tagValue, EventID: v2}
		hd := headOf(chosen)
		frame, res := encodertest.AppendAfterPrior(t, func(dst []byte, g *record.Group, l *record.Log) ([]byte, Result) {
			return e.AppendFrameHead(dst, g, l, &hd)
		}, &g, &l)
		checkFrame(t, e, frame, &g, &l, sentEvent(e.ev, chosen), res)
	})
}
