package realrecv

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// jsonCase is one message body and what the receivers' JSON parsers make of it (Parsed.JSON documents the rules).
//
// rsyslog's mmjsonparse is compared with encoding/json: it must report encoding/json's tree of body (numbers as
// json.Number), changed only by rsyslogQuirk, or fail when rsyslogFails. syslog-ng's json-parser() stores strings
// only, so its tree is written out in syslogNG.
type jsonCase struct {
	name string
	body string
	only string // "rfc5424" or "rfc3164": send under that header only; "": under both

	rsyslogFails bool
	rsyslogQuirk func(tree map[string]any) // turns encoding/json's tree into rsyslog's; it must change something

	syslogNGFails bool
	syslogNG      map[string]any
}

func jsonCases() []jsonCase {
	return []jsonCase{{
		name: "flat, as siemship's json format writes a record",
		body: `{"__time__":1700000000,"__topic__":"actiontrail_audit_event","__source__":"10.0.0.1",` +
			`"__tag__:__hostname__":"h1","event.eventName":"ConsoleSignin","event.userIdentity.userName":"alice",` +
			`"msg":"a b  c"}`,
		// dotted keys come back nested
		syslogNG: map[string]any{"__time__": "1700000000", "__topic__": "actiontrail_audit_event",
			"__source__": "10.0.0.1", "__tag__:__hostname__": "h1",
			"event": map[string]any{"eventName": "ConsoleSignin", "userIdentity": map[string]any{"userName": "alice"}},
			"msg":   "a b  c"},
	}, {
		name: "nested objects and arrays",
		body: `{"obj":{"a":"1","b":{"c":"2"}},"strs":["x","y"],"nums":[1,2],"objs":[{"k":"v"}],"nested":[["a"]],` +
			`"emptyObj":{},"emptyArr":[]}`,
		// arrays of scalars as list text, others as JSON text; the empty object is lost
		syslogNG: map[string]any{"obj": map[string]any{"a": "1", "b": map[string]any{"c": "2"}}, "strs": "x,y",
			"nums": "1,2", "objs": `[{"k":"v"}]`, "nested": `[["a"]]`, "emptyArr": ""},
	}, {
		name:     "list elements with commas, quotes and spaces",
		body:     `{"l":["a,b","c\"d","e f",""]}`,
		syslogNG: map[string]any{"l": `a,b,'c"d',"e f",""`}, // the comma inside "a,b" is not quoted
	}, {
		name: "escapes",
		body: `{"q":"a\"b","bs":"c\\d","sl":"\/","nl":"l1\nl2","cr":"\r","tab":"\t","bf":"\b\f",` +
			`"ctl":"\u0001\u001f","del":"\u007f"}`,
		syslogNG: map[string]any{"q": `a"b`, "bs": `c\d`, "sl": "/", "nl": "l1\nl2", "cr": "\r", "tab": "\t",
			"bf": "\b\f", "ctl": "\x01\x1f", "del": "\x7f"},
	}, {
		name: "unicode, escaped and not, and a lone surrogate",
		body: `{"raw":"ü€𝄞日本","esc":"\u00fc\u20ac\ud834\udd1e","ключ":"значение","lone":"\ud800"}`,
		syslogNG: map[string]any{"raw": "ü€𝄞日本", "esc": "ü€𝄞", "ключ": "значение",
			"lone": "\uFFFD"},
	}, {
		name:     "duplicate keys: the last value wins",
		body:     `{"a":"1","b":"2","a":"3","o":{"x":"1"},"o":{"y":"2"}}`,
		syslogNG: map[string]any{"a": "3", "b": "2", "o": map[string]any{"y": "2"}},
	}, {
		name: "numbers and literals",
		body: `{"i":42,"neg":-7,"f":2.5,"exp":1.5e3,"small":1e-7,"big":12345678901234567890,"negz":-0,` +
			`"t":true,"fa":false,"n":null}`,
		rsyslogQuirk: func(m map[string]any) {
			m["big"] = json.Number("9223372036854775807") // int64's maximum
			m["negz"] = json.Number("0")
		},
		// floats in %f, int64 clamped, null empty
		syslogNG: map[string]any{"i": "42", "neg": "-7", "f": "2.500000", "exp": "1500.000000", "small": "0.000000",
			"big": "9223372036854775807", "negz": "0", "t": "true", "fa": "false", "n": ""},
	}, {
		name:         "an escaped NUL ends the string",
		body:         `{"z":"a\u0000b","after":"x"}`,
		rsyslogQuirk: func(m map[string]any) { m["z"] = "a" },
		syslogNG:     map[string]any{"z": "a", "after": "x"},
	}, {
		name:     "a dotted key next to a plain key of the same name",
		body:     `{"k":"v","k.x":"w"}`,
		syslogNG: map[string]any{"k": map[string]any{"k": "v", "x": "w"}},
	}, {
		name:     "empty key",
		body:     `{"":"v","a":"1"}`,
		syslogNG: map[string]any{"json": "v", "a": "1"}, // the parser's prefix "json." without a key
	}, {
		name:     "white space around the object",
		body:     `  {"a":"1"}  `,
		syslogNG: map[string]any{"a": "1"},
	}, {
		name:     "empty object",
		body:     `{}`,
		syslogNG: map[string]any{},
	}, {
		name: "not JSON", body: `not json`,
		rsyslogFails: true, syslogNGFails: true, syslogNG: map[string]any{},
	}, {
		name: "truncated", body: `{"a":"abc`,
		rsyslogFails: true, syslogNGFails: true, syslogNG: map[string]any{},
	}, {
		name: "text after the object", body: `{"a":"1"} x`,
		rsyslogFails: true, syslogNG: map[string]any{"a": "1"}, // syslog-ng ignores the rest
	}, {
		name: "two objects", body: `{"a":"1"}{"b":"2"}`,
		rsyslogFails: true, syslogNG: map[string]any{"a": "1"},
	}, {
		name: "top-level array", body: `["a","b"]`,
		rsyslogFails: true, syslogNG: map[string]any{}, // accepted, nothing stored
	}, {
		name: "top-level string", body: `"s"`,
		rsyslogFails: true, syslogNGFails: true, syslogNG: map[string]any{},
	}, {
		name: "BOM before the object", body: bom + `{"b":"x"}`, only: "rfc5424",
		rsyslogFails: true, syslogNG: map[string]any{"b": "x"}, // syslog-ng strips the BOM of an RFC 5424 MSG
	}, {
		name: "BOM before the object", body: bom + `{"b":"x"}`, only: "rfc3164",
		rsyslogFails: true, syslogNGFails: true, syslogNG: map[string]any{},
	}}
}

