package header

import (
	"strings"
	"testing"

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
