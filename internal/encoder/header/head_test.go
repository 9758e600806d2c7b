package header

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/rfc5424"
	"github.com/leodido/go-syslog/v4/rfc3164"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// TestBeginHead checks the header fields a mapping chose with parsers we did not write: each value lands in its
// field, sanitized and cut as the setting's validator would require, and the settings fill the rest.
func TestBeginHead(t *testing.T) {
	base := Options{Framing: message.FramingNone, Facility: 1, Severity: 6, Hostname: "set-host", AppName: "set-app", ProcID: "42", MsgID: "set-msg"}
	l := record.Log{Time: 1795425745, TimeNs: 147e6}
	tests := []struct {
		name                 string
		hd                   *message.Head
		pri                  int
		host, app, msgid     string
		sanitized, truncated bool
	}{
		{"nil", nil, 14, "set-host", "set-app", "set-msg", false, false},
		{"none set", &message.Head{Hostname: "x"}, 14, "set-host", "set-app", "set-msg", false, false},
		{"severity", &message.Head{Set: message.HeadSeverity, Severity: 4}, 12, "set-host", "set-app", "set-msg", false, false},
		{"facility and severity", &message.Head{Set: message.HeadSeverity | message.HeadFacility, Severity: 0, Facility: 23}, 184, "set-host", "set-app", "set-msg", false, false},
		{"bad severity keeps the setting", &message.Head{Set: message.HeadSeverity, Severity: 8}, 14, "set-host", "set-app", "set-msg", true, false},
		{"fields", &message.Head{Set: message.HeadHostname | message.HeadAppName | message.HeadMsgID, Hostname: "h1", AppName: "a1", MsgID: "m1"}, 14, "h1", "a1", "m1", false, false},
		{"hostname only", &message.Head{Set: message.HeadHostname, Hostname: "h1"}, 14, "h1", "set-app", "set-msg", false, false},
		{"spaces and UTF-8 replaced", &message.Head{Set: message.HeadHostname | message.HeadAppName, Hostname: "a b\nc", AppName: "é"}, 14, "a_b_c", "__", "set-msg", true, false},
		{"empty is the nil value", &message.Head{Set: message.HeadHostname, Hostname: ""}, 14, "", "set-app", "set-msg", false, false},
		{"cut to the limit", &message.Head{Set: message.HeadAppName | message.HeadMsgID, AppName: strings.Repeat("a", 60), MsgID: strings.Repeat("m", 40)}, 14, "set-host", strings.Repeat("a", MaxAppName), strings.Repeat("m", MaxMsgID), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(base)
			if err != nil {
				t.Fatal(err)
			}
			dst, start, _, sanitized := h.BeginHead(nil, &l, tt.hd)
			dst = h.End(append(dst, "msg"...), start)
			if sanitized != tt.sanitized {
				t.Errorf("sanitized %v, want %v", sanitized, tt.sanitized)
			}
			m := new(rfc5424.Message)
			if err := m.UnmarshalBinary(dst); err != nil {
				t.Fatalf("%q: %v", dst, err)
			}
			if got := int(m.Priority); got != tt.pri || m.Hostname != tt.host || m.AppName != tt.app || m.MessageID != tt.msgid || m.ProcessID != "42" || string(m.Message) != "msg" {
				t.Errorf("%q parsed as pri %d host %q app %q msgid %q procid %q msg %q; want pri %d host %q app %q msgid %q",
					dst, m.Priority, m.Hostname, m.AppName, m.MessageID, m.ProcessID, m.Message, tt.pri, tt.host, tt.app, tt.msgid)
			}
		})
	}
}

