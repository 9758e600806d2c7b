package realrecv

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/testgear/refparse"
)

// cefQuirk is a known deviation of liblognorm 2.0.6's CEF parser from the CEF standard (docs/siem-parsers.md):
// apply turns the standard's reading of line into liblognorm's.
type cefQuirk struct {
	name  string
	apply func(line string, e *CEFEvent)
}

var (
	// The character after the Severity's '|' is skipped (fixed in liblognorm 2.0.7, commit 6e6a50b): the first
	// key loses its first character.
	quirkFirstChar = cefQuirk{"first key loses its first character", func(_ string, e *CEFEvent) {
		e.Extensions[0].Key = e.Extensions[0].Key[1:]
	}}
	// The standard drops the final value's trailing spaces; liblognorm keeps them.
	quirkTrailingSpaces = cefQuirk{"final value keeps its trailing spaces", func(line string, e *CEFEvent) {
		e.Extensions[len(e.Extensions)-1].Value += line[len(strings.TrimRight(line, " ")):]
	}}
	// liblognorm needs a character after the final '=' (fixed in 2.0.7).
	quirkEmptyFinalValue = cefQuirk{"empty final value fails", failCEF}
	quirkCEF1            = cefQuirk{"CEF:1 fails", failCEF}
	quirkEmptyHeader     = cefQuirk{"header of empty fields fails", failCEF}
	// A JSON object holds a key once: the last value, at the place of the first.
	quirkRepeatedKey = cefQuirk{"repeated key keeps its last value at its first place", func(_ string, e *CEFEvent) {
		var out []CEFPair
		for _, p := range e.Extensions {
			if i := slices.IndexFunc(out, func(q CEFPair) bool { return q.Key == p.Key }); i >= 0 {
				out[i].Value = p.Value
			} else {
				out = append(out, p)
			}
		}
		e.Extensions = out
	}}
)

func failCEF(_ string, e *CEFEvent) { *e = CEFEvent{} }

// cefCase is one CEF message, sent as MSG. A line the standard accepts (refparse.ParseCEF, our reference parser
// written from the standard) must come back as refparse reads it, changed by exactly the listed quirks, each of
// which must change something: the test fails when a quirk disappears or a new difference appears. A line the
// standard rejects has liblognorm's reading written out in want.
type cefCase struct {
	name   string
	line   string
	quirks []cefQuirk // standard lines
	want   *CEFEvent  // lines refparse rejects (Unparsed is not compared, see checkCEF)
}

