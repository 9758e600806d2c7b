package header

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crewjam/rfc5424"
	"github.com/leodido/go-syslog/v4/rfc3164"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name    string
		o       Options
		wantErr string // substring; "" means valid
	}{
		{"defaults", Options{}, ""},
		{"rfc3164", Options{Format: RFC3164, Facility: 16, Severity: 6}, ""},
		{"facility", Options{Facility: 24}, "facility 24"},
		{"severity", Options{Severity: -1}, "severity -1"},
		{"framing", Options{Framing: 9}, "framing 9"},
		{"format", Options{Format: 5}, "header format 5"},
		{"sd", Options{StructuredData: "[x]"}, "SD-ID"},
		{"max negative", Options{MaxMessageBytes: -1}, "negative"},
		{"max 479", Options{MaxMessageBytes: 479}, "max message bytes 479: must be at least 480, the size every syslog receiver accepts"},
		{"max 480", Options{MaxMessageBytes: 480}, ""},
		{"max too small for the header", Options{MaxMessageBytes: 480, Hostname: strings.Repeat("h", 255),
			AppName: strings.Repeat("a", 48), ProcID: strings.Repeat("p", 128)}, "must be at least 535: the header and structured data take 471 bytes"},
		{"max just enough for the header", Options{MaxMessageBytes: 535, Hostname: strings.Repeat("h", 255),
			AppName: strings.Repeat("a", 48), ProcID: strings.Repeat("p", 128)}, ""},
		{"longest fields", Options{Hostname: strings.Repeat("h", 255), AppName: strings.Repeat("a", 48),
			ProcID: strings.Repeat("p", 128), MsgID: strings.Repeat("m", 32)}, ""},
		{"hostname 256", Options{Hostname: strings.Repeat("h", 256)}, "hostname"},
		{"hostname space", Options{Hostname: "my host"}, `hostname "my host": must be 1 to 255 printable US-ASCII characters without spaces (RFC 5424 HOSTNAME), or - for none`},
		{"app name 49", Options{AppName: strings.Repeat("a", 49)}, "app name"},
		{"app name LF", Options{AppName: "app\nname"}, "app name"},
		{"procid UTF-8", Options{ProcID: "pïd"}, "procid"},
		{"msgid 33", Options{MsgID: strings.Repeat("m", 33)}, "msgid"},
		{"msgid invalid UTF-8", Options{MsgID: "a\xffb"}, "msgid"},
		{"rfc3164 refuses what rfc5424 refuses", Options{Format: RFC3164, Hostname: "my host"}, "hostname"},
		{"several", Options{Facility: 99, Severity: 99, Hostname: "a b"},
			"facility 99: must be a facility name (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0 … local7) or a number 0 to 23\n" +
				"severity 99: must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7\n" +
				`hostname "a b"`},
		{"rfc3164 fits where rfc5424 does not", Options{Format: RFC3164, MaxMessageBytes: 480,
			Hostname: strings.Repeat("h", 255), AppName: strings.Repeat("a", 48), ProcID: strings.Repeat("p", 100)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.o)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("New: %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"rfc5424": RFC5424, "RFC3164": RFC3164, " rfc3164 ": RFC3164} {
		if f, err := ParseFormat(in); err != nil || f != want {
			t.Errorf("ParseFormat(%q) = %v, %v", in, f, err)
		}
		if f, _ := ParseFormat(want.String()); f != want {
			t.Errorf("ParseFormat(%v.String()) = %v", want, f)
		}
	}
	if _, err := ParseFormat("bsd"); err == nil {
		t.Error("ParseFormat(bsd) accepted")
	}
}

// message builds one message with header h around msg, without framing.
func build(t *testing.T, o Options, l record.Log, msg string) (string, *Header) {
	t.Helper()
	o.Framing = message.FramingNone
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	dst, start, _ := h.Begin(nil, &l)
	dst = append(dst, msg...)
	return string(h.End(dst, start)), h
}

// TestRFC3164Parsed writes RFC 3164 headers and reads them back with leodido/go-syslog's RFC 3164 parser.
func TestRFC3164Parsed(t *testing.T) {
	sec := uint32(time.Date(2026, 8, 7, 9, 5, 3, 0, time.UTC).Unix())
	tests := []struct {
		name                 string
		o                    Options
		wantHost, wantApp    string
		wantProc, wantPrefix string
	}{
		{"tag and pid", Options{Format: RFC3164, Facility: 16, Severity: 6, Hostname: "myhost", AppName: "siemship", ProcID: "42"},
			"myhost", "siemship", "42", "<134>Aug  7 09:05:03 myhost siemship[42]: "},
		{"tag", Options{Format: RFC3164, Facility: 1, Severity: 4, Hostname: "h.example.com", AppName: "sls-audit"},
			"h.example.com", "sls-audit", "", "<12>Aug  7 09:05:03 h.example.com sls-audit: "},
		{"default tag", Options{Format: RFC3164, Facility: 13, Severity: 2, Hostname: "10.0.0.1", AppName: "-"},
			"10.0.0.1", "siemship", "", "<106>Aug  7 09:05:03 10.0.0.1 siemship: "},
		{"slash and ipv6", Options{Format: RFC3164, Facility: 16, Severity: 6, Hostname: "fe80::1", AppName: "a/b"},
			"fe80__1", "a_b", "", "<134>Aug  7 09:05:03 fe80__1 a_b: "},
		{"sanitized tag", Options{Format: RFC3164, Facility: 16, Severity: 6, Hostname: "myhost", AppName: "a:b[c]"},
			"myhost", "a_b_c_", "", "<134>Aug  7 09:05:03 myhost a_b_c_: "},
		{"zone", Options{Format: RFC3164, Facility: 16, Severity: 6, Hostname: "myhost", AppName: "app",
			Location: time.FixedZone("UTC+8", 8*3600)}, "myhost", "app", "", "<134>Aug  7 17:05:03 myhost app: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, h := build(t, tt.o, record.Log{Time: sec}, "CEF:0|a|b|1|100|n|5|k=v")
			if !strings.HasPrefix(got, tt.wantPrefix) || len(tt.wantPrefix) != h.Len() {
				t.Fatalf("message %q, want prefix %q of Len() %d", got, tt.wantPrefix, h.Len())
			}
			loc := tt.o.Location
			if loc == nil {
				loc = time.UTC
			}
			p := rfc3164.NewParser(rfc3164.WithYear(rfc3164.Year{YYYY: 2026}), rfc3164.WithLocaleTimezone(loc))
			m, err := p.Parse([]byte(got))
			if err != nil {
				t.Fatalf("go-syslog rfc3164 rejects %q: %v", got, err)
			}
			sm := m.(*rfc3164.SyslogMessage)
			pri, _ := Priority(tt.o.Facility, tt.o.Severity)
			str := func(p *string) string {
				if p == nil {
					return ""
				}
				return *p
			}
			if int(*sm.Priority) != pri || str(sm.Hostname) != tt.wantHost || str(sm.Appname) != tt.wantApp ||
				str(sm.ProcID) != tt.wantProc || !sm.Timestamp.Equal(time.Unix(int64(sec), 0)) {
				t.Errorf("parsed pri %d host %q app %q proc %q time %v", *sm.Priority, str(sm.Hostname), str(sm.Appname),
					str(sm.ProcID), sm.Timestamp)
			}
			if str(sm.Message) != "CEF:0|a|b|1|100|n|5|k=v" {
				t.Errorf("parsed message %q", str(sm.Message))
			}
		})
	}
}

