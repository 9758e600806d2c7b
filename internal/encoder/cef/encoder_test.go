package cef

import (
	"strings"
	"testing"

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
		{"zero options", func(o *Options) { *o = Options{} }, ""},
		{"severity 0", func(o *Options) { o.Severity = 0 }, ""},
		{"severity 10", func(o *Options) { o.Severity = 10 }, ""},
		{"severity 11", func(o *Options) { o.Severity = 11 }, "cef severity 11 out of range 0..10"},
		{"severity -1", func(o *Options) { o.Severity = -1 }, "cef severity -1"},
		{"vendor pipe", func(o *Options) { o.Vendor = `a|b\c=d` }, ""},
		{"vendor LF", func(o *Options) { o.Vendor = "a\nb" }, "cef vendor \"a\\nb\" contains a control character (U+000A)"},
		{"product tab", func(o *Options) { o.Product = "a\tb" }, "cef product"},
		{"version DEL", func(o *Options) { o.Version = "1\x7f" }, "cef version"},
		{"class UTF-8", func(o *Options) { o.EventClass = "a\xff" }, "cef event class \"a\\xff\" is not valid UTF-8"},
		{"name CR", func(o *Options) { o.Name = "\r" }, "cef name"},
		{"long vendor is cut", func(o *Options) { o.Vendor = strings.Repeat("v", 64) }, ""},
		{"header facility", func(o *Options) { o.Header.Facility = 24 }, "facility 24"},
		{"header framing", func(o *Options) { o.Header.Framing = 7 }, "framing 7"},
		{"max 480", func(o *Options) { o.Header.MaxMessageBytes = 480 }, ""},
		{"max 479", func(o *Options) { o.Header.MaxMessageBytes = 479 }, "must be at least 480"},
		{"max too small for the CEF header", func(o *Options) {
			o.Vendor, o.Product, o.Version = strings.Repeat("v", 63), strings.Repeat("p", 63), strings.Repeat("1", 31)
			o.Header.Hostname = strings.Repeat("h", 200)
			o.Header.MaxMessageBytes = 480
		}, "max message bytes 480 is too small for CEF: need at least 486 (the 251-byte syslog header, 171 bytes of CEF"},
		{"max too small for a constant name", func(o *Options) {
			o.Name = strings.Repeat("n|", 200)
			o.Header.MaxMessageBytes = 600
		}, "need at least 752 (the 57-byte syslog header, 631 bytes of CEF header"},
		{"max fits a constant name", func(o *Options) {
			o.Name = strings.Repeat("n|", 200)
			o.Header.MaxMessageBytes = 752
		}, ""},
		{"several", func(o *Options) { o.Header.Facility, o.Severity, o.Name = 99, 99, "\n" },
			"or a number 0 to 23\ncef name \"\\n\" contains a control character (U+000A)\ncef severity 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions(header.RFC5424, message.FramingOctet)
			tt.mod(&o)
			e, err := NewEncoder(o)
			encodertest.CheckNew(t, e, err, tt.wantErr)
		})
	}
}

// TestDefaultsAndAdjustments checks the defaults, the cut of long settings and the startup warnings.
func TestDefaultsAndAdjustments(t *testing.T) {
	e, err := NewEncoder(Options{Header: header.Options{Format: header.RFC3164, Hostname: "my!host"}})
	if err != nil {
		t.Fatal(err)
	}
	o := e.Options()
	if o.Vendor != "Alibaba Cloud" || o.Product != "SLS" || o.Version != "1" || o.EventClass != "" || o.Name != "" ||
		o.Severity != 0 || o.Header.Hostname != "my_host" {
		t.Errorf("effective options %+v", o)
	}
	if a := e.Adjustments(); len(a) != 1 || !strings.Contains(a[0], `hostname "my!host" sent as "my_host"`) {
		t.Errorf("adjustments %q", a)
	}
	e, err = NewEncoder(Options{Vendor: strings.Repeat("v", 70), Product: strings.Repeat("製", 64), Version: "1",
		EventClass: strings.Repeat("c", 1024), Name: strings.Repeat("n", 513)})
	if err != nil {
		t.Fatal(err)
	}
	o = e.Options()
	if o.Vendor != strings.Repeat("v", 63) || o.Product != strings.Repeat("製", 63) || len(o.EventClass) != 1023 ||
		len(o.Name) != 512 {
		t.Errorf("long settings not cut: %+v", o)
	}
	got := strings.Join(e.Adjustments(), "\n")
	for _, want := range []string{"cef vendor", "sent as", "(CEF: at most 63 characters)", "cef product", "cef event class",
		"at most 1023", "cef name", "at most 512"} {
		if !strings.Contains(got, want) {
			t.Errorf("adjustments %q lack %q", got, want)
		}
	}
	g, l := encodertest.Audit()
	frame, res := e.AppendFrame(nil, &g, &l)
	if res.Truncated || res.Sanitized {
		t.Errorf("settings cut at start count in every record: %+v", res)
	}
	checkFrame(t, e, frame, &g, &l, res)
}

