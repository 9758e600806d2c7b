package hecenc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

type event struct {
	Time       *json.Number    `json:"time"`
	Host       *string         `json:"host"`
	Source     *string         `json:"source"`
	Sourcetype *string         `json:"sourcetype"`
	Index      *string         `json:"index"`
	Event      json.RawMessage `json:"event"`
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

func TestOptions(t *testing.T) {
	for _, o := range []Options{{Host: "a\nb"}, {Index: "\xff"}, {Source: strings.Repeat("s", 2000)}, {MaxEventBytes: 10}} {
		if _, err := NewEncoder(o); err == nil {
			t.Errorf("NewEncoder(%+v) accepted", o)
		}
	}
}

func FuzzAppendEvent(f *testing.F) {
	f.Add("k", "v", "host", uint32(1795425745), uint32(5), 0)
	f.Add("\xff", "\x00\"\\", "a b", uint32(0), uint32(0), 1500)
	f.Fuzz(func(t *testing.T, k, v, host string, sec, ns uint32, max int) {
		o := Options{Sourcetype: "st"}
		if max > 0 {
			o.MaxEventBytes = MinEventBytes + max%4096
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