// stdTree decodes body with encoding/json (numbers as json.Number).
func stdTree(t *testing.T, body string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return m
}

// firstKeys are body's top-level keys in order, each once, at its first place.
func firstKeys(t *testing.T, body string) []string {
	t.Helper()
	keys, err := objectKeys(json.RawMessage(strings.TrimSpace(body)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func TestRsyslogParseJSON(t *testing.T) {
	t.Parallel()
	testParseJSON(t, StartRsyslog(t, RsyslogOptions{ParseJSON: true}))
}

func TestSyslogNGParseJSON(t *testing.T) {
	t.Parallel()
	testParseJSON(t, StartSyslogNG(t, SyslogNGOptions{ParseJSON: true}))
}

// testParseJSON sends every case as the MSG of an RFC 5424 message (octet framing) and of an RFC 3164 message with
// a TAG (LF framing) and checks what the receiver's JSON parser reported.
func testParseJSON(t *testing.T, r Receiver) {
	for _, h := range []struct {
		name, prefix string
		listener     string
		framing      framing
	}{
		{"rfc5424", "<14>1 2024-01-02T03:04:05Z host app 42 - - ", ListenerTCP, octet},
		{"rfc3164", "<14>Aug  7 12:00:00 host app[42]: ", ListenerLF, lf},
	} {
		t.Run(h.name, func(t *testing.T) {
			var cases []jsonCase
			var frames [][]byte
			for _, c := range jsonCases() {
				if c.only == "" || c.only == h.name {
					cases = append(cases, c)
					frames = append(frames, []byte(h.prefix+c.body))
				}
			}
			n := count(t, r)
			send(t, r.Addr(h.listener), nil, h.framing, frames...)
			msgs := waitFor(t, r, n+len(cases))
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					p := msgs[n+i]
					if p.JSON == nil {
						t.Fatalf("no JSON body reported: %+v", p)
					}
					eq(t, "app", p.App, "app") // the header was not disturbed
					if r.Name() == ReceiverRsyslog {
						checkRsyslogJSON(t, c, p)
					} else {
						checkSyslogNGJSON(t, c, p)
					}
				})
			}
		})
	}
}

func checkRsyslogJSON(t *testing.T, c jsonCase, p Parsed) {
	t.Helper()
	if p.JSON.OK == c.rsyslogFails {
		t.Fatalf("OK = %v, want %v; tree %v", p.JSON.OK, !c.rsyslogFails, p.JSON.Tree)
	}
	if c.rsyslogFails {
		// mmjsonparse's fallback: MSG without leading white space (rsyslog keeps the space after an RFC 3164 TAG)
		want := map[string]any{"msg": strings.TrimLeft(p.Msg, " ")}
		if !reflect.DeepEqual(p.JSON.Tree, want) {
			t.Errorf("tree of a failed parse = %#v, want %#v", p.JSON.Tree, want)
		}
		return
	}
	want := stdTree(t, c.body)
	if c.rsyslogQuirk != nil {
		std := maps.Clone(want)
		c.rsyslogQuirk(want)
		if reflect.DeepEqual(std, want) {
			t.Fatal("rsyslogQuirk changes nothing: test bug")
		}
	}
	if !reflect.DeepEqual(p.JSON.Tree, want) {
		t.Errorf("tree\n got %#v\nwant %#v", p.JSON.Tree, want)
	}
	// message order, a repeated key at its first place
	if got, want := p.JSON.Keys, firstKeys(t, c.body); !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
}

