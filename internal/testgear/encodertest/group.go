package encodertest

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// Encoder is what every format's encoder does, R being its Result.
type Encoder[R any] interface {
	AppendFrame(dst []byte, g *record.Group, l *record.Log) ([]byte, R)
	AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts
}

// GroupCheck says how CheckGroup reads a format's results and what more it checks.
type GroupCheck[R any] struct {
	// Counts tells whether a Result counts as truncated and as sanitized. Required.
	Counts func(R) (truncated, sanitized bool)
	// Frame, if set, checks each frame AppendFrame writes (with the format's oracle).
	Frame func(t testing.TB, frame []byte, l *record.Log, r R)
	// Mask, if set, overwrites what may differ between two encodings of the same logs (the RFC 3164 time of a log
	// without one) in buf, whose frames end at ends, the first one starting at start.
	Mask func(buf []byte, start int, ends []int)
}

// CheckGroup requires AppendGroup to append exactly AppendFrame's frames for every log of g (after "prior" bytes
// already in the batch, and twice with one scratch), with the right ends and counts.
func CheckGroup[R any](t testing.TB, e Encoder[R], g *record.Group, c GroupCheck[R]) {
	t.Helper()
	const prior = "prior"
	want := []byte(prior)
	var wantEnds []int
	var wantRes message.Counts
	for li := range g.Logs {
		start := len(want)
		var r R
		want, r = e.AppendFrame(want, g, &g.Logs[li])
		if c.Frame != nil {
			c.Frame(t, want[start:], &g.Logs[li], r)
		}
		wantEnds = append(wantEnds, len(want))
		truncated, sanitized := c.Counts(r)
		if truncated {
			wantRes.Truncated++
		}
		if sanitized {
			wantRes.Sanitized++
		}
	}
	if c.Mask != nil {
		c.Mask(want, len(prior), wantEnds)
	}
	var s message.Scratch
	for round := range 2 { // the scratch is reused
		b := message.Batch{Buf: []byte(prior), Ends: []int{-1}}
		res := e.AppendGroup(&b, g, nil, &s)
		if c.Mask != nil && len(b.Ends) == len(wantEnds)+1 {
			c.Mask(b.Buf, len(prior), b.Ends[1:])
		}
		if !bytes.Equal(b.Buf, want) {
			t.Fatalf("round %d: AppendGroup differs from AppendFrame\n got %q\nwant %q", round, b.Buf, want)
		}
		if len(b.Ends) != len(wantEnds)+1 || b.Ends[0] != -1 || !slices.Equal(b.Ends[1:], wantEnds) {
			t.Fatalf("round %d: ends %v, want [-1 %v]", round, b.Ends, wantEnds)
		}
		if res != wantRes {
			t.Fatalf("round %d: counts %+v, want %+v", round, res, wantRes)
		}
	}
}

// FuzzGroup builds the log group of a FuzzAppendGroup input: data is the group's head (topic, source and up to
// tagSel%3 tags, fields split at 0x1e) and then up to four logs (each after a 0x1f, up to four pairs); log i is
// at sec + i hours and i nanoseconds.
func FuzzGroup(data string, tagSel uint8, sec uint32) record.Group {
	parts := strings.Split(data, "\x1f")
	head := append(strings.SplitN(parts[0], "\x1e", 2+2*int(tagSel%3)), "", "")
	g := record.Group{Topic: head[0], Source: head[1]}
	for i := 2; i+1 < len(head); i += 2 {
		g.Tags = append(g.Tags, record.Field{Key: head[i], Value: head[i+1]})
	}
	for i, p := range parts[1:min(len(parts), 5)] {
		l := record.Log{Time: sec + uint32(i)*3600, TimeNs: uint32(i)}
		kv := append(strings.SplitN(p, "\x1e", 8), "")
		for k := 0; k+1 < len(kv); k += 2 {
			l.Contents = append(l.Contents, record.Field{Key: kv[k], Value: kv[k+1]})
		}
		g.Logs = append(g.Logs, l)
	}
	return g
}

// MaskNow is a GroupCheck.Mask for an RFC 3164 header: a log of g without a time gets the time it is encoded, which
// can differ by a second between AppendFrame and AppendGroup, so its timestamp is overwritten in both.
func MaskNow(g *record.Group) func(buf []byte, start int, ends []int) {
	return func(buf []byte, start int, ends []int) {
		for i, end := range ends {
			if l := &g.Logs[i]; l.Time == 0 && l.TimeNs == 0 {
				ts := start + bytes.IndexByte(buf[start:end], '>') + 1
				copy(buf[ts:], "Mmm dd hh:mm:ss")
			}
			start = end
		}
	}
}
