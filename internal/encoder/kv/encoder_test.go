package kv

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/rfc5424"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

func TestNewEncoderValidation(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Options)
		wantErr string // substring; "" means valid
	}{
		{"defaults", func(*Options) {}, ""},
		{"kern.emerg", func(o *Options) { o.Facility, o.Severity = 0, 0 }, ""},
		{"local7.debug", func(o *Options) { o.Facility, o.Severity = 23, 7 }, ""},
		{"facility 24", func(o *Options) { o.Facility = 24 }, "facility 24"},
		{"facility -1", func(o *Options) { o.Facility = -1 }, "facility -1"},
		{"severity 8", func(o *Options) { o.Severity = 8 }, "severity 8"},
		{"framing", func(o *Options) { o.Framing = 7 }, "framing 7"},
		{"sd", func(o *Options) { o.StructuredData = `[siemship@32473 k="v"]` }, ""},
		{"sd nil", func(o *Options) { o.StructuredData = "-" }, ""},
		{"sd invalid", func(o *Options) { o.StructuredData = "[x]" }, "SD-ID"},
		{"sd newline", func(o *Options) { o.StructuredData = "[x@1 k=\"a\nb\"]" }, "control"},
		{"separator pipe", func(o *Options) { o.Separator = "|" }, ""},
		{"separator space", func(o *Options) { o.Separator = " " }, ""},
		{"separator letter", func(o *Options) { o.Separator = "n|" }, "letter or digit"},
		{"separator digit", func(o *Options) { o.Separator = "0" }, "letter or digit"},
		{"separator backslash", func(o *Options) { o.Separator = `|\` }, "printable ASCII"},
		{"separator equals", func(o *Options) { o.Separator = "=" }, "printable ASCII"},
		{"separator LF", func(o *Options) { o.Separator = "\n" }, "line break"},
		{"separator UTF-8", func(o *Options) { o.Separator = "¦" }, "printable ASCII"},
		{"separator 16", func(o *Options) { o.Separator = strings.Repeat("|", 16) }, ""},
		{"separator long", func(o *Options) { o.Separator = strings.Repeat("|", 17) }, "at most 16 bytes"},
		{"max 480", func(o *Options) { o.MaxMessageBytes = 480 }, ""},
		{"max 479", func(o *Options) { o.MaxMessageBytes = 479 }, "max message bytes 479: must be at least 480"},
		{"max negative", func(o *Options) { o.MaxMessageBytes = -1 }, "negative"},
		{"max below header", func(o *Options) {
			o.Hostname, o.AppName, o.ProcID = strings.Repeat("h", 255), strings.Repeat("a", 48), strings.Repeat("p", 128)
			o.MaxMessageBytes = 536
		}, "must be at least 537: the header and structured data take 473 bytes"},
		{"max at header", func(o *Options) {
			o.Hostname, o.AppName, o.ProcID = strings.Repeat("h", 255), strings.Repeat("a", 48), strings.Repeat("p", 128)
			o.MaxMessageBytes = 537
		}, ""},
		{"hostname space", func(o *Options) { o.Hostname = "my host" }, `hostname "my host": must be 1 to 255 printable US-ASCII`},
		{"app name 49", func(o *Options) { o.AppName = strings.Repeat("a", 49) }, "app name"},
		{"several", func(o *Options) { o.Facility, o.Severity, o.Separator = 99, 99, "x" },
			"facility 99: must be a facility name (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0 … local7) or a number 0 to 23\n" +
				"severity 99: must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7\n" +
				`separator "x": must not start with a letter or digit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions(message.FramingOctet)
			tt.mod(&o)
			e, err := NewEncoder(o)
			encodertest.CheckNew(t, e, err, tt.wantErr)
		})
	}
}

func TestHeaderFields(t *testing.T) {
	tests := []struct {
		name             string
		in               Options
		wantHeader       string
		wantAdjustements int
	}{
		{"nil values", Options{Facility: 1, Severity: 6}, "<14>1 TS - - - - - ", 0},
		{"plain", Options{Facility: 16, Severity: 6, Hostname: "h.example.com", AppName: "siemship", ProcID: "12", MsgID: "audit"},
			"<134>1 TS h.example.com siemship 12 audit - ", 0},
		{"longest", Options{Facility: 4, Severity: 5, Hostname: strings.Repeat("h", 255), AppName: strings.Repeat("a", 48),
			ProcID: strings.Repeat("p", 128), MsgID: strings.Repeat("m", 32)},
			"<37>1 TS " + strings.Repeat("h", 255) + " " + strings.Repeat("a", 48) + " " + strings.Repeat("p", 128) + " " +
				strings.Repeat("m", 32) + " - ", 0},
		{"sd", Options{Facility: 13, Severity: 6, StructuredData: `[origin ip="10.0.0.1"]`}, `<110>1 TS - - - - [origin ip="10.0.0.1"] `, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Framing = message.FramingNone
			e, err := NewEncoder(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			g, l := record.Group{Topic: "t"}, record.Log{Time: encodertest.Sec}
			msg, _ := e.AppendFrame(nil, &g, &l)
			got := strings.Replace(string(msg), "2026-11-23T09:22:25.000000Z", "TS", 1)
			if want := tt.wantHeader + "||__topic__=t||__source__="; got != want {
				t.Errorf("message\n got %q\nwant %q", got, want)
			}
			if n := len(e.Adjustments()); n != tt.wantAdjustements {
				t.Errorf("%d adjustments, want %d: %q", n, tt.wantAdjustements, e.Adjustments())
			}
			checkFrame(t, e, msg, &g, &l, Result{})
		})
	}
}

