package hecemu_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/testgear/hecemu"
)

func TestEventBodies(t *testing.T) {
	const a, b, c = `{"event":"a"}`, `{"event":"b"}`, `{"event":"c"}`
	tests := []struct {
		name    string
		token   string
		query   string
		body    string
		status  int
		code    int
		invalid int // -1: no invalid-event-number
		indexed int
	}{
		{"empty", "", "", ``, 400, hecemu.CodeNoData, -1, 0},
		{"whitespace", "", "", " \n\t\r ", 400, hecemu.CodeNoData, -1, 0},
		{"one", "", "", a, 200, 0, -1, 1},
		{"concatenated", "", "", a + b + c, 200, 0, -1, 3},
		{"whitespace between", "", "", "\n " + a + "\n\n" + b + " \t" + c + "\r\n", 200, 0, -1, 3},
		{"object event", "", "", `{"event":{"k":"v","n":[1,2]}}`, 200, 0, -1, 1},
		{"number event", "", "", `{"event":0}`, 200, 0, -1, 1},
		{"empty object event", "", "", `{"event":{}}`, 200, 0, -1, 1},
		{"unknown members ignored", "", "", `{"event":"x","foo":{"bar":[1]}}`, 200, 0, -1, 1},
		{"missing event", "", "", `{"host":"h"}`, 400, hecemu.CodeEventRequired, 0, 0},
		{"null event", "", "", `{"event":null}`, 400, hecemu.CodeEventRequired, 0, 0},
		{"blank event", "", "", `{"event":""}`, 400, hecemu.CodeEventBlank, 0, 0},
		{"missing after two", "", "", a + b + `{"time":1}` + c, 400, hecemu.CodeEventRequired, 2, 2},
		{"blank after one", "", "", a + `{"event":""}` + c, 400, hecemu.CodeEventBlank, 1, 1},
		{"truncated", "", "", a + `{"event":`, 400, hecemu.CodeInvalidDataFormat, 1, 1},
		{"garbage first", "", "", `nope`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"array", "", "", `[` + a + `,` + b + `]`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"commas", "", "", a + `,` + b, 400, hecemu.CodeInvalidDataFormat, 1, 1},
		{"string value", "", "", `"x"`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"bad escape", "", "", a + `{"event":"\x"}`, 400, hecemu.CodeInvalidDataFormat, 1, 1},
		{"time number", "", "", `{"event":"x","time":1433188255.500}`, 200, 0, -1, 1},
		{"time integer", "", "", `{"event":"x","time":1433188255}`, 200, 0, -1, 1},
		{"time string", "", "", `{"event":"x","time":"1433188255.500"}`, 200, 0, -1, 1},
		{"time null", "", "", `{"event":"x","time":null}`, 200, 0, -1, 1},
		{"time exponent", "", "", a + `{"event":"x","time":1.43e9}`, 400, hecemu.CodeIndexedFields, 1, 1},
		{"time word", "", "", `{"event":"x","time":"soon"}`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"time bool", "", "", `{"event":"x","time":true}`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"host number", "", "", `{"event":"x","host":5}`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"sourcetype object", "", "", `{"event":"x","sourcetype":{}}`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"fields flat", "", "", `{"event":"x","fields":{"a":"1","b":2,"c":["x","y"],"d":true,"e":null}}`, 200, 0, -1, 1},
		{"fields empty", "", "", `{"event":"x","fields":{}}`, 200, 0, -1, 1},
		{"fields nested object", "", "", `{"event":"x","fields":{"a":{"b":"c"}}}`, 400, hecemu.CodeIndexedFields, 0, 0},
		{"fields nested array", "", "", a + `{"event":"x","fields":{"a":["A",[1]]}}`, 400, hecemu.CodeIndexedFields, 1, 1},
		{"fields array of objects", "", "", `{"event":"x","fields":{"a":[{}]}}`, 400, hecemu.CodeIndexedFields, 0, 0},
		{"fields not object", "", "", `{"event":"x","fields":["a"]}`, 400, hecemu.CodeInvalidDataFormat, 0, 0},
		{"index any", "", "", `{"event":"x","index":"whatever"}`, 200, 0, -1, 1},
		{"index allowed", tokIdx, "", `{"event":"x","index":"audit"}`, 200, 0, -1, 1},
		{"index default not checked", tokIdx, "", `{"event":"x"}`, 200, 0, -1, 1},
		{"index refused alone", tokIdx, "", `{"event":"x","index":"main"}`, 400, hecemu.CodeIncorrectIndex, 1, 0},
		{"index refused third", tokIdx, "", a + b + `{"event":"x","index":"main"}`, 400, hecemu.CodeIncorrectIndex, 3, 2},
		{"index query refused", tokIdx, "index=main", a, 400, hecemu.CodeIncorrectIndex, 1, 0},
		{"index query allowed", tokIdx, "index=audit", a, 200, 0, -1, 1},
		{"gzip-looking but plain", "", "", "\x1f\x8b", 400, hecemu.CodeInvalidDataFormat, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(hecemu.Options{})
			got := serve(t, s, req{token: firstNonEmpty(tc.token, tokPlain), query: tc.query, body: tc.body})
			expect(t, got, tc.status, tc.code)
			if hecemu.CodeStatus(tc.code) != tc.status {
				t.Fatalf("CodeStatus(%d) = %d", tc.code, hecemu.CodeStatus(tc.code))
			}
			if want := hecemu.CodeText(tc.code); got.Text != want {
				t.Fatalf("text %q, want %q", got.Text, want)
			}
			switch {
			case tc.invalid < 0 && got.Invalid != nil:
				t.Fatalf("unexpected invalid-event-number in %v", got)
			case tc.invalid >= 0 && (got.Invalid == nil || *got.Invalid != tc.invalid):
				t.Fatalf("got %v, want invalid-event-number %d", got, tc.invalid)
			}
			if got.AckID != nil {
				t.Fatalf("ackId without ack: %v", got)
			}
			if n := s.Count(); n != tc.indexed {
				t.Fatalf("indexed %d events, want %d", n, tc.indexed)
			}
		})
	}
}

