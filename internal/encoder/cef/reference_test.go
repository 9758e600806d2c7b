package cef

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// refKey is appendKey's reference, from the rule in docs/format.md: an alphanumeric key without an escape is sent
// as is, unless it is empty ("x"), "x" or a consumer key (first byte escaped); any other byte, and an 'x' that two
// upper-case hex digits follow, becomes x and two upper-case hex digits.
func refKey(k string) string {
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }
	esc := func(i int) bool {
		c := k[i]
		alnum := c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		return !alnum || c == 'x' && i+2 < len(k) && isHex(k[i+1]) && isHex(k[i+2])
	}
	if k == "" {
		return "x"
	}
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if esc(i) || i == 0 && (k == "x" || slices.Contains(consumerKeysTest, k)) {
			fmt.Fprintf(&b, "x%02X", k[i])
		} else {
			b.WriteByte(k[i])
		}
	}
	return b.String()
}

// refEscape escapes s for a header field (header) or an extension value, character by character, as the table in
// docs/format.md says.
func refEscape(s string, header bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('\uFFFD')
		case r == '\\':
			b.WriteString(`\\`)
		case r == '|' && header:
			b.WriteString(`\|`)
		case r == '=' && !header:
			b.WriteString(`\=`)
		case r == '\n' && !header:
			b.WriteString(`\n`)
		case r == '\r' && !header:
			b.WriteString(`\r`)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// refFrame is AppendFrame's reference without MaxMessageBytes: the syslog header with package time and fmt, the
// CEF header and extension with refEscape and refKey, strconv for the octet count. o must be the effective options
// (Encoder.Options) and the log must have a time when the header is RFC 3164.
func refFrame(o Options, g *record.Group, l *record.Log) []byte {
	h := o.Header
	pri, _ := header.Priority(h.Facility, h.Severity)
	t := time.Unix(int64(l.Time), int64(l.TimeNs)).UTC()
	var msg string
	if h.Format == header.RFC3164 {
		tag := ""
		if h.AppName != "-" {
			tag = h.AppName
			if h.ProcID != "-" {
				tag += "[" + h.ProcID + "]"
			}
			tag += ": "
		}
		msg = fmt.Sprintf("<%d>%s %s %s", pri, t.In(h.Location).Format("Jan _2 15:04:05"), h.Hostname, tag)
	} else {
		ts := "-"
		if l.Time != 0 || l.TimeNs != 0 {
			ts = t.Format("2006-01-02T15:04:05.000000Z")
		}
		msg = fmt.Sprintf("<%d>1 %s %s %s %s %s %s ", pri, ts, h.Hostname, h.AppName, h.ProcID, h.MsgID, h.StructuredData)
	}
	field := func(s, def string, max int) string {
		if s == "" {
			s = g.Topic
		}
		if s == "" {
			s = def
		}
		return refEscape(firstUnits(s, max), true)
	}
	msg += "CEF:0|" + refEscape(o.Vendor, true) + "|" + refEscape(o.Product, true) + "|" + refEscape(o.Version, true) +
		"|" + field(o.EventClass, DefaultEventClass, MaxEventClass) + "|" + field(o.Name, DefaultName, MaxName) + "|" +
		strconv.Itoa(o.Severity) + "|"
	var pairs []string
	if l.Time != 0 || l.TimeNs != 0 {
		pairs = append(pairs, "rt="+strconv.FormatUint(uint64(l.Time)*1000+uint64(l.TimeNs)/1e6, 10))
	}
	pairs = append(pairs, "slsTopic="+refEscape(g.Topic, false), "slsSource="+refEscape(g.Source, false))
	for _, tg := range g.Tags {
		pairs = append(pairs, refKey("slsTag"+tg.Key)+"="+refEscape(tg.Value, false))
	}
	for _, c := range l.Contents {
		pairs = append(pairs, refKey(c.Key)+"="+refEscape(c.Value, false))
	}
	msg += strings.Join(pairs, " ")
	switch h.Framing {
	case message.FramingOctet:
		msg = strconv.Itoa(len(msg)) + " " + msg
	case message.FramingLF:
		msg += "\n"
	}
	return []byte(msg)
}