// TestRFC5424Parsed checks the RFC 5424 header with crewjam/rfc5424's parser.
func TestRFC5424Parsed(t *testing.T) {
	o := Options{Facility: 23, Severity: 7, Hostname: "h", AppName: "siemship", ProcID: "7", MsgID: "audit",
		StructuredData: `[siemship@32473 k="v\]"]`}
	l := record.Log{Time: 1764000000, TimeNs: 123456789}
	got, h := build(t, o, l, "hello")
	var m rfc5424.Message
	if err := m.UnmarshalBinary([]byte(got)); err != nil {
		t.Fatalf("crewjam rejects %q: %v", got, err)
	}
	want := time.Unix(1764000000, 123456000).UTC()
	if !m.Timestamp.Equal(want) || m.Hostname != "h" || m.AppName != "siemship" || m.ProcessID != "7" ||
		m.MessageID != "audit" || string(m.Message) != "hello" || m.Priority != rfc5424.Priority(191) {
		t.Errorf("parsed %+v", m)
	}
	if h.Len() != len(got)-len("hello") {
		t.Errorf("Len() = %d, header is %d bytes", h.Len(), len(got)-len("hello"))
	}
}

func TestAdjustments(t *testing.T) {
	h, err := New(Options{Format: RFC3164, Hostname: "my!host", AppName: strings.Repeat("x", 40), MsgID: "m"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(h.Adjustments(), "\n")
	for _, want := range []string{`hostname "my!host" sent as "my_host"`, "rfc3164 tag", "msgid and structured data are not sent"} {
		if !strings.Contains(got, want) {
			t.Errorf("adjustments %q lack %q", got, want)
		}
	}
}

// FuzzRFC3164 requires every header, whatever its fields, to parse with go-syslog's RFC 3164 parser with the
// hostname and the message where they were put.
func FuzzRFC3164(f *testing.F) {
	f.Add("myhost", "siemship", "42", uint32(1764000000), "msg")
	f.Add("", "", "", uint32(0), "")
	f.Add("a b", "x:y", "[1]", uint32(1), "é\x00")
	f.Add("a!b", "x:y", "[1]", uint32(1), "é")
	f.Add("::1", "app", "-", uint32(86400), "m")
	f.Fuzz(func(t *testing.T, host, app, proc string, sec uint32, msg string) {
		// Payload encoders never write control bytes or invalid UTF-8 (their own tests check it).
		if sec == 0 || !utf8.ValidString(msg) || strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return
		}
		o := Options{Format: RFC3164, Facility: 16, Severity: 6, Hostname: host, AppName: app, ProcID: proc}
		invalid := errors.Join(ValidateHostname(o.withDefaults().Hostname), ValidateAppName(o.withDefaults().AppName),
			ValidateProcID(o.withDefaults().ProcID))
		if _, err := New(o); (err != nil) != (invalid != nil) {
			t.Fatalf("New(%+v) = %v; the field rules say %v", o, err, invalid)
		} else if err != nil {
			return // New refuses what is not a valid RFC 5424 field; the TAG conversion is for valid ones
		}
		got, h := build(t, o, record.Log{Time: sec}, "m="+msg)
		ho := h.Options()
		p := rfc3164.NewParser(rfc3164.WithYear(rfc3164.Year{YYYY: time.Unix(int64(sec), 0).UTC().Year()}),
			rfc3164.WithTimezone(time.UTC))
		m, err := p.Parse([]byte(got))
		sm, ok := m.(*rfc3164.SyslogMessage)
		if err != nil || !ok {
			t.Fatalf("go-syslog rfc3164 rejects %q: %v", got, err)
		}
		if ho.Hostname != "-" && (sm.Hostname == nil || *sm.Hostname != ho.Hostname) {
			t.Fatalf("hostname of %q parsed as %v, want %q", got, sm.Hostname, ho.Hostname)
		}
		if !strings.HasSuffix(got, " m="+msg) || !strings.Contains(got[:h.Len()], fmt.Sprintf(" %s ", ho.Hostname)) {
			t.Fatalf("boundaries moved in %q", got)
		}
	})
}
