package leef

import (
	"strconv"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

func TestPutDevTime(t *testing.T) {
	tests := []struct {
		sec, ns uint32
		want    string
	}{
		{encodertest.Sec, encodertest.Ns, "1795425745147"},
		{encodertest.Sec, 999_999_999, "1795425745999"},
		{1, 0, "0000000001000"},
		{0, 1_000_000, "0000000000001"},
		{999_999_999, 999_000_000, "0999999999999"},
		{1_000_000_000, 0, "1000000000000"},
		{1, 1_500_000_000, "0000000002500"}, // a nanosecond part over one second carries, as in the header
		{4294967295, 4294967295, "4294967299294"},
	}
	for _, tt := range tests {
		var ms [13]byte
		putDevTime(&ms, tt.sec, tt.ns)
		if string(ms[:]) != tt.want {
			t.Errorf("putDevTime(%d, %d) = %s, want %s", tt.sec, tt.ns, ms[:], tt.want)
		}
	}
}

// TestEventPerLog writes header fields a mapping chose per log: hostile values are substituted and cut to 255
// characters, empty ones keep the settings, and the message still parses with the header where it belongs.
func TestEventPerLog(t *testing.T) {
	g := record.Group{Topic: "t", Source: "s"}
	tests := []struct {
		name          string
		ev            Event
		max           int
		wantSanitized bool
		wantTruncated bool
	}{
		{"plain", Event{"V", "P", "1", "CreateAccessKey"}, 0, false, false},
		{"empty", Event{}, 0, false, false},
		{"pipes", Event{"V|x", "|", "1|2|3", "a|b|c|d|e"}, 0, true, false},
		{"lines", Event{"V\n<13>1 - forged", "P\r", "\t", "a\x00b\x7f"}, 0, true, false},
		{"invalid UTF-8", Event{"\xff", "caf\xc3", "\xed\xa0\x80", "\xe4\xb8"}, 0, true, false},
		{"delimiter and equals", Event{"a^b", "a=b", "a\tb", "x09"}, 0, true, false}, // the tab only
		{"256 characters", Event{"V", "P", "1", strings.Repeat("é", 256)}, 0, false, true},
		{"256 pipes", Event{"V", "P", "1", strings.Repeat("|", 256)}, 0, true, true},
		{"all long", Event{strings.Repeat("v", 300), strings.Repeat("p", 300), strings.Repeat("1", 300), strings.Repeat("e", 300)}, 0, false, true},
		{"cut to the limit", Event{strings.Repeat("v", 255), strings.Repeat("p", 255), strings.Repeat("1", 255), strings.Repeat("e", 255)}, 600, false, true},
		{"substitutes cut to the limit", Event{strings.Repeat("\n", 255), strings.Repeat("|", 255), "1", "e"}, 600, true, true},
	}
	for _, tt := range tests {
		for _, v := range variants() {
			t.Run(tt.name+"/"+v.String(), func(t *testing.T) {
				o := baseOptions(v)
				o.Header.MaxMessageBytes = tt.max
				e, err := NewEncoder(o)
				if err != nil {
					t.Fatal(err)
				}
				hd := headOf(tt.ev)
				l := record.Log{Time: encodertest.Sec, Contents: encodertest.Fields("k", "v")}
				frame, res := e.AppendFrameHead(nil, &g, &l, &hd)
				if res.Sanitized != tt.wantSanitized || res.Truncated != tt.wantTruncated {
					t.Errorf("result %+v, want Sanitized=%v Truncated=%v", res, tt.wantSanitized, tt.wantTruncated)
				}
				p := checkFrame(t, e, frame, &g, &l, sentEvent(e.ev, tt.ev), res)
				if tt.max == 0 && len(p.Attributes) != 4 {
					t.Errorf("attributes %q", p.Attributes)
				}
			})
		}
	}
}

// TestDroppedAttribute: an attribute whose key, renamed key or '=' does not fit is left out whole, and a key
// renamed but left out does not count as sanitized.
func TestDroppedAttribute(t *testing.T) {
	o := baseOptions(variant{V2, header.RFC5424, message.FramingNone})
	o.Header.MaxMessageBytes = 480
	e, err := NewEncoder(o)
	if err != nil {
		t.Fatal(err)
	}
	g := record.Group{Topic: "t", Source: "s"}
	base := record.Log{Time: encodertest.Sec, Contents: encodertest.Fields("a", "")}
	msg, _ := e.AppendFrame(nil, &g, &base)
	room := 480 - len(msg) // what follows the value of a
	for _, tc := range []struct {
		name          string
		pad           int // added to a's value: room-pad bytes are left after it
		next          string
		wantLast      string // the last attribute's key
		wantSanitized bool
	}{
		{"a_5= fits exactly", room - 5, "a", "a_5", true}, // a is the 4th attribute: the 5th named a is a_5
		{"= after a_5 does not fit", room - 4, "a", "a", false},
		{"_5 does not fit", room - 3, "a", "a", false},
		{"= does not fit", room - 4, "b_x", "a", false},
		{"key substitute does not fit", room - 4, "b\n", "a", false}, // "\tb␊" is 5 bytes
		{"key substitute fits", room - 6, "b\n", "b␊", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := record.Log{Time: encodertest.Sec, Contents: encodertest.Fields("a", strings.Repeat("x", tc.pad), tc.next, "v")}
			msg, res := e.AppendFrame(nil, &g, &l)
			if !res.Truncated || res.Sanitized != tc.wantSanitized || len(msg) > 480 {
				t.Errorf("result %+v, %d bytes: %q", res, len(msg), msg[len(msg)-20:])
			}
			p := checkFrame(t, e, msg, &g, &l, e.ev, res)
			if last := p.Attributes[len(p.Attributes)-1]; last.Key != tc.wantLast {
				t.Errorf("last attribute %q=%q, want key %q", last.Key, last.Value, tc.wantLast)
			}
		})
	}
}

