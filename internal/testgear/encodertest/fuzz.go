package encodertest

import (
	"testing"

	"github.com/siemship/siemship/internal/record"
)

// AddSeed adds a FuzzAppendFrame seed made of a test record to f: topic, source, the first tag's key and value, the
// first two contents' keys and values (empty where there are fewer), seconds and nanoseconds, then the format's
// own arguments, more.
func AddSeed(f *testing.F, g *record.Group, l *record.Log, more ...any) {
	c := append(append([]record.Field(nil), l.Contents...), record.Field{}, record.Field{})
	tag := append(append([]record.Field(nil), g.Tags...), record.Field{})
	f.Add(append([]any{g.Topic, g.Source, tag[0].Key, tag[0].Value, c[0].Key, c[0].Value, c[1].Key, c[1].Value,
		l.Time, l.TimeNs}, more...)...)
}

// FuzzRecord is the record of a FuzzAppendFrame input: a group with topic, source and one tag (none when its key
// and value are both empty), and a log at sec, ns with two contents.
func FuzzRecord(topic, source, tagKey, tagValue string, sec, ns uint32, k1, v1, k2, v2 string) (record.Group, record.Log) {
	g := record.Group{Topic: topic, Source: source}
	if tagKey != "" || tagValue != "" {
		g.Tags = []record.Field{{Key: tagKey, Value: tagValue}}
	}
	return g, record.Log{Time: sec, TimeNs: ns, Contents: []record.Field{{Key: k1, Value: v1}, {Key: k2, Value: v2}}}
}

// AppendAfterPrior appends the frame of l with appendFrame to a buffer holding "prior", requires those bytes kept,
// and returns the frame alone and its result.
func AppendAfterPrior[R any](t testing.TB, appendFrame func([]byte, *record.Group, *record.Log) ([]byte, R),
	g *record.Group, l *record.Log) ([]byte, R) {
	t.Helper()
	frame, res := appendFrame([]byte("prior"), g, l)
	if string(frame[:5]) != "prior" {
		t.Fatal("AppendFrame overwrote dst")
	}
	return frame[5:], res
}

// CheckAppends requires appendFrame to append after what a buffer holds, a small frame, then a big one (which
// makes the buffer grow), then the small one again, each as it writes it alone; it returns the big frame.
func CheckAppends[R any](t testing.TB, appendFrame func([]byte, *record.Group, *record.Log) ([]byte, R),
	g *record.Group, small, big *record.Log) []byte {
	t.Helper()
	one, _ := appendFrame(nil, g, small)
	two, _ := appendFrame(nil, g, big)
	buf := []byte("prior")
	buf, _ = appendFrame(buf, g, small)
	buf, _ = appendFrame(buf, g, big)
	buf, _ = appendFrame(buf, g, small)
	if want := "prior" + string(one) + string(two) + string(one); string(buf) != want {
		t.Errorf("appended frames differ")
	}
	return two
}
