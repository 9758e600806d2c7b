package kv

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// fuzzSeparators are the separators the fuzzers pick from: the default, single bytes, and ones that overlap
// themselves or the fixed keys ("_", ":").
var fuzzSeparators = []string{"||", "|", ",", " ", "::", "_", "#|#", " | ", ":", "-"}

// fuzzOptions are the encoder options a fuzzer picks with two numbers: the separator and framing from sepSel, a
// limit of 480..1503 bytes from maxSel (0: none); local0.info, host "h".
func fuzzOptions(sepSel uint8, maxSel uint16) Options {
	o := Options{Facility: 16, Severity: 6, Hostname: "h", AppName: "siemship",
		Separator: fuzzSeparators[int(sepSel)%len(fuzzSeparators)], Framing: message.Framing(int(sepSel/16) % 3)}
	if maxSel != 0 {
		o.MaxMessageBytes = 480 + int(maxSel)%1024
	}
	return o
}

// FuzzEncode encodes arbitrary records and checks every frame with crewjam's parser and ParsePayload (see
// checkFrame): header fields, timestamp, no control byte in the message, exactly one LF at the end in LF framing,
// a correct octet-count prefix, the limit, valid UTF-8, and the original pairs byte for byte (invalid UTF-8 too).
func FuzzEncode(f *testing.F) {
	f.Add("mytopic", "src1", "host", "h9", "k", "pv0", "msg", "hello world", uint32(encodertest.Sec), uint32(encodertest.Ns), "myhost", uint8(0), uint16(0), uint8(0))
	f.Add("", "", "", "", "", "", "", "", uint32(0), uint32(0), "", uint8(0), uint16(0), uint8(1))
	f.Add("t", "s", "a||b", "x||", "k|", "|v", "=", "a=b", uint32(1), uint32(math.MaxUint32), "my host", uint8(1), uint16(0), uint8(1))
	f.Add("t\xff", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD\xff", "k\n", "ok\n<13>1 2026-11-23T09:22:25Z evil - - - forged", "\r", "\x00\x1b\x7f\\", uint32(math.MaxUint32), uint32(0), "h\xff", uint8(2), uint16(1), uint8(0))
	f.Add("日志", "源", "主机", "杭州", "msg", strings.Repeat("用户登录", 300), "k", "v", uint32(encodertest.Sec), uint32(1), "h", uint8(0), uint16(20), uint8(1))
	f.Add("_t_", "__", "_", "_", "__topic__", "x_", "_", "_", uint32(encodertest.Sec), uint32(0), "h", uint8(5), uint16(0), uint8(2))
	f.Add("#|", "#|#|#", "#", "|#", "#|#", "#|", "|", "#", uint32(encodertest.Sec), uint32(0), "h", uint8(6), uint16(7), uint8(0))
	for _, tc := range testCases() {
		encodertest.AddSeed(f, &tc.group, &tc.log, "myhost", uint8(0), uint16(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, topic, source, tagKey, tagValue, k1, v1, k2, v2 string, sec, ns uint32, host string,
		sepSel uint8, maxSel uint16, framingSel uint8) {
		o := Options{
			Facility: int(sepSel) % 24, Severity: int(maxSel) % 8,
			Hostname: host, AppName: "siemship", MsgID: "sls",
			Separator: fuzzSeparators[int(sepSel)%len(fuzzSeparators)],
			Framing:   message.Framing(framingSel % 3),
		}
		if maxSel != 0 {
			o.MaxMessageBytes = 480 + int(maxSel)%4096 + len(o.Hostname)
		}
		e, err := NewEncoder(o)
		if host != "" && header.ValidateHostname(host) != nil {
			if err == nil {
				t.Fatalf("NewEncoder accepted the hostname %q", host)
			}
			return
		}
		if err != nil {
			t.Fatalf("NewEncoder(%+v): %v", o, err)
		}
		g, l := encodertest.FuzzRecord(topic, source, tagKey, tagValue, sec, ns, k1, v1, k2, v2)
		frame, res := encodertest.AppendAfterPrior(t, e.AppendFrame, &g, &l)
		checkFrame(t, e, frame, &g, &l, res)
	})
}

// FuzzParsePayload feeds arbitrary text to ParsePayload: it must not panic, and whatever it accepts must survive
// re-encoding byte for byte: encode(parse(p)) is valid UTF-8 and parses to the same pairs, also where \xHH or a raw
// byte of p gave a pair invalid UTF-8.
func FuzzParsePayload(f *testing.F) {
	f.Add("||__topic__=t||__source__=s||k=v", uint8(0))
	f.Add("", uint8(0))
	f.Add("||", uint8(0))
	f.Add("||a", uint8(0))
	f.Add("||a\\", uint8(0))
	f.Add("||a\\x4", uint8(0))
	f.Add("||a\\xzz=b", uint8(0))
	f.Add("||k\\==v\\x00\\n\\r\\t\\\\\\|||x=y", uint8(0))
	f.Add("||k=\\xff\\xfe", uint8(0))
	f.Add("||\\xe4\\xb8=\\xed\\xa0\\x80||k\xc3=\xff\xfe v", uint8(0))
	f.Add("|k=v|=|=", uint8(1))
	f.Add("_\\_\\_topic\\_\\_=t_a=b", uint8(5))
	f.Add("#|#k=\\#|#|#x=\\#|#", uint8(6))
	f.Add("no separator", uint8(0))
	f.Fuzz(func(t *testing.T, payload string, sepSel uint8) {
		sep := fuzzSeparators[int(sepSel)%len(fuzzSeparators)]
		pairs, err := ParsePayload(payload, sep)
		if err != nil {
			return
		}
		e, err := NewEncoder(Options{Separator: sep, Framing: message.FramingNone})
		if err != nil {
			t.Fatal(err)
		}
		var enc []byte
		var r Result
		for _, p := range pairs {
			enc, _ = e.appendPair(enc, "", p.Key, false, p.Value, math.MaxInt, &r)
		}
		if !utf8.Valid(enc) {
			t.Fatalf("re-encoded payload %q is not valid UTF-8", enc)
		}
		again, err := ParsePayload(string(enc), sep)
		if err != nil {
			t.Fatalf("re-encoded payload %q does not parse: %v", enc, err)
		}
		if !slices.Equal(again, pairs) {
			t.Fatalf("payload %q parsed to %q, re-encoded as %q, parsed again to %q", payload, pairs, enc, again)
		}
	})
}