// TestManyKeys: more than 32 attributes, where the key set is allocated, with keys repeated and renamed keys
// taken by later ones.
func TestManyKeys(t *testing.T) {
	g := record.Group{Topic: "t", Source: "s", Tags: encodertest.ManyFields(40)}
	var c []record.Field
	for i := range 300 {
		c = append(c, record.Field{Key: "k" + strconv.Itoa(i%37), Value: strconv.Itoa(i)})
		if i%50 == 0 {
			c = append(c, record.Field{Key: "k1_" + strconv.Itoa(45+i), Value: "taken"})
		}
	}
	l := record.Log{Time: encodertest.Sec, Contents: c}
	for _, v := range variants() {
		e, err := NewEncoder(baseOptions(v))
		if err != nil {
			t.Fatal(err)
		}
		frame, res := e.AppendFrame(nil, &g, &l)
		if !res.Sanitized || res.Truncated {
			t.Fatalf("result %+v", res)
		}
		checkFrame(t, e, frame, &g, &l, e.ev, res)
		g.Logs = []record.Log{l, l, {Time: encodertest.Sec}}
		checkGroup(t, e, &g)
		g.Logs = nil
	}
}

// TestNoAllocs: AppendFrame and AppendGroup with reused buffers do not allocate for a record of up to 32
// attributes.
func TestNoAllocs(t *testing.T) {
	at := auditRecord()
	g, l := at.g, at.l
	g.Logs = []record.Log{l, l, l}
	e, err := NewEncoder(baseOptions(variant{V2, header.RFC5424, message.FramingOctet}))
	if err != nil {
		t.Fatal(err)
	}
	buf, _ := e.AppendFrame(nil, &g, &l)
	if n := testing.AllocsPerRun(100, func() { buf, _ = e.AppendFrame(buf[:0], &g, &l) }); n != 0 {
		t.Errorf("AppendFrame: %v allocations", n)
	}
	var b message.Batch
	var s message.Scratch
	e.AppendGroup(&b, &g, nil, &s)
	if n := testing.AllocsPerRun(100, func() { b.Reset(); e.AppendGroup(&b, &g, nil, &s) }); n != 0 {
		t.Errorf("AppendGroup: %v allocations", n)
	}
}

// headOf is the mapping's choice of the LEEF header fields ev.
func headOf(ev Event) message.Head {
	return message.Head{Set: message.HeadVendor | message.HeadProduct | message.HeadVersion | message.HeadClass,
		Vendor: ev.Vendor, Product: ev.Product, Version: ev.ProductVersion, Class: ev.EventID}
}

// sentEvent is the header AppendFrameHead writes for the choice ev: each empty field keeps the setting's.
func sentEvent(setting, ev Event) Event {
	for _, f := range []struct{ to, set *string }{{&ev.Vendor, &setting.Vendor}, {&ev.Product, &setting.Product},
		{&ev.ProductVersion, &setting.ProductVersion}, {&ev.EventID, &setting.EventID}} {
		if *f.to == "" {
			*f.to = *f.set
		}
	}
	return ev
}
