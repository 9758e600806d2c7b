package slsemu

import (
	"testing"
)

func TestCursor(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"MTQ0NzMyOTQwMTEwMjEzMDkwNA==", 1447329401102130904, false}, // documented examples
		{"MTYxNDc1MDAyNzM3MzIwNTcxNA==", 1614750027373205714, false},
		{"MA==", 0, false},
		{"MA", 0, false}, // unpadded
		{"", 0, true},
		{"!!!", 0, true},
		{"YWJj", 0, true}, // "abc"
		{"LTE=", 0, true}, // "-1": signs are not cursors
		{"OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==", 0, true}, // overflows int64
	}
	for _, tt := range tests {
		got, err := DecodeCursor(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("DecodeCursor(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if !tt.wantErr && len(tt.in)%4 == 0 && EncodeCursor(tt.want) != tt.in {
			t.Errorf("EncodeCursor(%d) = %q, want %q", tt.want, EncodeCursor(tt.want), tt.in)
		}
	}
}

func FuzzCursor(f *testing.F) {
	f.Add("MTQ0NzMyOTQwMTEwMjEzMDkwNA==", int64(1447329401102130904))
	f.Add("MA", int64(0))
	f.Add("%%%", int64(-5))
	f.Fuzz(func(t *testing.T, s string, v int64) {
		if v >= 0 {
			if got, err := DecodeCursor(EncodeCursor(v)); err != nil || got != v {
				t.Fatalf("round trip of %d: %d, %v", v, got, err)
			}
		}
		if got, err := DecodeCursor(s); err == nil {
			if got < 0 {
				t.Fatalf("DecodeCursor(%q) = %d: negative", s, got)
			}
			if again, err := DecodeCursor(EncodeCursor(got)); err != nil || again != got {
				t.Fatalf("re-encoding %d failed", got)
			}
		}
	})
}
