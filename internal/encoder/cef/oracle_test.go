package cef

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/leodido/go-syslog/v4/rfc3164"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
	"github.com/siemship/siemship/internal/testgear/refparse"
)

// This file checks messages against parsers siemship did not write for its encoders (crewjam/rfc5424 and
// go-syslog's RFC 3164 parser for the syslog header, refparse.ParseCEF for CEF) and against what the package doc and
// docs/format.md promise, restated here byte by byte without the encoder's code.

// consumerKeysTest are the dictionary keys for consumers only (CEF Implementation Standard rev. 27, chapter 2),
// restated for the tests.
var consumerKeysTest = strings.Fields(`agentDnsDomain agentNtDomain agentTranslatedAddress agentTranslatedZoneExternalID
	agentTranslatedZoneURI agentZoneExternalID agentZoneURI agt ahost aid amac art at atz av customerExternalID
	customerURI destinationTranslatedZoneExternalID destinationTranslatedZoneURI destinationZoneExternalID
	destinationZoneURI deviceTranslatedZoneExternalID deviceTranslatedZoneURI deviceZoneExternalID deviceZoneURI dlat
	dlong eventId rawEvent slat slong sourceTranslatedZoneExternalID sourceTranslatedZoneURI sourceZoneExternalID
	sourceZoneURI`)

