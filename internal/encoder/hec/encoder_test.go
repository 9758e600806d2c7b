package hecenc

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

type event struct {
	Time       *json.Number      `json:"time"`
	Host       *string           `json:"host"`
	Source     *string           `json:"source"`
	Sourcetype *string           `json:"sourcetype"`
	Index      *string           `json:"index"`
	Fields     map[string]string `json:"fields"`
	Event      json.RawMessage   `json:"event"`
}

// decode reads every event of a concatenated body as Splunk reads it, strictly (no unknown member).
func decode(t testing.TB, body []byte) []event {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var out []event
	for dec.More() {
		var e event
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("decode %q: %v", body, err)
		}
		out = append(out, e)
	}
	return out
}

func TestAppendGroup(t *testing.T) {
	e, err := NewEncoder(Options{Host: "shipper", Source: "sls:proj/store", Sourcetype: "alibaba:actiontrail", Index: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	g := record.Group{Topic: "t", Logs: []record.Log{
		{Time: 1795425745, TimeNs: 147976960, Contents: []record.Field{{Key: "a", Value: "1"}}},
		{Time: 0, TimeNs: 0, Contents: []record.Field{{Key: "b", Value: "x\"y\n"}}},
		{Time: 1795425745, TimeNs: 2_500_000_000, Contents: nil},
	}}
	heads := []message.Head{{}, {Set: message.HeadHostname, Hostname: "web 01\xff"}, {Set: message.HeadHostname}}
	var b message.Batch
	c := e.AppendGroup(&b, &g, heads, &message.Scratch{})
	if b.Len() != 3 || c.Sanitized != 1 { // the host; JSON escapes lose nothing
		t.Fatalf("%d frames, counts %+v", b.Len(), c)
	}
	evs := decode(t, b.Buf)
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	if evs[0].Time.String() != "1795425745.147976" || *evs[0].Host != "shipper" || *evs[0].Index != "audit" ||
		*evs[0].Sourcetype != "alibaba:actiontrail" || *evs[0].Source != "sls:proj/store" {
		t.Errorf("event 0: %+v", evs[0])
	}
	if evs[1].Time != nil || *evs[1].Host != "web_01_" {
		t.Errorf("event 1: time %v host %v", evs[1].Time, evs[1].Host)
	}
	if evs[2].Time.String() != "1795425747.500000" || evs[2].Host != nil {
		t.Errorf("event 2: time %v host %v (an empty chosen host leaves the token's default)", evs[2].Time, evs[2].Host)
	}
	var obj map[string]any
	if err := json.Unmarshal(evs[1].Event, &obj); err != nil || obj["b"] != "x\"y\n" || obj["__topic__"] != "t" {
		t.Errorf("event object %s: %v", evs[1].Event, err)
	}
}

func TestLimit(t *testing.T) {
	e, err := NewEncoder(Options{Host: "h", MaxEventBytes: MinEventBytes})
	if err != nil {
		t.Fatal(err)
	}
	g := record.Group{Logs: []record.Log{{Time: 1, Contents: []record.Field{{Key: "big", Value: strings.Repeat("用", 2000)}}}}}
	var b message.Batch
	c := e.AppendGroup(&b, &g, nil, &message.Scratch{})
	if len(b.Buf) > MinEventBytes || c.Truncated != 1 {
		t.Fatalf("%d bytes, counts %+v", len(b.Buf), c)
	}
	evs := decode(t, b.Buf)
	if !bytes.Contains(evs[0].Event, []byte(`"__truncated__":true`)) {
		t.Errorf("cut event not marked: %s", evs[0].Event)
	}
}

func TestFields(t *testing.T) {
	fields, err := ParseFields(" eventName , ip=sourceIpAddress,topic=__topic__,zone=__tag__:zone,missing")
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEncoder(Options{Sourcetype: "_json", Fields: fields, MaxEventBytes: 8192})
	if err != nil {
		t.Fatal(err)
	}
	g := record.Group{Topic: "actiontrail_audit_event", Tags: []record.Field{{Key: "zone", Value: "cn-hangzhou-h"}}, Logs: []record.Log{
		{Time: 1, Contents: []record.Field{{Key: "eventName", Value: "Console\nSignin\xff"}, {Key: "sourceIpAddress", Value: "203.0.113.7"}}},
		{Time: 2, Contents: []record.Field{{Key: "sourceIpAddress", Value: strings.Repeat("x", 3000)}}},
	}}
	var b message.Batch
	c := e.AppendGroup(&b, &g, nil, &message.Scratch{})
	evs := decode(t, b.Buf)
	want0 := map[string]string{"eventName": "Console\nSignin\uFFFD", "ip": "203.0.113.7", "topic": "actiontrail_audit_event", "zone": "cn-hangzhou-h"}
	if len(evs) != 2 || !maps.Equal(evs[0].Fields, want0) {
		t.Fatalf("fields %v, want %v", evs[0].Fields, want0)
	}
	if f := evs[1].Fields; len(f) != 3 || len(f["ip"]) != maxFieldValue || f["eventName"] != "" {
		t.Errorf("second event's fields: %d of them, ip %d bytes", len(f), len(f["ip"]))
	}
	var obj map[string]string
	if err := json.Unmarshal(evs[1].Event, &obj); err != nil || len(obj["sourceIpAddress"]) != 3000 {
		t.Errorf("the event lost the whole value: %v", err)
	}
	if c.Sanitized != 1 || c.Truncated != 1 {
		t.Errorf("counts %+v, want one sanitized (the line break) and one truncated (the long field)", c)
	}
	if b.Ends[1]-b.Ends[0] > 8192 {
		t.Errorf("event of %d bytes", b.Ends[1]-b.Ends[0])
	}
}

func TestParseFields(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Field
		err  string
	}{
		{"", nil, ""},
		{"a, b_2 ,c=__tag__:x", []Field{{"a", "a"}, {"b_2", "b_2"}, {"c", "__tag__:x"}}, ""},
		{"__topic__", nil, "give it a name: myname=__topic__"},
		{"1a=x", nil, "starts with a letter"},
		{"a-b=x", nil, "only letters"},
		{"a=", nil, "no record field"},
		{"a,b=c,a=d", nil, "given twice"},
	} {
		got, err := ParseFields(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseFields(%q) = %v, want an error with %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParseFields(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{{Host: "a\nb"}, {Index: "\xff"}, {Source: strings.Repeat("s", 2000)}, {MaxEventBytes: 10},
		{Fields: []Field{{"ok", ""}}}, {Fields: []Field{{"no way", "x"}}}, {Fields: []Field{{"a", "a"}, {"b", "b"}, {"c", "c"}, {"d", "d"}}, MaxEventBytes: 4096}} {
		if _, err := NewEncoder(o); err == nil {
			t.Errorf("NewEncoder(%+v) accepted", o)
		}
	}
}

func FuzzAppendEvent(f *testing.F) {
	f.Add("k", "v", "host", uint32(1795425745), uint32(5), 0)
	f.Add("\xff", "\x00\"\\", "a b", uint32(0), uint32(0), 1500)
	f.Fuzz(func(t *testing.T, k, v, host string, sec, ns uint32, max int) {
		from := k
		if from == "" {
			from = "absent"
		}
		o := Options{Sourcetype: "st", Fields: []Field{{"f", from}, {"topic", "__topic__"}}}
		if max > 0 {
			o.MaxEventBytes = MinEventBytes + 2*(maxFieldValue+140) + max%4096
		}
		e, err := NewEncoder(o)
		if err != nil {
			t.Fatal(err)
		}
		g := record.Group{Topic: k, Logs: []record.Log{{Time: sec, TimeNs: ns, Contents: []record.Field{{Key: k, Value: v}}}}}
		heads := []message.Head{{Set: message.HeadHostname, Hostname: host}}
		var b message.Batch
		e.AppendGroup(&b, &g, heads, &message.Scratch{})
		e.AppendGroup(&b, &g, nil, &message.Scratch{})
		evs := decode(t, b.Buf)
		if len(evs) != 2 || len(evs[0].Event) == 0 {
			t.Fatalf("%d events from %q", len(evs), b.Buf)
		}
		if o.MaxEventBytes > 0 && b.Ends[0] > o.MaxEventBytes {
			t.Fatalf("event of %d bytes over %d", b.Ends[0], o.MaxEventBytes)
		}
	})
}

func BenchmarkAppendGroup(b *testing.B) {
	e, _ := NewEncoder(Options{Host: "shipper", Sourcetype: "alibaba:actiontrail", Index: "audit"})
	g := record.Group{Topic: "actiontrail_audit_event", Source: "10.0.0.1"}
	for range 10 {
		g.Logs = append(g.Logs, record.Log{Time: 1795425745, TimeNs: 1, Contents: []record.Field{{Key: "eventName", Value: "ConsoleSignin"},
			{Key: "sourceIpAddress", Value: "203.0.113.7"}, {Key: "userIdentity.userName", Value: "alice"}, {Key: "eventTime", Value: "2026-11-23T09:22:25Z"}}})
	}
	var batch message.Batch
	var s message.Scratch
	b.ReportAllocs()
	for b.Loop() {
		batch.Reset()
		e.AppendGroup(&batch, &g, nil, &s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(g.Logs)), "ns/record")
}
