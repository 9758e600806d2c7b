package kv

import (
	"bytes"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/encoder/internal/vector"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestPairTables checks, for every separator the fuzzers use and every byte, that vector.CopyPairs with
// pairTables copies a pair that holds the byte, in its key or its value, exactly when the byte tables leave the
// byte as it is (classes clPlain and clHigh).
func TestPairTables(t *testing.T) {
	if !vector.Available {
		t.Skip("this CPU has no vector.CopyPairs (AVX-512 BW and VL, BMI2)")
	}
	for _, sep := range fuzzSeparators {
		tables := pairTables(sep[0])
		if tables == nil {
			t.Fatalf("sep %q: no tables", sep)
		}
		for _, key := range []bool{false, true} {
			tab := newByteTables(sep, key)
			for c := range 256 {
				cl := tab.class[c]
				want := cl == clPlain || cl == clHigh
				f := record.Field{Key: "k", Value: "vw"}
				b := []byte{'a', byte(c), 'b'}
				if key {
					f.Key = string(b)
				} else {
					f.Value = string(b)
				}
				buf := make([]byte, fieldsLen(sep, []record.Field{f}))
				if _, pairs, _ := vector.CopyPairs(buf, sep, []record.Field{f}, tables); (pairs == 1) != want {
					t.Errorf("sep %q key=%v byte %#x: copied=%v, byte tables class %d", sep, key, c, pairs == 1, cl)
				}
			}
		}
	}
}

// FuzzCopyFields compares vector.CopyPairs with copyFieldsWords for every fuzzer separator, as contents (prefix
// the separator) and as tags (the separator and "__tag__:"), into a buffer of room bytes less than the fields
// need: the same pairs (those that need no escaping, as many as fit), the same bytes, the same answer to "is
// any of them non-ASCII", and nothing written after the buffer's end.
func FuzzCopyFields(f *testing.F) {
	f.Add("eventName\x1eConsoleSignin\x1eacsRegion\x1ecn-hangzhou\x1eeventId\x1e4A6C1D6E-8B1F-4C2E-9E3A-1F2B3C4D5E6F", uint16(0))
	f.Add("k\x1e"+strings.Repeat("x", 31)+"\x1e"+strings.Repeat("y", 32)+"\x1e"+strings.Repeat("z", 33)+"\x1e\x1e", uint16(3))
	f.Add("msg\x1e用户登录成功\x1ea=b\x1ec\x1ed\x1ee|f\x1eg\x1eh\\\x1ei\x1e\x7f\x1ej\x1e\x00", uint16(1))
	f.Add("bad\x1ecaf\xc3\x1e\x1e\x1e"+strings.Repeat("é", 40)+"\x1e:", uint16(7))
	f.Add("_\x1e_\x1e#\x1e#\x1e,\x1e-", uint16(40))
	for _, s := range encodertest.ByteSeeds("\x00\t\n\x1f\x7f\\|=:#,-_~ a\x80\xff", 'x') {
		f.Add(s, uint16(0))
	}
	f.Fuzz(func(t *testing.T, data string, cut uint16) {
		if !vector.Available {
			t.Skip("this CPU has no vector.CopyPairs (AVX-512 BW and VL, BMI2)")
		}
		fields := encodertest.SplitFields(data)
		for _, sep := range fuzzSeparators {
			for _, prefix := range []string{sep, sep + "__tag__:"} {
				tables := pairTables(sep[0])
				keyTab := newByteTables(sep, true)
				need := fieldsLen(prefix, fields)
				full := make([]byte, need)
				wk, wpairs, _ := copyFieldsWords(full, prefix, fields, keyTab.sepWord, keyTab.eqWord)

				// The pairs that fit in room bytes, and where they end.
				room := max(need-int(cut), 0)
				fit, end := 0, 0
				for _, fl := range fields {
					n := len(prefix) + len(fl.Key) + 1 + len(fl.Value)
					if end+n > room {
						break
					}
					end += n
					fit++
				}
				wantPairs := min(wpairs, fit)
				for i, fl := range fields[:wantPairs] { // CopyPairs also stops at an empty key
					if fl.Key == "" {
						wantPairs = i
						break
					}
				}
				wantK := wk
				if wantPairs < wpairs {
					wantK = fieldsLen(prefix, fields[:wantPairs])
				}
				wantHigh := !encodertest.ASCII(full[:wantK])

				buf := bytes.Repeat([]byte{0xAA}, room+64)
				var k, pairs int
				var all uint64
				if room > 0 {
					var high bool
					k, pairs, high = vector.CopyPairs(buf[:room], prefix, fields, tables)
					if high {
						all = chars.Highs
					}
				}
				if k != wantK || pairs != wantPairs || (all&chars.Highs != 0) != wantHigh {
					t.Fatalf("sep %q prefix %q room %d of %d: vector k=%d pairs=%d high=%v, words k=%d pairs=%d high=%v",
						sep, prefix, room, need, k, pairs, all&chars.Highs != 0, wantK, wantPairs, wantHigh)
				}
				if !bytes.Equal(buf[:k], full[:k]) {
					t.Fatalf("sep %q prefix %q: vector wrote %q, words %q", sep, prefix, buf[:k], full[:k])
				}
				if !bytes.Equal(buf[room:], bytes.Repeat([]byte{0xAA}, 64)) {
					t.Fatalf("sep %q prefix %q room %d: vector wrote after the buffer: %q", sep, prefix, room, buf[room:])
				}
			}
		}
	})
}