// decodeKey recovers the SLS key from a CEF key as docs/format.md says: "x" alone is the empty key; otherwise every
// 'x' followed by two upper-case hex digits is the byte they name.
func decodeKey(k string) string {
	if k == "x" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] == 'x' && i+2 < len(k) && strings.ContainsRune("0123456789ABCDEF", rune(k[i+1])) &&
			strings.ContainsRune("0123456789ABCDEF", rune(k[i+2])) {
			n, _ := strconv.ParseUint(k[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(k[i])
	}
	return b.String()
}

// visible is what a parser returns for text that CEF cannot carry as is: C0 controls and DEL as their Unicode
// Control Pictures, each byte of invalid UTF-8 as U+FFFD; keepBreaks leaves LF and CR (escaped in values).
func visible(s string, keepBreaks bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune('\uFFFD')
		case keepBreaks && (r == '\n' || r == '\r'):
			b.WriteRune(r)
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

// firstUnits returns the first n characters of s, counting each byte of invalid UTF-8 as one.
func firstUnits(s string, n int) string {
	i := 0
	for ; i < len(s) && n > 0; n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// hostile reports whether s holds a control byte, DEL or invalid UTF-8.
func hostile(s string) bool {
	return !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// want is what a message must carry for a log, as parsed: header fields, pairs (SLS names and visible values), and
// whether the record had to be sanitized and its header fields cut.
type want struct {
	vendor, product, version, class, name, severity string
	pairs                                           []refparse.Pair
	sanitized, headerCut                            bool
	lastTrimmed                                     bool // the final value had trailing spaces, which parsers drop
}

// expect computes want from the effective options, the group and the log, from the rules of docs/format.md.
func expect(o Options, g *record.Group, l *record.Log) want {
	w := want{vendor: o.Vendor, product: o.Product, version: o.Version, severity: strconv.Itoa(o.Severity)}
	hdr := func(s, def string, max int) string {
		constant := s != ""
		if s == "" {
			s = g.Topic
		}
		if s == "" {
			s, constant = def, true
		}
		sent := firstUnits(s, max)
		if sent != s {
			w.headerCut = true
		}
		// Sanitized counts what was sent of the record: an escape or a replacement in the part that was not cut
		// of a header field that comes from the record (the topic), not of a setting.
		if !constant && (strings.ContainsAny(sent, `\|`) || hostile(sent)) {
			w.sanitized = true
		}
		return visible(sent, false)
	}
	w.class, w.name = hdr(o.EventClass, DefaultEventClass, MaxEventClass), hdr(o.Name, DefaultName, MaxName)
	if l.Time != 0 || l.TimeNs != 0 {
		ms := int64(l.Time)*1000 + int64(l.TimeNs)/1e6
		w.pairs = append(w.pairs, refparse.Pair{Key: "rt", Value: strconv.FormatInt(ms, 10)})
	}
	add := func(key, value string) {
		if hostile(key) || strings.ContainsAny(value, `\=`) || hostile(value) {
			w.sanitized = true
		}
		w.pairs = append(w.pairs, refparse.Pair{Key: key, Value: visible(value, true)})
	}
	add("slsTopic", g.Topic)
	add("slsSource", g.Source)
	for _, t := range g.Tags {
		add("slsTag"+t.Key, t.Value)
	}
	for _, c := range l.Contents {
		add(c.Key, c.Value)
	}
	// The standard: "the final value loses its trailing spaces".
	last := &w.pairs[len(w.pairs)-1]
	trimmed := strings.TrimRight(last.Value, " ")
	w.lastTrimmed, last.Value = trimmed != last.Value, trimmed
	return w
}

// checkFrame verifies one frame: framing, bytes, the syslog header with crewjam or go-syslog, the CEF message with
// refparse, and that the header fields and pairs are the record's (keys decoded, values as docs/format.md says),
// all of them or, when res.Truncated, a prefix. It returns what refparse parsed.
func checkFrame(t testing.TB, e *Encoder, frame []byte, g *record.Group, l *record.Log, res Result) refparse.CEF {
	t.Helper()
	o := e.Options()
	msg := encodertest.Message(t, o.Header.Framing, frame, o.Header.MaxMessageBytes, false)

	c, err := refparse.ParseCEF(string(msg))
	if err != nil {
		t.Fatalf("refparse: %v\nmessage: %q", err, msg)
	}
	cefText := string(msg[len(c.Prefix):])
	checkSyslogHeader(t, o.Header, msg, c.Prefix, cefText, l)
	if c.Version != 0 {
		t.Fatalf("CEF:%d, want CEF:0", c.Version)
	}

	w := expect(o, g, l)
	if c.DeviceVendor != w.vendor || c.DeviceProduct != w.product || c.DeviceVersion != w.version || c.Severity != w.severity {
		t.Fatalf("header %q|%q|%q|%q, want %q|%q|%q|%q", c.DeviceVendor, c.DeviceProduct, c.DeviceVersion, c.Severity,
			w.vendor, w.product, w.version, w.severity)
	}
	if ov := c.Overlong(); ov != nil {
		t.Fatalf("header fields over the standard's limits: %v", ov)
	}
	keys := make([]refparse.Pair, len(c.Extension))
	for i, p := range c.Extension {
		keys[i] = refparse.Pair{Key: decodeKey(p.Key), Value: p.Value}
		if slices.Contains(consumerKeysTest, p.Key) {
			t.Fatalf("consumer key %q sent", p.Key)
		}
		if IsProducerKey(keys[i].Key) && p.Key != keys[i].Key {
			t.Fatalf("dictionary key %q sent as %q", keys[i].Key, p.Key)
		}
	}

	if !res.Truncated {
		if c.DeviceEventClassID != w.class || c.Name != w.name {
			t.Fatalf("class and name %q, %q; want %q, %q", c.DeviceEventClassID, c.Name, w.class, w.name)
		}
		if !slices.Equal(keys, w.pairs) {
			t.Fatalf("pairs differ\n got: %q\nwant: %q\nmessage: %q", keys, w.pairs, msg)
		}
		if w.headerCut {
			t.Fatal("a header field was cut, but Truncated is false")
		}
		if res.Sanitized != w.sanitized {
			t.Fatalf("Sanitized = %v, want %v\nmessage: %q", res.Sanitized, w.sanitized, msg)
		}
		return c
	}
	if !strings.HasPrefix(w.class, c.DeviceEventClassID) || !strings.HasPrefix(w.name, c.Name) {
		t.Fatalf("class and name %q, %q are not prefixes of %q, %q", c.DeviceEventClassID, c.Name, w.class, w.name)
	}
	if o.Header.MaxMessageBytes == 0 && !w.headerCut {
		t.Fatal("Truncated without a limit or an overlong header field")
	}
	n := len(keys)
	if n > len(w.pairs) || n > 0 && (!slices.Equal(keys[:n-1], w.pairs[:n-1]) || keys[n-1].Key != w.pairs[n-1].Key ||
		!strings.HasPrefix(w.pairs[n-1].Value, keys[n-1].Value)) {
		t.Fatalf("truncated pairs are not a prefix of the record\n got: %q\nwant: %q", keys, w.pairs)
	}
	if n == len(w.pairs) && keys[n-1] == w.pairs[n-1] && !w.lastTrimmed && !w.headerCut && c.DeviceEventClassID == w.class &&
		c.Name == w.name {
		t.Fatalf("Truncated, but nothing is missing\nmessage: %q", msg)
	}
	return c
}

// checkSyslogHeader parses the syslog header with crewjam/rfc5424 or go-syslog's RFC 3164 parser and compares it
// with the options and the log's time; MSG must be the CEF message that refparse found after prefix.
func checkSyslogHeader(t testing.TB, o header.Options, msg []byte, prefix, cefText string, l *record.Log) {
	t.Helper()
	pri, _ := header.Priority(o.Facility, o.Severity)
	nil2empty := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	noTime := l.Time == 0 && l.TimeNs == 0
	if o.Format == header.RFC3164 {
		year := time.Unix(int64(l.Time), int64(l.TimeNs)).UTC().Year()
		if noTime {
			year = time.Now().UTC().Year()
		}
		p := rfc3164.NewParser(rfc3164.WithYear(rfc3164.Year{YYYY: year}), rfc3164.WithTimezone(time.UTC))
		m, err := p.Parse(msg)
		if err != nil {
			t.Fatalf("go-syslog rfc3164 rejects the message: %v\nmessage: %q", err, msg)
		}
		sm := m.(*rfc3164.SyslogMessage)
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		if sm.Priority == nil || int(*sm.Priority) != pri || str(sm.Hostname) != nil2empty(o.Hostname) {
			t.Fatalf("go-syslog parsed pri %v host %q, options %+v", sm.Priority, str(sm.Hostname), o)
		}
		if o.AppName != "-" && (str(sm.Appname) != o.AppName || str(sm.Message) != cefText) {
			t.Fatalf("go-syslog parsed tag %q and message %.80q; want %q and %.80q", str(sm.Appname), str(sm.Message),
				o.AppName, cefText)
		}
		if sm.Timestamp == nil || !noTime && !sm.Timestamp.Equal(time.Unix(int64(l.Time)+int64(l.TimeNs/1e9), 0)) {
			t.Fatalf("go-syslog parsed time %v", sm.Timestamp)
		}
		return
	}
	if hdr := fmt.Sprintf("<%d>1 ", pri); !strings.HasPrefix(prefix, hdr) {
		t.Fatalf("prefix %q does not start with %q", prefix, hdr)
	}
	if m := encodertest.CheckRFC5424(t, o, msg, l); string(m.Message) != cefText {
		t.Fatalf("crewjam's MSG %.80q is not the CEF message %.80q", m.Message, cefText)
	}
}