// TestBeginHeadRFC3164 checks the RFC 3164 header with chosen fields through leodido/go-syslog's parser.
func TestBeginHeadRFC3164(t *testing.T) {
	l := record.Log{Time: 1795425745}
	for _, tt := range []struct {
		name      string
		o         Options
		hd        message.Head
		host, tag string
		pri       uint8
	}{
		{"host and app", Options{Framing: message.FramingNone, Format: RFC3164, Facility: 16, Severity: 6}, message.Head{Set: message.HeadHostname | message.HeadAppName | message.HeadSeverity, Hostname: "web:1", AppName: "my app", Severity: 3}, "web_1", "my_app", 131},
		{"app from setting", Options{Framing: message.FramingNone, Format: RFC3164, Facility: 16, Severity: 6, AppName: "set"}, message.Head{Set: message.HeadHostname, Hostname: "h"}, "h", "set", 134},
		{"empty app is the default tag", Options{Framing: message.FramingNone, Format: RFC3164, Facility: 16, Severity: 6, ProcID: "7"}, message.Head{Set: message.HeadAppName}, "-", DefaultTag, 134},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			dst, _, _, _ := h.BeginHead(nil, &l, &tt.hd)
			dst = append(dst, "msg"...)
			m, err := rfc3164.NewParser(rfc3164.WithYear(rfc3164.CurrentYear{})).Parse(dst)
			if err != nil {
				t.Fatalf("%q: %v", dst, err)
			}
			sm := m.(*rfc3164.SyslogMessage)
			if *sm.Priority != tt.pri || (sm.Hostname == nil) != (tt.host == "-") || sm.Hostname != nil && *sm.Hostname != tt.host || sm.Appname == nil || *sm.Appname != tt.tag || *sm.Message != "msg" {
				t.Errorf("%q parsed as %+v", dst, sm)
			}
		})
	}
}

// TestBeginHeadRoom keeps MinMsgRoom for MSG when the chosen fields would take it: the settings' fields are sent.
func TestBeginHeadRoom(t *testing.T) {
	h, err := New(Options{Framing: message.FramingNone, Severity: 6, MaxMessageBytes: 480})
	if err != nil {
		t.Fatal(err)
	}
	l := record.Log{Time: 1795425745}
	hd := message.Head{Set: message.HeadHostname | message.HeadSeverity, Hostname: strings.Repeat("h", 255), Severity: 2}
	hd2 := hd
	hd2.Hostname = strings.Repeat("h", 400)
	// With a long PROCID and STRUCTURED-DATA set, a 255-byte hostname leaves less than 64 bytes.
	h2, err := New(Options{Framing: message.FramingNone, Severity: 6, MaxMessageBytes: 480, ProcID: strings.Repeat("p", 128),
		StructuredData: `[a@1 k="` + strings.Repeat("v", 150) + `"]`})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		h         *Header
		hd        *message.Head
		wantHost  string
		sanitized bool
	}{{h, &hd, strings.Repeat("h", 255), false}, {h, &hd2, strings.Repeat("h", 255), true}, {h2, &hd, "-", true}} {
		dst, start, limit, sanitized := c.h.BeginHead(nil, &l, c.hd)
		if limit-len(dst) < MinMsgRoom || sanitized != c.sanitized {
			t.Errorf("room %d, sanitized %v (want %v)", limit-len(dst), sanitized, c.sanitized)
		}
		dst = c.h.End(append(dst, "msg"...), start)
		m := new(rfc5424.Message)
		if err := m.UnmarshalBinary(dst); err != nil || m.Hostname != c.wantHost && !(c.wantHost == "-" && m.Hostname == "") || m.Priority != 2 {
			t.Errorf("%q: %v, host %q pri %d", dst, err, m.Hostname, m.Priority)
		}
	}
}

