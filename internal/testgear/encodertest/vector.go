package encodertest

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// SplitFields splits data at 0x1e into keys and values, as the fuzzers of the vector copies draw fields from one
// string: key, value, key, value, ... (a last key without a value gets an empty one).
func SplitFields(data string) []record.Field {
	return Fields(append(strings.Split(data, "\x1e"), "")...)
}

// ASCII reports whether b has no byte above 0x7f.
func ASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// ByteSeeds are fuzzer inputs for SplitFields with each byte of set once in an otherwise plain list, in a value
// and in a key, in the first and in the second 32-byte step (after 40 bytes of filler): the field before it is
// copied, the one with it is not (or is, where the byte is plain).
func ByteSeeds(set string, filler byte) []string {
	long := strings.Repeat(string([]byte{filler}), 40)
	var out []string
	for _, c := range []byte(set) {
		b := string([]byte{c})
		out = append(out, "k\x1ev\x1ekey\x1eva"+b+"lue\x1ez\x1ez", "k\x1ev\x1eke"+b+"y\x1evalue\x1ez\x1ez",
			"k\x1ev\x1ekey\x1e"+long+b+"\x1ez\x1ez", "k\x1ev\x1e"+long+b+"\x1evalue\x1ez\x1ez")
	}
	return out
}

// VectorGroup is the start of the group the formats' FuzzVectorPath encode, from data split at 0x1e: topic,
// source, then the contents of a first log, at most limit fields (0: no limit). It returns the group, with a
// hostname tag and no logs, those contents, and the same keys with the values shifted by one, for the caller's
// logs.
func VectorGroup(data string, limit int) (g record.Group, contents, shifted []record.Field) {
	parts := append(strings.Split(data, "\x1e"), "", "")
	g = Group(parts[0], parts[1], "__hostname__", "h")
	contents = Fields(parts[2:]...)
	if limit > 0 && len(contents) > limit {
		contents = contents[:limit]
	}
	shifted = make([]record.Field, len(contents))
	for i := range contents {
		shifted[i] = record.Field{Key: contents[i].Key, Value: contents[(i+1)%len(contents)].Value}
	}
	return g, contents, shifted
}

// SamePaths runs encode with the vector path on and off (*vector, which must be true) and requires the same
// batch, counts and frames from both.
func SamePaths(t testing.TB, vector *bool, encode func() (message.Batch, message.Counts, []byte)) {
	t.Helper()
	vb, vc, vf := encode()
	*vector = false
	defer func() { *vector = true }()
	gb, gc, gf := encode()
	if !bytes.Equal(vb.Buf, gb.Buf) || !slices.Equal(vb.Ends, gb.Ends) || vc != gc || !bytes.Equal(vf, gf) {
		t.Fatalf("vector and Go paths differ:\nvector %q %+v\n    go %q %+v", vb.Buf, vc, gb.Buf, gc)
	}
}
