package hecemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"unsafe"
)

// referenceParse is the oracle for the scanner: encoding/json's Decoder over the stream, each object decoded into
// a map, then the same member checks.
func referenceParse(body []byte, tok *tokenState) (evs []json.RawMessage, code, bad int) {
	if len(bytes.TrimLeft(body, " \t\r\n")) == 0 {
		return nil, CodeNoData, -1
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	p := eventParser{meta: requestMeta{tok: tok}}
	for n := 0; ; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return evs, CodeSuccess, -1
		} else if err != nil || raw[0] != '{' {
			return evs, CodeInvalidDataFormat, n
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			panic(err) // the Decoder accepted it
		}
		mem := members{event: m["event"], time: m["time"], host: m["host"], source: m["source"],
			sourcetype: m["sourcetype"], index: m["index"], fields: m["fields"]}
		var ev Event
		if code := p.build(&mem, &ev, true); code != CodeSuccess {
			return evs, code, n
		}
		evs = append(evs, ev.Event)
	}
}

// within reports whether sub is a slice of b's memory.
func within(sub, b []byte) bool {
	if len(sub) == 0 || len(b) == 0 {
		return false
	}
	s, e := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[len(b)-1]))
	p := uintptr(unsafe.Pointer(&sub[0]))
	return s <= p && p+uintptr(len(sub))-1 <= e
}

// FuzzParse checks the event-body parser: it never panics, it accepts and refuses exactly what encoding/json plus
// the HEC member checks accept and refuse (same code, same bad event), and accepted events keep their event bytes
// as sent.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		``, ` `, `{"event":"a"}`, `{"event":"a"}{"event":{"b":[1,2,{"c":null}]}}`,
		"{\"event\":\"a\"}\n\t {\"event\":1,\"time\":\"12.5\",\"host\":\"h\\u00e9\"}",
		`{"event":""}`, `{"event":null}`, `{"time":1}`, `[{"event":"a"}]`, `{"event":"a"},{"event":"b"}`,
		`{"event":"x","fields":{"a":["b","c"],"n":1.5,"o":{"p":1}}}`, `{"event":"x","fields":{"a":[["b"]]}}`,
		`{"event":"x","time":1e9}`, `{"event":"x","time":-1.25}`, `{"event":"x","index":"nope"}`,
		`{"\u0065vent":"escaped key"}`, `{"event":"a","event":""}`, `{"event":"\ud800"}`, "{\"event\":\"\xff\"}",
		`{"event":tru}`, `{"event":01}`, `{"event":-}`, `{"event":1.}`, `{"event":"a"`, `{"event" "a"}`,
		`{"event":"a",}`, `{,}`, `{}`, `{"event":[1,]}`, `{"event":"\u12"}`,
	} {
		f.Add([]byte(seed))
	}
	tok := newTokenState(Token{Indexes: []string{"main", "sls"}})
	f.Fuzz(func(t *testing.T, body []byte) {
		p := eventParser{meta: requestMeta{tok: tok, token: "t", request: 1}}
		evs, code, bad := p.parse(body, nil)
		want, wantCode, wantBad := referenceParse(body, tok)
		if code != wantCode || bad != wantBad || len(evs) != len(want) {
			t.Fatalf("parse(%q) = %d events, code %d at %d; encoding/json: %d events, code %d at %d",
				body, len(evs), code, bad, len(want), wantCode, wantBad)
		}
		if n, c, b := p.count(body); n != len(want) || c != wantCode || b != wantBad {
			t.Fatalf("count(%q) = %d events, code %d at %d; encoding/json: %d events, code %d at %d",
				body, n, c, b, len(want), wantCode, wantBad)
		}
		for i, ev := range evs {
			if !bytes.Equal(ev.Event, want[i]) {
				t.Fatalf("event %d: %q, encoding/json %q", i, ev.Event, want[i])
			}
			if !within(ev.Event, body) {
				t.Fatalf("event %d is not a slice of the body", i)
			}
			if !json.Valid(ev.Event) {
				t.Fatalf("event %d: %q is not JSON", i, ev.Event)
			}
			if ev.Index == "" || ev.AckID != -1 || ev.Request != 1 {
				t.Fatalf("event %d: %+v", i, ev)
			}
		}
	})
}

func TestScannerAgreesOnDepth(t *testing.T) {
	deep := func(n int) []byte {
		b := []byte(`{"event":`)
		b = append(b, bytes.Repeat([]byte("["), n)...)
		b = append(b, bytes.Repeat([]byte("]"), n)...)
		return append(b, '}')
	}
	tok := newTokenState(Token{})
	for _, n := range []int{maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 1} {
		body := deep(n)
		p := eventParser{meta: requestMeta{tok: tok}}
		_, code, _ := p.parse(body, nil)
		_, want, _ := referenceParse(body, tok)
		if code != want {
			t.Fatalf("depth %d: code %d, encoding/json %d", n+1, code, want)
		}
	}
}

// BenchmarkParse is the parser alone on 1000 small events.
func BenchmarkParse(b *testing.B) {
	var buf bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(&buf, `{"time":1700000000.%03d,"host":"sls-audit","source":"sls:proj/audit","sourcetype":"siemship:json",`+
			`"event":{"__time__":"2026-01-01T00:00:00.%03dZ","seq":"%d","eventName":"StopInstance","result":"success"}}`+"\n",
			i%1000, i%1000, i)
	}
	body := buf.Bytes()
	tok := newTokenState(Token{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p := eventParser{meta: requestMeta{tok: tok}}
		evs, code, _ := p.parse(body, make([]Event, 0, 1000))
		if code != CodeSuccess || len(evs) != 1000 {
			b.Fatal(code, len(evs))
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "events/s")
}

// FuzzSkipPlain checks the eight-bytes-at-a-time search against a byte at a time.
func FuzzSkipPlain(f *testing.F) {
	for _, seed := range []string{"", "abcdefgh", "abcdefg\"", "\x1f", "abc\\defghijk", "\x7f\x80\xff\x20\x21\"", "        \x00"} {
		f.Add([]byte(seed), 0)
	}
	f.Fuzz(func(t *testing.T, b []byte, from int) {
		if from < 0 || from > len(b) {
			return
		}
		want := from
		for want < len(b) && plainByte[b[want]] {
			want++
		}
		if got := skipPlain(b, from); got != want {
			t.Fatalf("skipPlain(%q, %d) = %d, want %d", b, from, got, want)
		}
	})
}

func TestSkipPlainEveryByte(t *testing.T) {
	for c := range 256 {
		for pos := range 16 {
			b := bytes.Repeat([]byte("a"), 16)
			b[pos] = byte(c)
			if c < 0x20 && pos > 0 {
				b[pos-1] = 0x20 // a borrow must not mark the byte above a hit falsely as the first
			}
			want := 16
			if !plainByte[c] {
				want = pos
			}
			if got := skipPlain(b, 0); got != want {
				t.Fatalf("byte %#x at %d: %d, want %d", c, pos, got, want)
			}
		}
	}
}
