package kv

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// refPlain is copyPlain's reference, byte at a time: no byte needs escaping and s is valid UTF-8.
func refPlain(s, sep string, key bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '\\' || c == sep[0] || key && c == '=' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// refEscape is appendEscaped's reference without a limit, byte at a time from the rules in doc.go. next is the
// text that follows s (a separator there counts).
func refEscape(s, next, sep string, key bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 { // a byte of invalid UTF-8
				fmt.Fprintf(&b, `\x%02x`, c)
				i++
				continue
			}
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		case c == sep[0] && strings.HasPrefix((s + next)[i:], sep):
			b.WriteByte('\\')
			b.WriteByte(c)
		case key && c == '=':
			b.WriteString(`\=`)
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// refFrame is AppendFrame's reference without MaxMessageBytes: time.Format for the timestamp, refEscape for
// every key and value, strconv for the octet count. It also returns whether anything was escaped.
func refFrame(o Options, g *record.Group, l *record.Log) ([]byte, bool) {
	pri, _ := header.Priority(o.Facility, o.Severity)
	ts := "-"
	if l.Time != 0 || l.TimeNs != 0 {
		ts = time.Unix(int64(l.Time), int64(l.TimeNs)).UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	msg := fmt.Sprintf("<%d>1 %s %s %s %s %s %s ", pri, ts, o.Hostname, o.AppName, o.ProcID, o.MsgID, o.StructuredData)
	var payload, raw strings.Builder
	for _, p := range flatten(g, l, func(s string) string { return s }) {
		payload.WriteString(o.Separator + refEscape(p.Key, "", o.Separator, true) + "=" + refEscape(p.Value, o.Separator, o.Separator, false))
		raw.WriteString(o.Separator + p.Key + "=" + p.Value)
	}
	msg += payload.String()
	switch o.Framing {
	case message.FramingOctet:
		msg = strconv.Itoa(len(msg)) + " " + msg
	case message.FramingLF:
		msg += "\n"
	}
	return []byte(msg), payload.String() != raw.String()
}

// FuzzCopyPlain compares copyPlain (eight bytes at a time) with refPlain for every fuzzer separator, keys and
// values, and checks that it copies s exactly into buf[:len(s)] and writes nothing after it.
func FuzzCopyPlain(f *testing.F) {
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghi", "x=y", "a|b", "a||b",
		"a\\b", "\x00", "\x1f", " ", "~", "\x7f", "\x80", "é", "用户登录", "\xe4\xb8", "\xed\xa0\x80", "\uFFFD",
		"0123456789abcdef0123456789abcdef\n", "4A6C1D6E-8B1F-4C2E-9E3A-1F2B3C4D5E6F", "_", ":", "#", ",", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, sep := range fuzzSeparators {
			for _, key := range []bool{false, true} {
				buf := bytes.Repeat([]byte{0xAA}, len(s)+8)
				got := copyPlain(buf, s, newByteTables(sep, key))
				if want := refPlain(s, sep, key); got != want {
					t.Fatalf("copyPlain(%q) sep %q key=%v: %v, reference %v", s, sep, key, got, want)
				}
				if string(buf[:len(s)]) != s || !bytes.Equal(buf[len(s):], bytes.Repeat([]byte{0xAA}, 8)) {
					t.Fatalf("copyPlain(%q) sep %q key=%v wrote %q", s, sep, key, buf)
				}
			}
		}
	})
}

// FuzzAppendFrameReference encodes records of up to 2 tags and 6 contents (taken from data, split at 0x1e)
// three ways and requires the same bytes: AppendFrame; AppendFrame without its fast path (appendPlainPairs),
// also with a limit; and, without a limit, refFrame.
func FuzzAppendFrameReference(f *testing.F) {
	f.Add("actiontrail\x1e10.0.3.17\x1e__hostname__\x1eecs-web-01\x1eeventName\x1eConsoleSignin\x1emsg\x1ehello world", uint8(0), uint8(1), uint16(0), uint32(encodertest.Sec), uint32(encodertest.Ns))
	f.Add("a||b\x1e|\x1ek=\x1e\xff\xfe\x1e\n\x1e\\\x1e用户登录\x1e\x7f\x1e\x1eends|", uint8(0), uint8(0), uint16(3), uint32(0), uint32(0))
	f.Add("t\x1es\x1ek\x1e"+strings.Repeat("用户登录", 100)+"\x1eok\x1e"+strings.Repeat("x", 300), uint8(6), uint8(2), uint16(1), uint32(1), uint32(2))
	f.Add("_t_\x1e__\x1e_\x1e_\x1e__topic__\x1ex_", uint8(5), uint8(1), uint16(0), uint32(encodertest.Sec), uint32(0))
	f.Add("t\x1es\x1ea\x1ecaf\xc3\x1eb\x1e\xe4\xb8\xe4", uint8(2), uint8(0), uint16(0), uint32(math.MaxUint32), uint32(math.MaxUint32))
	f.Fuzz(func(t *testing.T, data string, sepSel, tagSel uint8, maxSel uint16, sec, ns uint32) {
		parts := strings.SplitN(data, "\x1e", 2+2*8)
		parts = append(parts, "", "")
		g := record.Group{Topic: parts[0], Source: parts[1]}
		l := record.Log{Time: sec, TimeNs: ns}
		for i := 2; i+1 < len(parts); i += 2 {
			fld := record.Field{Key: parts[i], Value: parts[i+1]}
			if len(g.Tags) < int(tagSel%3) {
				g.Tags = append(g.Tags, fld)
			} else {
				l.Contents = append(l.Contents, fld)
			}
		}
		o := fuzzOptions(sepSel, maxSel)
		o.Facility, o.Severity = int(sepSel)%24, int(tagSel)%8
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := NewEncoder(o)
		if err != nil {
			t.Fatal(err)
		}
		slow.constPlain = false // appendPair for every pair
		frame, res := e.AppendFrame([]byte("prior"), &g, &l)
		slowFrame, slowRes := slow.AppendFrame([]byte("prior"), &g, &l)
		if !bytes.Equal(frame, slowFrame) || res != slowRes {
			t.Fatalf("fast and slow paths differ\nfast %+v %q\nslow %+v %q", res, frame, slowRes, slowFrame)
		}
		if o.MaxMessageBytes != 0 {
			return
		}
		want, sanitized := refFrame(e.Options(), &g, &l)
		if !bytes.Equal(frame[5:], want) || res != (Result{Sanitized: sanitized}) {
			t.Fatalf("AppendFrame differs from the reference\n got %+v %q\nwant %v %q", res, frame[5:], sanitized, want)
		}
	})
}
