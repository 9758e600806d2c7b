package kv

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// expectedPairs is the flattening of l in g, byte for byte: the pairs ParsePayload must return.
func expectedPairs(g *record.Group, l *record.Log) []record.Field {
	return flatten(g, l, func(s string) string { return s })
}

// flatten is the Python SDK's key order, with v applied to every key and value.
func flatten(g *record.Group, l *record.Log, v func(string) string) []record.Field {
	out := []record.Field{{Key: "__topic__", Value: v(g.Topic)}, {Key: "__source__", Value: v(g.Source)}}
	for _, t := range g.Tags {
		out = append(out, record.Field{Key: "__tag__:" + v(t.Key), Value: v(t.Value)})
	}
	for _, c := range l.Contents {
		out = append(out, record.Field{Key: v(c.Key), Value: v(c.Value)})
	}
	return out
}

// naivePayload is the Python sample's unescaped payload.
func naivePayload(sep string, pairs []record.Field) string {
	var b strings.Builder
	for _, p := range pairs {
		b.WriteString(sep + p.Key + "=" + p.Value)
	}
	return b.String()
}

// checkFrame verifies one frame against crewjam's parser and the encoder's contract; it returns the payload.
func checkFrame(t testing.TB, e *Encoder, frame []byte, g *record.Group, l *record.Log, res Result) string {
	t.Helper()
	o := e.Options()
	msg := encodertest.Message(t, o.Framing, frame, o.MaxMessageBytes, false)

	m := encodertest.CheckRFC5424(t, o.headerOptions(), msg, l)
	if o.StructuredData == "-" && len(m.StructuredData) != 0 {
		t.Fatalf("crewjam found structured data %+v in %q", m.StructuredData, msg)
	}
	if !bytes.Contains(msg, []byte(" "+o.StructuredData+" "+o.Separator)) {
		t.Fatalf("structured data %q not followed by the payload in %q", o.StructuredData, msg)
	}
	payload := string(m.Message)
	if !strings.HasSuffix(string(msg), " "+payload) {
		t.Fatalf("crewjam's MSG %q is not the end of the message", payload)
	}

	pairs, err := ParsePayload(payload, o.Separator)
	if err != nil {
		t.Fatalf("ParsePayload: %v\npayload: %q", err, payload)
	}
	want := expectedPairs(g, l)
	if !res.Truncated {
		if !slices.Equal(pairs, want) {
			t.Fatalf("pairs differ\n got: %q\nwant: %q", pairs, want)
		}
		if naive := naivePayload(o.Separator, flatten(g, l, func(s string) string { return s })); res.Sanitized != (naive != payload) {
			t.Fatalf("Sanitized = %v, but payload %q vs unescaped %q", res.Sanitized, payload, naive)
		}
		return payload
	}
	if o.MaxMessageBytes == 0 {
		t.Fatal("Truncated without a limit")
	}
	n := len(pairs)
	if n == 0 || n > len(want) || !slices.Equal(pairs[:n-1], want[:n-1]) || pairs[n-1].Key != want[n-1].Key ||
		!strings.HasPrefix(want[n-1].Value, pairs[n-1].Value) {
		t.Fatalf("truncated pairs are not a prefix of the record\n got: %q\nwant: %q", pairs, want)
	}
	return payload
}
