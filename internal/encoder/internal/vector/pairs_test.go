package vector

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"

	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestTablesLayout checks the offsets that the assembly uses.
func TestTablesLayout(t *testing.T) {
	var tb Tables
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"lens", unsafe.Offsetof(tb.lens), tablesLens}, {"low", unsafe.Offsetof(tb.low), tablesLow},
		{"key", unsafe.Offsetof(tb.key), tablesKey}, {"value", unsafe.Offsetof(tb.value), tablesValue},
		{"pad", unsafe.Offsetof(tb.pad), tablesPad},
	} {
		if c.got != c.want {
			t.Errorf("Tables.%s at offset %d, the assembly reads it at %d", c.name, c.got, c.want)
		}
	}
}

// classes are the byte classes of the tests: CEF's (keys alphanumeric without 'x', values without controls, DEL,
// '\' and '='), LEEF's for a few delimiters, and one that flags 'a', so that the pad byte must be another.
var classes = []struct {
	name       string
	key, value func(c byte) bool
	stopKeys   []string
}{
	{"cef", func(c byte) bool {
		return !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') || c == 'x'
	}, func(c byte) bool { return c < 0x20 || c == 0x7f || c == '\\' || c == '=' }, []string{"eventId", "at", "rawEvent"}},
	{"leef-tab", leefKey('\t'), leefValue('\t'), nil},
	{"leef-caret", leefKey('^'), leefValue('^'), nil},
	{"leef-pipe", leefKey('|'), leefValue('|'), nil},
	{"no-a", func(c byte) bool { return c == 'a' || c >= 0x80 }, func(c byte) bool { return c == 'a' || c == 'b' }, []string{"k"}},
}

func leefKey(d byte) func(byte) bool {
	return func(c byte) bool { return c < 0x20 || c == 0x7f || c == d || c == '=' || c == '|' }
}

func leefValue(d byte) func(byte) bool {
	return func(c byte) bool { return c < 0x20 || c == 0x7f || c == d }
}

// TestNewTables checks, for every byte, that the nibble tables flag exactly what the classes flag, and that the
// pad byte is in neither.
func TestNewTables(t *testing.T) {
	for _, cl := range classes {
		tb, ok := NewTables(cl.key, cl.value, cl.stopKeys...)
		if !ok {
			t.Fatalf("%s: NewTables failed", cl.name)
		}
		for c := range 256 {
			b := byte(c)
			if got, want := tb.low[b&15]&tb.key[b>>4] != 0, cl.key(b); got != want {
				t.Errorf("%s: key byte %#x: tables say %v, class %v", cl.name, b, got, want)
			}
			if got, want := tb.low[b&15]&tb.value[b>>4] != 0, cl.value(b); got != want {
				t.Errorf("%s: value byte %#x: tables say %v, class %v", cl.name, b, got, want)
			}
		}
		if cl.key(tb.pad) || cl.value(tb.pad) {
			t.Errorf("%s: pad byte %#x is flagged", cl.name, tb.pad)
		}
	}
	// Nine sets of low nibbles cannot be told apart with eight bits.
	if _, ok := NewTables(func(c byte) bool { return c < 0x90 && c&15 <= c>>4 }, func(byte) bool { return false }); ok {
		t.Error("NewTables accepted nine sets")
	}
}

// copyPairsModel is CopyPairs written plainly, byte by byte with the classes.
func copyPairsModel(buf []byte, sep string, fields []record.Field, key, value func(byte) bool, t *Tables) (k, pairs int, nonASCII bool) {
	for _, f := range fields {
		n := len(sep) + len(f.Key) + 1 + len(f.Value)
		if k+n > len(buf) || f.Key == "" || len(f.Key) < 64 && f.Key[0] < 128 && t.lens[f.Key[0]]>>len(f.Key)&1 != 0 {
			break
		}
		stop, high := false, false
		for i := 0; i < len(f.Key); i++ {
			stop, high = stop || key(f.Key[i]), high || f.Key[i] >= 0x80
		}
		for i := 0; i < len(f.Value); i++ {
			stop, high = stop || value(f.Value[i]), high || f.Value[i] >= 0x80
		}
		if stop {
			break
		}
		copy(buf[k:], sep+f.Key+"="+f.Value)
		k += n
		pairs++
		nonASCII = nonASCII || high
	}
	return k, pairs, nonASCII
}

// FuzzCopyPairs compares copyPairs with copyPairsModel for every class and a few separators, into a buffer of
// cut bytes less than the fields need: the same pairs, the same bytes, the same answer to "is one of them
// non-ASCII", and nothing written after the buffer's end.
func FuzzCopyPairs(f *testing.F) {
	f.Add("eventName\x1eConsoleSignin\x1eacsRegion\x1ecn-hangzhou\x1eeventId\x1e4A6C1D6E-8B1F-4C2E-9E3A-1F2B3C4D5E6F", uint16(0))
	f.Add("k\x1e"+strings.Repeat("y", 31)+"\x1e"+strings.Repeat("y", 32)+"\x1e"+strings.Repeat("z", 33)+"\x1e\x1e", uint16(3))
	f.Add("msg\x1e用户登录成功\x1ea=b\x1ec\x1ed\x1ee|f\x1eg\x1eh\\\x1ei\x1e\x7f\x1ej\x1e\x00", uint16(1))
	f.Add("bad\x1ecaf\xc3\x1e\x1e\x1e"+strings.Repeat("é", 40)+"\x1e:", uint16(7))
	f.Add("at\x1e1\x1eab\x1e2\x1erawEvent\x1e3\x1erawEvenx\x1e4\x1e"+strings.Repeat("k", 64)+"\x1e5", uint16(0))
	for _, s := range encodertest.ByteSeeds("\x00\t\n\x1f\x7f\\|=^ abxX\x80\xff", 'y') {
		f.Add(s, uint16(0))
	}
	f.Fuzz(func(t *testing.T, data string, cut uint16) {
		if !Available {
			t.Skip("this CPU has no copyPairs (AVX-512 BW and VL, BMI2)")
		}
		fields := encodertest.SplitFields(data)
		for _, cl := range classes {
			tb, _ := NewTables(cl.key, cl.value, cl.stopKeys...)
			for _, sep := range []string{" ", "\t", "^", "¦", strings.Repeat("-", 32)} {
				need := 0
				for _, fl := range fields {
					need += len(sep) + len(fl.Key) + 1 + len(fl.Value)
				}
				room := max(need-int(cut), 1)
				want := make([]byte, room)
				wk, wpairs, whigh := copyPairsModel(want, sep, fields, cl.key, cl.value, tb)
				buf := bytes.Repeat([]byte{0xAA}, room+64)
				k, pairs, high := CopyPairs(buf[:room], sep, fields, tb)
				if k != wk || pairs != wpairs || high != whigh {
					t.Fatalf("%s sep %q room %d of %d: vector k=%d pairs=%d nonASCII=%v, model k=%d pairs=%d nonASCII=%v",
						cl.name, sep, room, need, k, pairs, high, wk, wpairs, whigh)
				}
				if !bytes.Equal(buf[:k], want[:k]) {
					t.Fatalf("%s sep %q: vector wrote %q, model %q", cl.name, sep, buf[:k], want[:k])
				}
				if !bytes.Equal(buf[room:], bytes.Repeat([]byte{0xAA}, 64)) {
					t.Fatalf("%s sep %q room %d: vector wrote after the buffer: %q", cl.name, sep, room, buf[room:])
				}
			}
		}
	})
}