// TestMatchesCrewjam byte-compares messages that need no escaping with crewjam's MarshalBinary. crewjam trims
// trailing zeros of the fraction (.999999 layout) and we always write six digits, so our timestamp is normalised
// the same way before comparing.
func TestMatchesCrewjam(t *testing.T) {
	trimFrac := regexp.MustCompile(`\.(\d*?)0*Z`)
	normalise := func(b []byte) []byte {
		return trimFrac.ReplaceAllFunc(b, func(m []byte) []byte {
			digits := bytes.TrimRight(m[1:len(m)-1], "0")
			if len(digits) == 0 {
				return []byte("Z")
			}
			return append(append([]byte("."), digits...), 'Z')
		})
	}
	ag, al := encodertest.Audit()
	records := []struct {
		g record.Group
		l record.Log
	}{
		{ag, al},
		{record.Group{Topic: "mytopic", Source: "src1", Tags: encodertest.Fields("host", "h9")}, record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields("k", "pv0", "msg", "hello world")}},
		{record.Group{}, record.Log{Time: 1, TimeNs: 500_000_000}},
		{record.Group{Topic: "日志"}, record.Log{Time: encodertest.Sec, TimeNs: 1_000, Contents: encodertest.Fields("msg", "用户登录 ünïcödé", "x", "a=b|c")}},
	}
	headers := []Options{
		{Facility: 16, Severity: 6, Hostname: "myhost", AppName: "sls"},
		{Facility: 23, Severity: 7, Hostname: "h.example.com", AppName: "siemship", ProcID: "4242", MsgID: "audit",
			StructuredData: `[siemship@32473 project="p1" logstore="a\]b"][origin ip="10.0.0.1"]`},
		{Facility: 0, Severity: 0},
	}
	for _, o := range headers {
		o.Framing = message.FramingNone
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatal(err)
		}
		var sd []rfc5424.StructuredData
		if o.StructuredData != "" {
			var m rfc5424.Message
			if err := m.UnmarshalBinary([]byte("<0>1 2026-11-23T09:22:25Z - - - - " + o.StructuredData)); err != nil {
				t.Fatal(err)
			}
			sd = m.StructuredData
		}
		pri, _ := header.Priority(o.Facility, o.Severity)
		for _, r := range records {
			got, res := e.AppendFrame(nil, &r.g, &r.l)
			if res.Sanitized || res.Truncated {
				t.Fatalf("unexpected %+v", res)
			}
			want, err := rfc5424.Message{
				Priority:  rfc5424.Priority(pri),
				Timestamp: time.Unix(int64(r.l.Time), int64(r.l.TimeNs)).UTC(),
				Hostname:  o.Hostname, AppName: o.AppName, ProcessID: o.ProcID, MessageID: o.MsgID,
				StructuredData: sd,
				Message:        []byte(naivePayload(DefaultSeparator, expectedPairs(&r.g, &r.l))),
			}.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(normalise(got), want) {
				t.Errorf("differs from crewjam\n got %q\nwant %q", got, want)
			}
		}
	}
}

// TestAppendFrameAppends checks that frames go after what dst already holds, in every framing, and that the
// buffer can be reused.
func TestAppendFrameAppends(t *testing.T) {
	g, l := encodertest.Audit()
	big := record.Log{Time: encodertest.Sec, Contents: encodertest.Fields("v", strings.Repeat("x", 20000))}
	for _, f := range []message.Framing{message.FramingOctet, message.FramingLF, message.FramingNone} {
		e, err := NewEncoder(baseOptions(f))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f.String(), func(t *testing.T) {
			checkFrame(t, e, encodertest.CheckAppends(t, e.AppendFrame, &g, &l, &big), &g, &big, Result{})
		})
	}
}

// TestMaxMessageBytes sweeps the limit over a record mixing ASCII, 3- and 4-byte runes and escapes: the message
// never exceeds the limit and is never shorter than the limit minus the widest unit.
func TestMaxMessageBytes(t *testing.T) {
	g := record.Group{Topic: "t", Source: "s", Tags: encodertest.Fields("host", "h9")}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
		"msg", strings.Repeat("ab用户🎉\n\x01|", 200), "k2", "v2", "key3", strings.Repeat("z", 300))}
	for limit := 480; limit < 3000; limit++ {
		o := baseOptions(message.FramingOctet)
		o.MaxMessageBytes = limit
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatal(err)
		}
		frame, res := e.AppendFrame(nil, &g, &l)
		checkFrame(t, e, frame, &g, &l, res)
		msg, _ := encodertest.Unframe(message.FramingOctet, frame)
		if !res.Truncated {
			t.Fatalf("limit %d: not truncated (%d bytes)", limit, len(msg))
		}
		if len(msg) < limit-4 {
			t.Fatalf("limit %d: message only %d bytes: %q", limit, len(msg), msg[len(msg)-20:])
		}
	}
}

func TestAppendFrameAllocs(t *testing.T) {
	g, l := encodertest.Audit()
	for _, f := range []message.Framing{message.FramingOctet, message.FramingLF} {
		e, err := NewEncoder(baseOptions(f))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 4096)
		if n := testing.AllocsPerRun(100, func() { buf, _ = e.AppendFrame(buf[:0], &g, &l) }); n != 0 {
			t.Errorf("%v: %v allocations per frame, want 0", f, n)
		}
	}
}