func cefCases() []cefCase {
	first := []cefQuirk{quirkFirstChar}
	return []cefCase{{
		name:   "the standard's example",
		line:   `CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232`,
		quirks: first,
	}, {
		name: "ActionTrail-like event",
		line: `CEF:0|Alibaba Cloud|ActionTrail|1|ecs:DeleteInstance|DeleteInstance|3|rt=1700000000000 src=10.0.0.1 ` +
			`suser=role:session act=DeleteInstance outcome=failure reason=Forbidden cs1=1234567890 cs1Label=accountId ` +
			`msg=line1\nline2`,
		quirks: first,
	}, {
		name:   "header escapes",
		line:   `CEF:0|Ven\|dor|Pro\\duct|1.0|100|detected a \| and a \\ = x|5|act=blocked`,
		quirks: first,
	}, {
		name:   "extension escapes, a bare pipe in a value",
		line:   `CEF:0|V|P|1.0|100|N|5|cs1=a\=b\\c\nd\re cs1Label=label with spaces msg=pipe | in a value`,
		quirks: first,
	}, {
		name:   "values with spaces, several spaces before a key",
		line:   `CEF:0|V|P|1.0|100|N|5|filePath=/dir/my file name.txt act=x  y   suser=alice`,
		quirks: first,
	}, {
		name:   "final value with trailing spaces",
		line:   `CEF:0|V|P|1.0|100|N|5|act=x suser=alice  `,
		quirks: []cefQuirk{quirkFirstChar, quirkTrailingSpaces},
	}, {
		name:   "empty value in the middle",
		line:   `CEF:0|V|P|1.0|100|N|5|act= suser=alice`,
		quirks: first,
	}, {
		name:   "empty final value",
		line:   `CEF:0|V|P|1.0|100|N|5|act=x suser=`,
		quirks: []cefQuirk{quirkEmptyFinalValue},
	}, {
		name:   "escaped backslash at the end",
		line:   `CEF:0|V|P|1.0|100|N|5|act=x\\`,
		quirks: first,
	}, {
		name:   "repeated key",
		line:   `CEF:0|V|P|1.0|100|N|5|act=x suser=alice dst=1.2.3.4 suser=bob`,
		quirks: []cefQuirk{quirkFirstChar, quirkRepeatedKey},
	}, {
		name:   "one-character first key",
		line:   `CEF:0|V|P|1.0|100|N|5|a=1 b=2`,
		quirks: first, // the key becomes ""
	}, {
		name:   "UTF-8",
		line:   `CEF:0|Vendör|製品|1.0|100|Ñame 日本 ☃|5|suser=ü€𝄞 msg=héllo wörld`,
		quirks: first,
	}, {
		name: "no extension",
		line: `CEF:0|V|P|1.0|100|N|5|`,
	}, {
		name:   "severity as a word, empty header fields",
		line:   `CEF:0|V||1.0|||Very-High|act=x`,
		quirks: first,
	}, {
		name:   "all header fields empty",
		line:   `CEF:0||||||5|`,
		quirks: []cefQuirk{quirkEmptyHeader},
	}, {
		name:   "CEF:1",
		line:   `CEF:1|V|P|1.0|100|N|5|act=x`,
		quirks: []cefQuirk{quirkCEF1},
	}, {
		// Not the standard (the extension must start with key=), but what 2.0.6 parses right.
		name: "extension after a space",
		line: `CEF:0|V|P|1.0|100|N|5| src=10.0.0.1 dst=2.1.2.2`,
		want: &CEFEvent{OK: true, DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1.0", SignatureID: "100",
			Name: "N", Severity: "5", Extensions: []CEFPair{{"src", "10.0.0.1"}, {"dst", "2.1.2.2"}}},
	}, {
		name: "keys with '_' and '.' (ArcSight's own, not alphanumeric)",
		line: `CEF:0|V|P|1.0|100|N|5| ad.user_name=x _cefVer=0.1`,
		want: &CEFEvent{OK: true, DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1.0", SignatureID: "100",
			Name: "N", Severity: "5", Extensions: []CEFPair{{"ad.user_name", "x"}, {"_cefVer", "0.1"}}},
	}, {
		name: "severity outside the standard",
		line: `CEF:0|V|P|1.0|100|N|bogus|act=x`,
		want: &CEFEvent{OK: true, DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1.0", SignatureID: "100",
			Name: "N", Severity: "bogus", Extensions: []CEFPair{{"ct", "x"}}},
	}, {
		name: "key with '-'",
		line: `CEF:0|V|P|1.0|100|N|5| b-c=2`,
		want: &CEFEvent{},
	}, {
		name: "unescaped = in a value",
		line: `CEF:0|V|P|1.0|100|N|5|act=x=y`,
		want: &CEFEvent{},
	}, {
		name: "escaped pipe in the extension",
		line: `CEF:0|V|P|1.0|100|N|5|act=b\|c`,
		want: &CEFEvent{},
	}, {
		name: "escape other than \\| and \\\\ in the header",
		line: `CEF:0|V\=|P|1.0|100|N|5|act=x`,
		want: &CEFEvent{},
	}, {
		name: "header cut short",
		line: `CEF:0|V|P|1.0|100|N`,
		want: &CEFEvent{},
	}}
}

// standardCEF is refparse's reading of line in Parsed.CEF's form.
func standardCEF(c refparse.CEF) CEFEvent {
	e := CEFEvent{OK: true, DeviceVendor: c.DeviceVendor, DeviceProduct: c.DeviceProduct,
		DeviceVersion: c.DeviceVersion, SignatureID: c.DeviceEventClassID, Name: c.Name, Severity: c.Severity}
	for _, p := range c.Extension {
		e.Extensions = append(e.Extensions, CEFPair{Key: p.Key, Value: p.Value})
	}
	return e
}

// wantCEF is what liblognorm must report for c.
func wantCEF(t *testing.T, c cefCase) CEFEvent {
	t.Helper()
	ref, err := refparse.ParseCEF(c.line)
	if c.want != nil {
		if err == nil {
			t.Fatalf("refparse accepts %q: give quirks instead of want", c.line)
		}
		return *c.want
	}
	if err != nil {
		t.Fatalf("refparse: %v", err)
	}
	want := standardCEF(ref)
	for _, q := range c.quirks {
		before := want
		before.Extensions = slices.Clone(want.Extensions)
		q.apply(c.line, &want)
		if reflect.DeepEqual(before, want) {
			t.Fatalf("quirk %q changes nothing here: test bug", q.name)
		}
	}
	return want
}