func checkSyslogNGJSON(t *testing.T, c jsonCase, p Parsed) {
	t.Helper()
	if p.JSON.OK == c.syslogNGFails {
		t.Fatalf("OK = %v, want %v; tree %v", p.JSON.OK, !c.syslogNGFails, p.JSON.Tree)
	}
	if !reflect.DeepEqual(p.JSON.Tree, c.syslogNG) {
		t.Errorf("tree\n got %#v\nwant %#v", p.JSON.Tree, c.syslogNG)
	}
}

// TestDecodeJSONBody decodes body members in the shape each receiver writes them (taken from real runs).
func TestDecodeJSONBody(t *testing.T) {
	r, err := decodeLine(ReceiverRsyslog, []byte(`{"pri":"14", "msg":"x", `+
		`"json":"{ \"b\": 1.5e3, \"a\": { \"c\": [ 1, \"x\" ] } }", "jsonok":"OK"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &JSONBody{OK: true, Keys: []string{"b", "a"},
		Tree: map[string]any{"b": json.Number("1.5e3"), "a": map[string]any{"c": []any{json.Number("1"), "x"}}}}
	if !reflect.DeepEqual(r.JSON, want) {
		t.Errorf("rsyslog: %#v, want %#v", r.JSON, want)
	}
	s, err := decodeLine(ReceiverSyslogNG, []byte(`{"pri":"14","msg":"x","jsonfail":"1","json":"{}"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (&JSONBody{Tree: map[string]any{}}); !reflect.DeepEqual(s.JSON, want) {
		t.Errorf("syslog-ng: %#v, want %#v", s.JSON, want)
	}
	s, err = decodeLine(ReceiverSyslogNG, []byte(`{"msg":"x","jsonfail":"","json":"{\"json\":{\"a\":{\"b\":\"1\"}}}"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (&JSONBody{OK: true, Keys: []string{"a"}, Tree: map[string]any{"a": map[string]any{"b": "1"}}}); !reflect.DeepEqual(s.JSON, want) {
		t.Errorf("syslog-ng: %#v, want %#v", s.JSON, want)
	}
	p, err := decodeLine(ReceiverRsyslog, []byte(`{"msg":"x"}`))
	if err != nil || p.JSON != nil || p.CEF != nil {
		t.Errorf("without the options: JSON %v, CEF %v, err %v", p.JSON, p.CEF, err)
	}
	for _, line := range []string{`{"json":"{"}`, `{"json":"[1]"}`, `{"json":""}`} {
		if _, err := decodeLine(ReceiverRsyslog, []byte(line)); err == nil {
			t.Errorf("%s decoded without error", line)
		}
	}
}

// TestSyslogNGNoParse sends lines without a syslog header, and one with an RFC 5424 header, to syslog-ng's sources
// with flags(no-parse) (SyslogNGOptions.NoParse): each whole frame is MSG and json-parser() reads a JSON line.
// Without the option both sources take the JSON line's start for a TAG.
func TestSyslogNGNoParse(t *testing.T) {
	t.Parallel()
	r := StartSyslogNG(t, SyslogNGOptions{ParseJSON: true, NoParse: true})
	parsing := StartSyslogNG(t, SyslogNGOptions{ParseJSON: true})
	lines := []string{`{"__time__":"2026-11-23T09:22:25.147976960Z","a":"b: c","n":null}`,
		"<14>1 2024-01-02T03:04:05Z host app 42 - - not parsed"}
	for _, rt := range []route{{listener: ListenerTCP, framing: octet}, {listener: ListenerLF, framing: lf}} {
		t.Run(rt.listener, func(t *testing.T) {
			n := count(t, parsing)
			send(t, parsing.Addr(rt.listener), nil, rt.framing, []byte(lines[0]))
			p := waitFor(t, parsing, n+1)[n]
			eq(t, "app without no-parse", p.App, `{"__time__"`)
			eq(t, "msg without no-parse", p.Msg, strings.TrimPrefix(lines[0], `{"__time__":`))
			if p.JSON == nil || p.JSON.OK {
				t.Errorf("json-parser without no-parse: %+v", p.JSON)
			}

			n = count(t, r)
			send(t, r.Addr(rt.listener), nil, rt.framing, []byte(lines[0]), []byte(lines[1]))
			msgs := waitFor(t, r, n+len(lines))
			for i, line := range lines {
				p := msgs[n+i]
				eq(t, "raw", p.Raw, line)
				got := p.Fields()
				got.Timestamp = "" // the receive time
				if want := (Fields{Pri: "13", Hostname: "127.0.0.1", Msg: line}); got != want {
					t.Errorf("fields\n got %+v\nwant %+v", got, want)
				}
			}
			if j := msgs[n].JSON; j == nil || !j.OK || !reflect.DeepEqual(j.Tree,
				map[string]any{"__time__": "2026-11-23T09:22:25.147976960Z", "a": "b: c", "n": ""}) {
				t.Errorf("json-parser: %+v", msgs[n].JSON)
			}
			if j := msgs[n+1].JSON; j == nil || j.OK {
				t.Errorf("json-parser parsed a syslog line: %+v", j)
			}
		})
	}
}
