package jsonenc

import (
	"math"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// fuzzOptions are the encoder options a fuzzer picks with two numbers: the layout from layoutSel, a limit of
// 480..1503 bytes from maxSel (0: none); local0.info, host "h".
func fuzzOptions(layoutSel uint8, maxSel uint16) Options {
	o := baseOptions(allLayouts[int(layoutSel)%len(allLayouts)])
	o.Header.Hostname = "h"
	if maxSel != 0 {
		o.Header.MaxMessageBytes = 480 + int(maxSel)%1024
	}
	return o
}

// FuzzEncode encodes arbitrary records and checks every frame (checkFrame): the framing (one LF, at the end, in
// LF framing; a correct octet count), a message of valid UTF-8 without control bytes within the limit, the syslog
// header through crewjam's or go-syslog's parser, exactly one JSON object that encoding/json decodes to the
// record's members with unique keys (invalid UTF-8 as U+FFFD, repeated keys renamed), or cut with the marker.
// k2 equal to k1 (selected by repeat) makes repeated keys common.
func FuzzEncode(f *testing.F) {
	f.Add("mytopic", "src1", "host", "h9", "k", "pv0", "msg", "hello world", uint32(encodertest.Sec), uint32(encodertest.Ns), "myhost", uint8(0), uint16(0), false)
	f.Add("", "", "", "", "", "", "", "", uint32(0), uint32(0), "", uint8(1), uint16(0), true)
	f.Add("t\xff", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD\xff", "k\n", "ok\n<13>1 2026-11-23T09:22:25Z evil - - - forged", "\r", "\x00\x1b\x7f\\", uint32(math.MaxUint32), uint32(0), "h\xff", uint8(2), uint16(1), false)
	f.Add("日志", "源", "主机", "杭州", "msg", strings.Repeat("用户登录", 300), "k", "v", uint32(encodertest.Sec), uint32(1), "h", uint8(3), uint16(20), false)
	f.Add(`"`, `\`, "__tag__:x", "\u2028", "__topic__", `"}{"`, "__truncated__", "\u2029", uint32(encodertest.Sec), uint32(0), "h", uint8(5), uint16(0), false)
	f.Add("t", "s", "k", "v", "k#2", "x", "k", "y", uint32(encodertest.Sec), uint32(0), "h", uint8(6), uint16(7), true)
	for _, tc := range testCases() {
		if strings.Contains(tc.name, "100k") || strings.Contains(tc.name, "10k") || strings.Contains(tc.name, "500") {
			continue // huge inputs slow every mutation down; the golden tests have them
		}
		encodertest.AddSeed(f, &tc.group, &tc.log, "myhost", uint8(0), uint16(0), false)
	}
	f.Fuzz(func(t *testing.T, topic, source, tagKey, tagValue, k1, v1, k2, v2 string, sec, ns uint32, host string,
		layoutSel uint8, maxSel uint16, repeat bool) {
		o := fuzzOptions(layoutSel, maxSel)
		o.Header.Hostname = host
		o.Header.Facility, o.Header.Severity = int(layoutSel)%24, int(maxSel)%8
		if maxSel != 0 {
			o.Header.MaxMessageBytes = 480 + int(maxSel)%4096 + len(host)
		}
		e, err := NewEncoder(o)
		if !o.Bare && host != "" && header.ValidateHostname(host) != nil {
			if err == nil {
				t.Fatalf("NewEncoder accepted the hostname %q", host)
			}
			return
		}
		if err != nil {
			t.Fatalf("NewEncoder(%+v): %v", o, err)
		}
		if repeat {
			k2 = k1
		}
		g, l := encodertest.FuzzRecord(topic, source, tagKey, tagValue, sec, ns, k1, v1, k2, v2)
		frame, res := encodertest.AppendAfterPrior(t, e.AppendFrame, &g, &l)
		checkFrame(t, e, frame, &g, &l, res)
	})
}