func TestRsyslogParseCEF(t *testing.T) {
	t.Parallel()
	r := StartRsyslog(t, RsyslogOptions{ParseCEF: true})
	for _, h := range []struct {
		name, prefix string
		listener     string
		framing      framing
	}{
		{"rfc5424", "<14>1 2024-01-02T03:04:05Z host siemship - - - ", ListenerTCP, octet},
		{"rfc3164", "<14>Aug  7 12:00:00 host siemship: ", ListenerLF, lf}, // rsyslog keeps the space in MSG
	} {
		t.Run(h.name, func(t *testing.T) {
			cases := cefCases()
			var frames [][]byte
			for _, c := range cases {
				frames = append(frames, []byte(h.prefix+c.line))
			}
			n := count(t, r)
			send(t, r.Addr(h.listener), nil, h.framing, frames...)
			msgs := waitFor(t, r, n+len(cases))
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) { checkCEF(t, msgs[n+i], wantCEF(t, c)) })
			}
		})
	}
	// Without a TAG, "CEF" becomes the RFC 3164 TAG (rfc3164_test.go) and MSG is no longer a CEF message.
	t.Run("rfc3164 without TAG", func(t *testing.T) {
		line := cefCases()[0].line
		n := count(t, r)
		send(t, r.Addr(ListenerLF), nil, lf, []byte("<14>Aug  7 12:00:00 host "+line))
		p := waitFor(t, r, n+1)[n]
		eq(t, "app", p.App, "CEF")
		checkCEF(t, p, CEFEvent{})
	})
}

// checkCEF compares what liblognorm reported with want. For a failed parse only the failure is compared, and that
// Unparsed is the end of MSG (which end depends on the rule that got furthest).
func checkCEF(t *testing.T, p Parsed, want CEFEvent) {
	t.Helper()
	if p.CEF == nil {
		t.Fatalf("no CEF reported: %+v", p)
	}
	got := *p.CEF
	if !got.OK && !want.OK {
		if got.Unparsed == "" || !strings.HasSuffix(p.Msg, got.Unparsed) {
			t.Errorf("unparsed data %q is not the end of MSG %q", got.Unparsed, p.Msg)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("liblognorm\n got %+v\nwant %+v\nMSG %q", got, want, p.Msg)
	}
}

// TestDecodeCEF decodes mmnormalize output in the shape rsyslog writes it (taken from real runs).
func TestDecodeCEF(t *testing.T) {
	p, err := decodeLine(ReceiverRsyslog, []byte(`{"msg":"x", "cef":"{ \"cef\": { \"DeviceVendor\": \"V\", `+
		`\"DeviceProduct\": \"P\", \"DeviceVersion\": \"1\", \"SignatureID\": \"100\", \"Name\": \"N\", `+
		`\"Severity\": \"5\", \"Extensions\": { \"z\": \"1\", \"a\": \"x y\" } } }", "cefok":"OK"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &CEFEvent{OK: true, DeviceVendor: "V", DeviceProduct: "P", DeviceVersion: "1", SignatureID: "100",
		Name: "N", Severity: "5", Extensions: []CEFPair{{"z", "1"}, {"a", "x y"}}}
	if !reflect.DeepEqual(p.CEF, want) {
		t.Errorf("got %+v, want %+v", p.CEF, want)
	}
	p, err = decodeLine(ReceiverRsyslog, []byte(`{"msg":"x", "cef":"{ \"originalmsg\": \"CEF:1|\", `+
		`\"unparsed-data\": \"CEF:1|\" }", "cefok":"FAIL"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (&CEFEvent{Unparsed: "CEF:1|"}); !reflect.DeepEqual(p.CEF, want) {
		t.Errorf("got %+v, want %+v", p.CEF, want)
	}
	for _, line := range []string{
		`{"cef":"{ \"unparsed-data\": \"x\" }", "cefok":"OK"}`,                  // success without the event
		`{"cef":"{ \"cef\": { \"Extensions\": { } } }", "cefok":"FAIL"}`,        // failure with an event
		`{"cef":"{ \"cef\": { \"Extensions\": [ ] } }", "cefok":"OK"}`,          // extensions not an object
		`{"cef":"{ \"cef\": { \"Extensions\": { \"a\": 1 } } }", "cefok":"OK"}`, // not a string
	} {
		if _, err := decodeLine(ReceiverRsyslog, []byte(line)); err == nil {
			t.Errorf("%s decoded without error", line)
		}
	}
}