// TestAppendFrameAppends checks that frames go after what dst already holds, in every framing, and that the
// buffer can be reused.
func TestAppendFrameAppends(t *testing.T) {
	g, l := encodertest.Audit()
	big := record.Log{Time: encodertest.Sec, Contents: encodertest.Fields("v", strings.Repeat("x", 20000))}
	for _, f := range []message.Framing{message.FramingOctet, message.FramingLF, message.FramingNone} {
		e, err := NewEncoder(baseOptions(header.RFC5424, f))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f.String(), func(t *testing.T) {
			checkFrame(t, e, encodertest.CheckAppends(t, e.AppendFrame, &g, &l, &big), &g, &big, Result{})
		})
	}
}

// TestMaxMessageBytes sweeps the limit over a record mixing ASCII, 3- and 4-byte characters, escapes and
// replacements, with a long topic in the header: the message never exceeds the limit, parses, and is never shorter
// than the limit minus what a pair left out whole (its space, key and "=") or the widest unit (4 bytes) takes.
func TestMaxMessageBytes(t *testing.T) {
	g := record.Group{Topic: strings.Repeat("事件|", 200), Source: "s", Tags: encodertest.Fields("host", "h9")}
	l := record.Log{Time: encodertest.Sec, TimeNs: encodertest.Ns, Contents: encodertest.Fields(
		"msg", strings.Repeat("ab用户🎉\n\x01=\xff", 200), "k2", "v2", "key3", strings.Repeat("z", 300))}
	for _, f := range []header.Format{header.RFC5424, header.RFC3164} {
		for limit := 480; limit < 6000; limit += 1 + limit/1000*12 { // every limit to 1000, then every 13th
			o := baseOptions(f, message.FramingOctet)
			o.Header.MaxMessageBytes = limit
			e, err := NewEncoder(o)
			if err != nil {
				t.Fatal(err)
			}
			frame, res := e.AppendFrame(nil, &g, &l)
			checkFrame(t, e, frame, &g, &l, res)
			msg, _ := encodertest.Unframe(message.FramingOctet, frame)
			if !res.Truncated {
				t.Fatalf("%v limit %d: not truncated (%d bytes)", f, limit, len(msg))
			}
			if len(msg) < limit-len(" slsTaghost=") {
				t.Fatalf("%v limit %d: message only %d bytes: %q", f, limit, len(msg), msg)
			}
		}
	}
}

func TestAppendFrameAllocs(t *testing.T) {
	g, l := emulatorRecord()
	for _, v := range goldenVariants {
		e, err := NewEncoder(baseOptions(v.format, v.framing))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 4096)
		if n := testing.AllocsPerRun(100, func() { buf, _ = e.AppendFrame(buf[:0], &g, &l) }); n != 0 {
			t.Errorf("%v %v: %v allocations per frame, want 0", v.format, v.framing, n)
		}
		var b message.Batch
		var s message.Scratch
		g.Logs = []record.Log{l, l, l}
		if n := testing.AllocsPerRun(100, func() { b.Reset(); e.AppendGroup(&b, &g, nil, &s) }); n != 0 {
			t.Errorf("%v %v: %v allocations per group, want 0", v.format, v.framing, n)
		}
	}
}
