package telemetry

import (
	"encoding/base64"
	"strconv"
	"testing"
)

func TestDecodeCursor(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{base64.StdEncoding.EncodeToString([]byte("0")), 0, true},
		{"MTU0NzQ3MDA4MjA0NjU4MjE2OA==", 1547470082046582168, true}, // the form real SLS cursors take
		{"MTU0NzQ3MDA4MjA0NjU4MjE2OA", 1547470082046582168, true},   // unpadded
		{base64.StdEncoding.EncodeToString([]byte("9223372036854775807")), 9223372036854775807, true},
		{base64.StdEncoding.EncodeToString([]byte("9223372036854775808")), 0, false}, // overflows int64
		{base64.StdEncoding.EncodeToString([]byte("-1")), 0, false},
		{base64.StdEncoding.EncodeToString([]byte("12a")), 0, false},
		{"", 0, false},
		{"!!!!", 0, false},
		{"end", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := DecodeCursor(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("DecodeCursor(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

// FuzzDecodeCursor checks that every cursor in SLS's form decodes to its number and that nothing else panics or
// decodes to a negative position.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(int64(0), "MTU0NzQ3MDA4MjA0NjU4MjE2OA==")
	f.Add(int64(1547470082046582168), "")
	f.Add(int64(42), "NDI")
	f.Add(int64(-5), "LTU=")
	f.Fuzz(func(t *testing.T, n int64, raw string) {
		if n >= 0 {
			c := base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10)))
			if got, err := DecodeCursor(c); err != nil || got != n {
				t.Fatalf("DecodeCursor(%q) = %d, %v; want %d", c, got, err, n)
			}
		}
		if v, err := DecodeCursor(raw); err == nil && v < 0 {
			t.Fatalf("DecodeCursor(%q) = %d, a negative position", raw, v)
		}
	})
}
