package cef

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
	"github.com/siemship/siemship/internal/testgear/refparse"
)

// FuzzAppendFrameHead encodes a record with CEF header fields a mapping chose (arbitrary text, split at 0x1e:
// vendor, product, version, class, name; an empty one keeps the setting) and a syslog severity, and requires refparse to read one CEF message whose
// header fields are those values as CEF carries record text (Control Pictures, U+FFFD, cut to the standard's
// limits), whose Severity is header.SIEMSeverity's, and whose extension is the record's, as without a mapping.
// With a limit, the message must still parse and fit.
func FuzzAppendFrameHead(f *testing.F) {
	f.Add("Alibaba Cloud\x1eActionTrail\x1e1\x1eEcs:Run\x1eRun", uint8(0), uint16(0x3ff), 4, uint16(0), "k\x1ev")
	f.Add("a|b\\c\x1e\n\x1e\xff\x1e"+strings.Repeat("c", 1100)+"\x1e"+strings.Repeat("名", 600), uint8(1), uint16(0x3e0), 9, uint16(5), "x\x1ey|=\\")
	f.Add("\x1e\x1e\x1e\x1e", uint8(2), uint16(0x21), -3, uint16(1), "")
	f.Fuzz(func(t *testing.T, fields string, sel uint8, set uint16, sev int, maxSel uint16, contents string) {
		o := Options{Header: header.Options{Format: header.Format(sel % 2), Facility: 1, Severity: 6, Hostname: "h",
			AppName: "siemship", Framing: message.Framing(int(sel/2) % 3)}, Severity: 2}
		if maxSel != 0 {
			o.Header.MaxMessageBytes = 480 + int(maxSel)%2048
		}
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatal(err)
		}
		p := append(strings.SplitN(fields, "\x1e", 5), "", "", "", "", "")
		hd := message.Head{Set: message.HeadFields(set) & (message.HeadSeverity | message.HeadVendor | message.HeadProduct |
			message.HeadVersion | message.HeadClass | message.HeadName), Severity: sev,
			Vendor: p[0], Product: p[1], Version: p[2], Class: p[3], Name: p[4]}
		g := record.Group{Topic: "topic", Source: "src"}
		l := record.Log{Time: encodertest.Sec}
		c := strings.Split(contents, "\x1e")
		for i := 0; i+1 < len(c); i += 2 {
			l.Contents = append(l.Contents, record.Field{Key: c[i], Value: c[i+1]})
		}
		frame, res := encodertest.AppendAfterPrior(t, func(dst []byte, g *record.Group, l *record.Log) ([]byte, Result) {
			return e.AppendFrameHead(dst, g, l, &hd)
		}, &g, &l)
		msg := encodertest.Message(t, o.Header.Framing, frame, o.Header.MaxMessageBytes, false)
		got, err := refparse.ParseCEF(string(msg))
		if err != nil {
			t.Fatalf("refparse: %v\nmessage: %q", err, msg)
		}
		if ov := got.Overlong(); ov != nil {
			t.Fatalf("header fields over the standard's limits: %v", ov)
		}
		wantSev := "2"
		if hd.Has(message.HeadSeverity) {
			wantSev = strconv.Itoa(header.SIEMSeverity(sev))
		}
		if got.Severity != wantSev {
			t.Fatalf("severity %q, want %q", got.Severity, wantSev)
		}
		if o.Header.MaxMessageBytes != 0 || res.Truncated {
			return
		}
		field := func(bit message.HeadFields, v, setting string, max int) string {
			if !hd.Has(bit) || v == "" {
				return setting
			}
			return visible(firstUnits(v, max), false)
		}
		want := []string{field(message.HeadVendor, hd.Vendor, DefaultVendor, MaxVendor),
			field(message.HeadProduct, hd.Product, DefaultProduct, MaxProduct),
			field(message.HeadVersion, hd.Version, DefaultVersion, MaxVersion),
			field(message.HeadClass, hd.Class, "topic", MaxEventClass), field(message.HeadName, hd.Name, "topic", MaxName)}
		if have := []string{got.DeviceVendor, got.DeviceProduct, got.DeviceVersion, got.DeviceEventClassID, got.Name}; !slices.Equal(have, want) {
			t.Fatalf("header fields %q, want %q", have, want)
		}
		plain, _ := e.AppendFrame(nil, &g, &l)
		ref, err := refparse.ParseCEF(string(encodertest.Message(t, o.Header.Framing, plain, 0, false)))
		if err != nil || !slices.Equal(got.Extension, ref.Extension) {
			t.Fatalf("extension %q differs from the one without a mapping %q (%v)", got.Extension, ref.Extension, err)
		}
	})
}

// TestAppendGroupHeads: AppendGroup with heads writes what AppendFrameHead writes for each log, and counts what it
// sanitized.
func TestAppendGroupHeads(t *testing.T) {
	e, err := NewEncoder(Options{Header: header.Options{Facility: 1, Severity: 6, Framing: message.FramingLF}, Severity: 3})
	if err != nil {
		t.Fatal(err)
	}
	g := record.Group{Topic: "t", Logs: []record.Log{{Time: encodertest.Sec, Contents: encodertest.Fields("a", "1")},
		{Time: encodertest.Sec, Contents: encodertest.Fields("a", "2")}, {Time: encodertest.Sec, Contents: encodertest.Fields("a", "3")}}}
	heads := []message.Head{{Set: message.HeadSeverity, Severity: 3}, {}, {Set: message.HeadName | message.HeadHostname, Name: "n|x", Hostname: "a b"}}
	var want []byte
	for i := range g.Logs {
		want, _ = e.AppendFrameHead(want, &g, &g.Logs[i], &heads[i])
	}
	var b message.Batch
	counts := e.AppendGroup(&b, &g, heads, &message.Scratch{})
	if string(b.Buf) != string(want) || counts.Sanitized != 1 {
		t.Fatalf("AppendGroup %q (counts %+v)\nwant %q", b.Buf, counts, want)
	}
	if !strings.Contains(string(b.Buf), "CEF:0|Alibaba Cloud|SLS|1|t|t|7|") || !strings.HasPrefix(string(b.Buf), "<11>1 ") {
		t.Errorf("severity err not in PRI 11 and CEF 7: %q", b.Buf)
	}
}