func TestLedger(t *testing.T) {
	s := newServer(hecemu.Options{})
	body := `{"event":"plain","time":1433188255.500,"host":"h1","source":"s1","sourcetype":"st1","index":"audit",` +
		`"fields":{"shard":"3","n":7,"tags":["a","b"]}}` + "\n" +
		`{"event":{"k":"v"},"time":"1433188256.25"}` + "\n" +
		`{"event":["x"],"host":"h\u00e9"}`
	got := serve(t, s, req{token: tokIdx, query: "host=qh&source=qs&sourcetype=qst", channel: "not-a-guid", body: body})
	expect(t, got, 200, 0)
	evs := s.Events()
	if len(evs) != 3 || s.Count() != 3 {
		t.Fatalf("got %d events (Count %d), want 3", len(evs), s.Count())
	}
	e := evs[0]
	if string(e.Event) != `"plain"` || e.Host != "h1" || e.Source != "s1" || e.Sourcetype != "st1" || e.Index != "audit" ||
		!e.HasTime || e.Time != 1433188255.5 || e.TimeText != "1433188255.500" || e.Token != tokIdx ||
		e.Channel != "not-a-guid" || e.AckID != -1 || e.Request != 1 {
		t.Fatalf("event 0: %+v", e)
	}
	if len(e.Fields) != 3 || string(e.Fields["shard"]) != `"3"` || string(e.Fields["n"]) != `7` ||
		string(e.Fields["tags"]) != `["a","b"]` {
		t.Fatalf("fields %v", e.Fields)
	}
	e = evs[1]
	if string(e.Event) != `{"k":"v"}` || e.Host != "qh" || e.Source != "qs" || e.Sourcetype != "qst" || e.Index != "sls" ||
		e.TimeText != "1433188256.25" || e.Time != 1433188256.25 || e.Fields != nil {
		t.Fatalf("event 1: %+v", e)
	}
	e = evs[2]
	if string(e.Event) != `["x"]` || e.Host != "hé" || e.HasTime || e.TimeText != "" {
		t.Fatalf("event 2: %+v", e)
	}
	if !bytes.Contains([]byte(body), evs[0].Event) {
		t.Fatal("event bytes are not the bytes sent")
	}
	st := s.Stats()
	if st.Events != 3 || st.Indexed != 3 || st.Accepted != 1 || st.EventRequests != 1 || st.Codes[0] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPaths(t *testing.T) {
	s := newServer(hecemu.Options{})
	for _, p := range []string{hecemu.PathEvent, hecemu.PathCollector, hecemu.PathEvent10} {
		expect(t, serve(t, s, req{path: p, token: tokPlain, body: `{"event":"x"}`}), 200, 0)
	}
	for _, r := range []req{
		{path: "/services/collector/raw", token: tokPlain, body: "x"},
		{path: "/services/collector/event/", token: tokPlain, body: `{"event":"x"}`},
		{path: "/nope", token: tokPlain},
		{method: "GET", token: tokPlain},
		{method: "PUT", path: hecemu.PathHealth},
	} {
		got := serve(t, s, r)
		expect(t, got, 404, 404)
		if got.Text != "The requested URL was not found on this server." {
			t.Fatalf("%s %s: %v", r.method, r.path, got)
		}
	}
	if s.Count() != 3 {
		t.Fatalf("indexed %d", s.Count())
	}
}

func TestGzip(t *testing.T) {
	s := newServer(hecemu.Options{MaxContentLength: 4096})
	expect(t, serve(t, s, req{token: tokPlain, gzip: true, body: events("z", 20)}), 200, 0)
	if s.Count() != 20 {
		t.Fatalf("indexed %d, want 20", s.Count())
	}
	// A body that is small compressed but larger than MaxContentLength once inflated.
	big := strings.Repeat(`{"event":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`, 200)
	expect(t, serve(t, s, req{token: tokPlain, gzip: true, body: big}), 413, hecemu.CodeContentTooLarge)
	// Not gzip at all.
	r := req{token: tokPlain, body: `{"event":"x"}`}
	hr := r.build(t, "http://hec.test")
	hr.Header.Set("Content-Encoding", "gzip")
	got := serveRaw(t, s, hr)
	expect(t, got, 400, hecemu.CodeInvalidDataFormat)
	// An encoding HEC does not take.
	hr = r.build(t, "http://hec.test")
	hr.Header.Set("Content-Encoding", "br")
	expect(t, serveRaw(t, s, hr), 400, hecemu.CodeInvalidDataFormat)
	// Empty gzip stream.
	expect(t, serve(t, s, req{token: tokPlain, gzip: true, body: ""}), 400, hecemu.CodeNoData)
	if s.Count() != 20 {
		t.Fatalf("indexed %d, want 20", s.Count())
	}
}

func TestMaxContentLength(t *testing.T) {
	body := `{"event":"0123456789"}` // 22 bytes
	tests := []struct {
		name    string
		max     int64
		chunked bool
		status  int
	}{
		{"at limit", 22, false, 200},
		{"over limit", 21, false, 413},
		{"chunked at limit", 22, true, 200},
		{"chunked over limit", 21, true, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(hecemu.Options{MaxContentLength: tc.max})
			hr := req{token: tokPlain, body: body}.build(t, "http://hec.test")
			if tc.chunked {
				hr.ContentLength = -1
			}
			got := serveRaw(t, s, hr)
			if got.Status != tc.status {
				t.Fatalf("got %v, want %d", got, tc.status)
			}
			if tc.status == 413 && (got.Code != hecemu.CodeContentTooLarge || got.Text != "Content too large") {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	if hecemu.DefaultMaxContentLength != 838860800 {
		t.Fatal("max_content_length default changed")
	}
	var m map[string]any
	a := serve(t, newServer(hecemu.Options{}), req{token: tokPlain, body: `{"event":"x"}`})
	if err := json.Unmarshal([]byte(a.Raw), &m); err != nil || a.Raw != `{"text":"Success","code":0}` {
		t.Fatalf("success body %q", a.Raw)
	}
}