// FuzzBeginHead writes headers with arbitrary chosen fields and requires a parser we did not write to read each
// field as BeginHead's rules say: the value with every byte a field cannot hold as '_', cut to the field's limit,
// "" as the NILVALUE; a severity or facility out of range keeps the setting.
func FuzzBeginHead(f *testing.F) {
	f.Add(uint8(0), uint16(0x1f), "web-01", "app", "ID47", 3, 16)
	f.Add(uint8(1), uint16(0x7), "a b\n\xff", "é:x/y", "", 9, -1)
	f.Add(uint8(0), uint16(0x3), strings.Repeat("h", 300), strings.Repeat("a", 60), strings.Repeat("m", 40), 7, 23)
	f.Fuzz(func(t *testing.T, format uint8, set uint16, host, app, msgid string, sev, fac int) {
		o := Options{Format: Format(format % 2), Facility: 1, Severity: 6, Framing: message.FramingNone, ProcID: "42"}
		h, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		hd := message.Head{Set: message.HeadFields(set) & syslogFields, Severity: sev, Facility: fac,
			Hostname: host, AppName: app, MsgID: msgid}
		l := record.Log{Time: 1795425745}
		dst, start, limit, sanitized := h.BeginHead(nil, &l, &hd)
		if start != 0 || limit != math.MaxInt {
			t.Fatalf("start %d limit %d", start, limit)
		}
		msg := append(dst, "msg"...)
		wantSev, wantFac := 6, 1
		changed := false
		if hd.Has(message.HeadSeverity) {
			if sev >= 0 && sev <= 7 {
				wantSev = sev
			} else {
				changed = true
			}
		}
		if hd.Has(message.HeadFacility) {
			if fac >= 0 && fac <= 23 {
				wantFac = fac
			} else {
				changed = true
			}
		}
		field := func(bit message.HeadFields, v, setting string, max int, ok func(byte) bool) string {
			if !hd.Has(bit) {
				return setting
			}
			if v == "" {
				return "-"
			}
			b := []byte(v[:min(len(v), max)])
			changed = changed || len(v) > max
			for i, c := range b {
				if !ok(c) {
					b[i], changed = '_', true
				}
			}
			return string(b)
		}
		if o.Format == RFC5424 {
			wantHost := field(message.HeadHostname, host, "-", MaxHostname, printByte)
			wantApp := field(message.HeadAppName, app, "-", MaxAppName, printByte)
			wantMsgID := field(message.HeadMsgID, msgid, "-", MaxMsgID, printByte)
			m := new(rfc5424.Message)
			if err := m.UnmarshalBinary(msg); err != nil {
				t.Fatalf("crewjam rejects %q: %v", msg, err)
			}
			nil2 := func(s string) string {
				if s == "-" {
					return ""
				}
				return s
			}
			if int(m.Priority) != wantFac*8+wantSev || m.Hostname != nil2(wantHost) || m.AppName != nil2(wantApp) ||
				m.MessageID != nil2(wantMsgID) || m.ProcessID != "42" || string(m.Message) != "msg" {
				t.Fatalf("%q parsed as %+v; want pri %d host %q app %q msgid %q", msg, m, wantFac*8+wantSev, wantHost, wantApp, wantMsgID)
			}
		} else {
			wantHost := field(message.HeadHostname, host, "-", MaxHostname, hostByte)
			wantTag := DefaultTag
			if hd.Has(message.HeadAppName) && app != "" && app != "-" {
				wantTag = field(message.HeadAppName, app, "", MaxTag, hostByte)
			}
			p := rfc3164.NewParser(rfc3164.WithYear(rfc3164.Year{YYYY: 2026}), rfc3164.WithTimezone(time.UTC))
			m, err := p.Parse(msg)
			sm, ok := m.(*rfc3164.SyslogMessage)
			if err != nil || !ok {
				t.Fatalf("go-syslog rejects %q: %v", msg, err)
			}
			if int(*sm.Priority) != wantFac*8+wantSev || wantHost != "-" && (sm.Hostname == nil || *sm.Hostname != wantHost) ||
				sm.Appname == nil || *sm.Appname != wantTag || sm.ProcID == nil || *sm.ProcID != "42" || *sm.Message != "msg" {
				t.Fatalf("%q parsed as %+v; want host %q tag %q", msg, sm, wantHost, wantTag)
			}
		}
		if sanitized != changed {
			t.Fatalf("sanitized %v, want %v for %q", sanitized, changed, msg)
		}
	})
}
