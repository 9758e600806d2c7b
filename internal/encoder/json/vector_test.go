package jsonenc

import (
	"bytes"
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

// TestNibbleTables checks, for every byte, that the nibble tables find exactly the ASCII bytes that a JSON string
// escapes.
func TestNibbleTables(t *testing.T) {
	for c := range 256 {
		want := c < 0x20 || c == 0x7f || c == '\\' || c == '"'
		if got := jsonNibbles.special(byte(c)); got != want {
			t.Errorf("byte %#x: nibble tables say special=%v", c, got)
		}
	}
}

// FuzzCopyMembers compares copyMembersVector with copyMembersWords into a buffer of room bytes, cut bytes less
// than the fields need: the same members (those that need no escaping, as many as fit), the same bytes, the same
// answer to "is any of them non-ASCII", and nothing written after the buffer's end.
func FuzzCopyMembers(f *testing.F) {
	f.Add("eventName\x1eConsoleSignin\x1eacsRegion\x1ecn-hangzhou\x1eeventId\x1e4A6C1D6E-8B1F-4C2E-9E3A-1F2B3C4D5E6F", uint16(0))
	f.Add("k\x1e"+strings.Repeat("x", 31)+"\x1e"+strings.Repeat("y", 32)+"\x1e"+strings.Repeat("z", 33)+"\x1e\x1e", uint16(3))
	f.Add("msg\x1e用户登录成功\x1ea\"b\x1ec\x1ed\x1ee|f\x1eg\x1eh\\\x1ei\x1e\x7f\x1ej\x1e\x00", uint16(1))
	f.Add("bad\x1ecaf\xc3\x1e\x1e\x1e"+strings.Repeat("é", 40)+"\x1e:", uint16(7))
	for _, s := range encodertest.ByteSeeds("\x00\b\t\n\x1f\x7f\\\"/:#,{}~ a\x80\xe2\xff", 'x') {
		f.Add(s, uint16(0))
	}
	f.Fuzz(func(t *testing.T, data string, cut uint16) {
		if !cpuVector {
			t.Skip("this CPU has no copyMembersVector (AVX-512 BW and VL, BMI2)")
		}
		fields := encodertest.SplitFields(data)
		need := 0
		for _, fl := range fields {
			need += memberLen("", fl.Key, fl.Value)
		}
		full := make([]byte, need)
		wk, wcount, _, _ := copyMembersWords(full, fields, nil)

		// The members that fit in room bytes.
		room := max(need-int(cut), 0)
		fit, end := 0, 0
		for _, fl := range fields {
			n := memberLen("", fl.Key, fl.Value)
			if end+n > room {
				break
			}
			end += n
			fit++
		}
		wantCount := min(wcount, fit)
		wantK := wk
		if wantCount < wcount {
			wantK = 0
			for _, fl := range fields[:wantCount] {
				wantK += memberLen("", fl.Key, fl.Value)
			}
		}
		wantHigh := !encodertest.ASCII(full[:wantK])

		buf := bytes.Repeat([]byte{0xAA}, room+64)
		var k, count int
		var all uint64
		if room > 0 {
			k, count, all = copyMembersVector(&buf[0], room, fields, jsonNibbles)
		}
		if k != wantK || count != wantCount || (all&chars.Highs != 0) != wantHigh {
			t.Fatalf("room %d of %d: vector k=%d count=%d high=%v, words k=%d count=%d high=%v",
				room, need, k, count, all&chars.Highs != 0, wantK, wantCount, wantHigh)
		}
		if !bytes.Equal(buf[:k], full[:k]) {
			t.Fatalf("vector wrote %q, words %q", buf[:k], full[:k])
		}
		if !bytes.Equal(buf[room:], bytes.Repeat([]byte{0xAA}, 64)) {
			t.Fatalf("vector wrote past the end of its %d bytes: %q", room, buf[room:])
		}
	})
}
