package leef

import (
	"bytes"
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

// The model below restates the package doc's rules without the encoder's code: what the attributes and header
// fields of a message must be. substitute, in text_test.go, is its character-by-character part.

// modelAttributes returns the attributes of log l in group g: topic, source, tags, devTime, contents. With subst,
// keys and values are substituted for delimiter d, an empty key becomes U+FFFD and a key used before gets
// _<attribute number> until it is unique; without, they are the record's as they are.
func modelAttributes(g *record.Group, l *record.Log, d rune, subst bool) []refparse.Pair {
	key := func(s string) string { return s }
	value := key
	if subst {
		key = func(s string) string {
			return substitute(s, func(r rune) bool { return r == d || r == '=' || r == '|' })
		}
		value = func(s string) string { return substitute(s, func(r rune) bool { return r == d }) }
	}
	out := []refparse.Pair{{Key: "__topic__", Value: value(g.Topic)}, {Key: "__source__", Value: value(g.Source)}}
	for _, t := range g.Tags {
		out = append(out, refparse.Pair{Key: "__tag__:" + key(t.Key), Value: value(t.Value)})
	}
	if l.Time != 0 || l.TimeNs != 0 {
		ms := time.Unix(int64(l.Time), int64(l.TimeNs)).UnixMilli()
		out = append(out, refparse.Pair{Key: "devTime", Value: fmt.Sprintf("%013d", ms)})
	}
	for _, c := range l.Contents {
		out = append(out, refparse.Pair{Key: key(c.Key), Value: value(c.Value)})
	}
	if subst {
		seen := map[string]bool{}
		for i := range out {
			if out[i].Key == "" {
				out[i].Key = "\uFFFD"
			}
			for seen[out[i].Key] {
				out[i].Key += "_" + strconv.Itoa(i+1)
			}
			seen[out[i].Key] = true
		}
	}
	return out
}

// modelField is a header field as sent: '|' and controls substituted, at most 255 characters.
func modelField(s string) string {
	s = substitute(s, func(r rune) bool { return r == '|' })
	if r := []rune(s); len(r) > 255 {
		s = string(r[:255])
	}
	return s
}

// checkFrame verifies one frame: framing, the bytes of the message, its size, the syslog header with crewjam's
// RFC 5424 parser or go-syslog's RFC 3164 parser, and the LEEF event with refparse.ParseLEEF against the model.
// ev is the header the message must carry (before substitution). It returns the parsed event.
func checkFrame(t testing.TB, e *Encoder, frame []byte, g *record.Group, l *record.Log, ev Event, res Result) refparse.LEEF {
	t.Helper()
	o := e.Options()
	ho := o.Header
	d := e.Delimiter()
	msg := encodertest.Message(t, ho.Framing, frame, ho.MaxMessageBytes, d == '\t')

	p, err := refparse.ParseLEEF(string(msg))
	if err != nil {
		t.Fatalf("refparse rejects the message: %v\nmessage: %q", err, msg)
	}
	checkSyslog(t, ho, l, msg, p.Prefix)

	if p.Version != o.Version.String() || p.Delimiter != d || (o.Version == V1) != (p.DelimiterSpec == "") {
		t.Fatalf("LEEF:%s delimiter %q (%q), want LEEF:%s delimiter %q", p.Version, p.Delimiter, p.DelimiterSpec, o.Version, d)
	}
	gotHead := []string{p.Vendor, p.Product, p.ProductVersion, p.EventID}
	wantHead := []string{modelField(ev.Vendor), modelField(ev.Product), modelField(ev.ProductVersion), modelField(ev.EventID)}
	rawHead := []string{ev.Vendor, ev.Product, ev.ProductVersion, ev.EventID}
	want := modelAttributes(g, l, d, true)
	raw := modelAttributes(g, l, d, false)
	if !res.Truncated {
		if !slices.Equal(gotHead, wantHead) {
			t.Fatalf("header fields %q, want %q", gotHead, wantHead)
		}
		if !slices.Equal(p.Attributes, want) {
			t.Fatalf("attributes differ\n got: %q\nwant: %q", p.Attributes, want)
		}
		if res.Sanitized != (!slices.Equal(want, raw) || !slices.Equal(wantHead, rawHead)) {
			t.Fatalf("Sanitized = %v, but attributes %q vs the record's %q", res.Sanitized, want, raw)
		}
		if len(p.Overlong()) > 0 {
			t.Fatalf("overlong: %v", p.Overlong())
		}
		return p
	}

	// Truncated: each header field a prefix of the model's, the attributes a prefix of the model's, only the last
	// one's value cut; and when nothing was substituted, the record's own.
	for i := range gotHead {
		if !strings.HasPrefix(wantHead[i], gotHead[i]) {
			t.Fatalf("header field %q is not a prefix of %q", gotHead[i], wantHead[i])
		}
	}
	if got, full := len(p.Attributes), len(want); got > full || got > 0 && (!slices.Equal(p.Attributes[:got-1], want[:got-1]) ||
		p.Attributes[got-1].Key != want[got-1].Key || !strings.HasPrefix(want[got-1].Value, p.Attributes[got-1].Value)) {
		t.Fatalf("truncated attributes are not a prefix of the record's\n got: %q\nwant: %q", p.Attributes, want)
	}
	if !res.Sanitized {
		for i, a := range p.Attributes {
			if a.Key != raw[i].Key || !strings.HasPrefix(raw[i].Value, a.Value) {
				t.Fatalf("not Sanitized, but attribute %q=%q is not the record's %q=%q", a.Key, a.Value, raw[i].Key, raw[i].Value)
			}
		}
	}
	overlong := false
	for _, f := range rawHead {
		overlong = overlong || utf8.RuneCountInString(substitute(f, func(r rune) bool { return r == '|' })) > 255
	}
	if ho.MaxMessageBytes == 0 && !overlong {
		t.Fatal("Truncated without a limit or a header field over 255 characters")
	}
	return p
}

// checkSyslog parses the syslog header of msg with crewjam/rfc5424 or go-syslog's RFC 3164 parser, and requires
// the fields of ho, the log's time, and refparse's prefix to end where their MSG starts.
func checkSyslog(t testing.TB, ho header.Options, l *record.Log, msg []byte, prefix string) {
	t.Helper()
	pri, _ := header.Priority(ho.Facility, ho.Severity)
	noTime := l.Time == 0 && l.TimeNs == 0
	if ho.Format == header.RFC3164 {
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		if strings.Contains(ho.Hostname, ":") { // go-syslog's RFC 3164 grammar takes no IPv6 host
			return
		}
		year := time.Unix(int64(l.Time), int64(l.TimeNs)).UTC().Year()
		if noTime {
			year = time.Now().UTC().Year()
		}
		// go-syslog's RFC 3164 MSG is printable characters only (visible = print | 0x80..0xFF): a tab, the default
		// delimiter, makes Parse return nil and no error. It gets the message with spaces for tabs instead.
		spaced := bytes.ReplaceAll(msg, []byte("\t"), []byte(" "))
		m, err := rfc3164.NewParser(rfc3164.WithYear(rfc3164.Year{YYYY: year}), rfc3164.WithTimezone(time.UTC)).Parse(spaced)
		sm, ok := m.(*rfc3164.SyslogMessage)
		if err != nil || !ok {
			t.Fatalf("go-syslog rfc3164 rejects %q: %v", spaced, err)
		}
		if int(*sm.Priority) != pri || ho.Hostname != "-" && str(sm.Hostname) != ho.Hostname {
			t.Fatalf("rfc3164: pri %d host %q, want %d %q", *sm.Priority, str(sm.Hostname), pri, ho.Hostname)
		}
		if !noTime && !sm.Timestamp.Equal(time.Unix(int64(l.Time)+int64(l.TimeNs/1e9), 0)) {
			t.Fatalf("rfc3164: time %v, log %d.%09d", sm.Timestamp, l.Time, l.TimeNs)
		}
		if ho.AppName != "-" { // with a tag, go-syslog's MSG is the LEEF event (without one it takes "LEEF" for the tag)
			if str(sm.Appname) == "" || str(sm.Message) != string(spaced[len(prefix):]) {
				t.Fatalf("rfc3164: tag %q, message %q; refparse's prefix %q", str(sm.Appname), str(sm.Message), prefix)
			}
		}
		return
	}
	if m := encodertest.CheckRFC5424(t, ho, msg, l); string(m.Message) != string(msg[len(prefix):]) {
		t.Fatalf("crewjam's MSG %q is not what follows refparse's prefix %q", m.Message, prefix)
	}
}
