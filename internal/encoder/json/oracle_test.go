package jsonenc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/leodido/go-syslog/v4/rfc3164"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// member is one member of a decoded object: the value is a string, nil (__time__ of a log without a time) or
// true (the __truncated__ marker).
type member struct {
	Key   string
	Value any
}

// decodeObject reads msg with encoding/json's streaming decoder, token by token, so that repeated keys and their
// order show: exactly one object of scalar members, nothing after it.
func decodeObject(msg []byte) ([]member, error) {
	if !json.Valid(msg) {
		return nil, errors.New("not valid JSON")
	}
	if len(msg) == 0 || msg[0] != '{' || msg[len(msg)-1] != '}' {
		return nil, errors.New("does not start with { and end with }")
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("first token %v, %v", tok, err)
	}
	var out []member
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("key %v is not a string", k)
		}
		v, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch v.(type) {
		case string, bool, nil:
		default:
			return nil, fmt.Errorf("member %q: value %v (%T) is not a string, bool or null", key, v, v)
		}
		out = append(out, member{key, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, fmt.Errorf("last token %v, %v", tok, err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("after the object: %v, %v", tok, err)
	}
	return out, nil
}

// decoded is what encoding/json gives back for s as its own encoder writes it: invalid UTF-8 bytes become U+FFFD
// one by one. It is the documented lossy point, computed by a JSON implementation this package did not write.
func decoded(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// expectedMembers is the object of l in g, written here independently of the encoder from the documented rules:
// the member order, the time, values as decoded, and repeated names renamed to name#N, N the smallest from 2 up
// that no member of the record has and no earlier member got (the marker's name counts as taken).
func expectedMembers(g *record.Group, l *record.Log) (ms []member, renamed []bool) {
	var t any
	if l.Time != 0 || l.TimeNs != 0 {
		t = time.Unix(int64(l.Time), int64(l.TimeNs)).UTC().Format("2006-01-02T15:04:05.000000000Z")
	}
	ms = []member{{"__time__", t}, {"__topic__", decoded(g.Topic)}, {"__source__", decoded(g.Source)}}
	for _, tg := range g.Tags {
		ms = append(ms, member{"__tag__:" + decoded(tg.Key), decoded(tg.Value)})
	}
	for _, c := range l.Contents {
		ms = append(ms, member{decoded(c.Key), decoded(c.Value)})
	}
	inRecord := map[string]bool{"__truncated__": true}
	for _, m := range ms {
		inRecord[m.Key] = true
	}
	taken := map[string]bool{"__truncated__": true}
	renamed = make([]bool, len(ms))
	for i := range ms {
		if !taken[ms[i].Key] {
			taken[ms[i].Key] = true
			continue
		}
		for n := 2; ; n++ {
			cand := ms[i].Key + "#" + strconv.Itoa(n)
			if !inRecord[cand] && !taken[cand] {
				ms[i].Key, renamed[i] = cand, true
				taken[cand] = true
				break
			}
		}
	}
	return ms, renamed
}

// needsSanitizing reports whether s has a control character (C0 or DEL) or invalid UTF-8.
func needsSanitizing(s string) bool {
	return !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// originals are the keys and values of l in g as they are, in member order (the time's is "").
func originals(g *record.Group, l *record.Log) []record.Field {
	out := []record.Field{{}, {Key: "__topic__", Value: g.Topic}, {Key: "__source__", Value: g.Source}}
	for _, t := range g.Tags {
		out = append(out, record.Field{Key: "__tag__:" + t.Key, Value: t.Value})
	}
	return append(out, l.Contents...)
}

// splitHeader parses the syslog header of msg with a parser this project did not write (crewjam/rfc5424 or
// leodido/go-syslog's RFC 3164 parser), checks its fields against the options and the log's time, and returns
// the MSG: the JSON object.
func splitHeader(t testing.TB, e *Encoder, msg []byte, l *record.Log) []byte {
	t.Helper()
	o := e.Options()
	if o.Bare {
		return msg
	}
	ho := o.Header
	pri, _ := header.Priority(ho.Facility, ho.Severity)
	nil2empty := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	var payload []byte
	if ho.Format == header.RFC3164 {
		p := rfc3164.NewParser(rfc3164.WithYear(rfc3164.Year{YYYY: time.Unix(int64(l.Time), 0).UTC().Year()}),
			rfc3164.WithTimezone(time.UTC))
		if l.Time == 0 { // the header then has the encoding time: a year ago it was another year perhaps
			p = rfc3164.NewParser(rfc3164.WithTimezone(time.UTC))
		}
		m, err := p.Parse(msg)
		if err != nil {
			t.Fatalf("go-syslog rfc3164 rejects the message: %v\nmessage: %q", err, msg)
		}
		sm := m.(*rfc3164.SyslogMessage)
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		app := ho.AppName
		if app == "-" {
			app = header.DefaultTag // RFC 3164 messages always have a TAG
		}
		if sm.Priority == nil || int(*sm.Priority) != pri || str(sm.Hostname) != nil2empty(ho.Hostname) ||
			str(sm.Appname) != app || str(sm.ProcID) != nil2empty(ho.ProcID) {
			t.Fatalf("header mismatch: go-syslog parsed %v %q %q %q, options %+v", sm.Priority, str(sm.Hostname),
				str(sm.Appname), str(sm.ProcID), ho)
		}
		if l.Time != 0 && (sm.Timestamp == nil || !sm.Timestamp.Equal(time.Unix(int64(l.Time)+int64(l.TimeNs/1e9), 0))) {
			t.Fatalf("timestamp %v, want %v", sm.Timestamp, time.Unix(int64(l.Time), 0).UTC())
		}
		payload = []byte(str(sm.Message))
	} else {
		payload = encodertest.CheckRFC5424(t, ho, msg, l).Message
	}
	hdrLen := e.hdr.Len()
	if l.Time == 0 && l.TimeNs == 0 && ho.Format == header.RFC5424 {
		hdrLen -= len("2006-01-02T15:04:05.000000Z") - len("-")
	}
	if !bytes.HasSuffix(msg, payload) || len(msg)-len(payload) != hdrLen {
		t.Fatalf("the parser's MSG %.80q is not what follows the %d-byte header in %.120q", payload, hdrLen, msg)
	}
	return payload
}

// checkFrame verifies one frame: the framing, a message of valid UTF-8 without control bytes, raw U+2028/U+2029
// or more than the limit, the header through an outside parser, and the object through encoding/json, member by
// member against expectedMembers. A cut object must be a prefix of the whole one (its last value perhaps cut),
// closed by the marker, and the whole one must indeed not have fitted.
func checkFrame(t testing.TB, e *Encoder, frame []byte, g *record.Group, l *record.Log, res Result) {
	t.Helper()
	o := e.Options()
	max := o.Header.MaxMessageBytes
	msg := encodertest.Message(t, o.Header.Framing, frame, max, false)
	if bytes.Contains(msg, []byte("\u2028")) || bytes.Contains(msg, []byte("\u2029")) {
		t.Fatalf("message has a raw U+2028/U+2029: %q", msg)
	}
	obj := splitHeader(t, e, msg, l)
	checkObject(t, e, obj, g, l, res, max-(len(msg)-len(obj)), max > 0)

	// AppendObject, which the HEC sink will use, writes the same object for the same room.
	room := 0
	if max > 0 {
		room = max - (len(msg) - len(obj))
	}
	again, r := e.AppendObject([]byte("prior"), g, l, room)
	if string(again[:5]) != "prior" || !bytes.Equal(again[5:], obj) || r != res {
		t.Fatalf("AppendObject(room %d) = %q, %+v; the frame has %q, %+v", room, again[5:], r, obj, res)
	}
}

// checkObject verifies one object of at most room bytes (when limited) for log l of group g.
func checkObject(t testing.TB, e *Encoder, obj []byte, g *record.Group, l *record.Log, res Result, room int, limited bool) {
	t.Helper()
	got, err := decodeObject(obj)
	if err != nil {
		t.Fatalf("encoding/json: %v\nobject: %q", err, obj)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m.Key] {
			t.Fatalf("key %q twice in %q", m.Key, obj)
		}
		seen[m.Key] = true
	}
	want, renamed := expectedMembers(g, l)
	orig := originals(g, l)
	if !res.Truncated {
		if !slices.Equal(got, want) {
			t.Fatalf("members differ\n got: %q\nwant: %q\nobject: %s", got, want, obj)
		}
		san := false
		for i := range want {
			san = san || renamed[i] || needsSanitizing(orig[i].Key) || needsSanitizing(orig[i].Value)
		}
		if res.Sanitized != san {
			t.Fatalf("Sanitized = %v, want %v for %q", res.Sanitized, san, obj)
		}
		return
	}
	if !limited {
		t.Fatal("Truncated without a limit")
	}
	if len(obj) > room {
		t.Fatalf("object has %d bytes, room %d", len(obj), room)
	}
	full, _ := e.AppendObject(nil, g, l, 0)
	if len(full) <= room {
		t.Fatalf("cut to %d bytes although the whole object (%d bytes) fits in %d", len(obj), len(full), room)
	}
	if len(got) == 0 || got[len(got)-1] != (member{"__truncated__", true}) {
		t.Fatalf("cut object does not end with the marker: %q", obj)
	}
	got = got[:len(got)-1]
	if len(got) > len(want) {
		t.Fatalf("cut object has %d members, the record %d", len(got), len(want))
	}
	san := false
	for i, m := range got {
		w := want[i]
		last := i == len(got)-1
		if m == w {
			san = san || renamed[i] || needsSanitizing(orig[i].Key) || needsSanitizing(orig[i].Value)
			continue
		}
		gs, ok1 := m.Value.(string)
		ws, ok2 := w.Value.(string)
		if !last || m.Key != w.Key || !ok1 || !ok2 || !strings.HasPrefix(ws, gs) || i == 0 {
			t.Fatalf("member %d is %q, want %q (or, last, its value cut)\nobject: %s", i, m, w, obj)
		}
		san = san || renamed[i] || needsSanitizing(orig[i].Key) // of the value, what was cut is unknown here
		if res.Sanitized && !san && !needsSanitizing(orig[i].Value) {
			t.Fatalf("Sanitized, but nothing sent needed it: %q", obj)
		}
		return
	}
	if res.Sanitized != san {
		t.Fatalf("Sanitized = %v, want %v for the members sent: %q", res.Sanitized, san, obj)
	}
}

// mustEncoder builds an encoder or fails the test.
func mustEncoder(t testing.TB, o Options) *Encoder {
	t.Helper()
	e, err := NewEncoder(o)
	if err != nil {
		t.Fatalf("NewEncoder(%+v): %v", o, err)
	}
	return e
}
