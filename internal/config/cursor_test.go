package config

import (
	"testing"
	"time"
)

func TestCursorStartDecode(t *testing.T) {
	tests := []struct {
		in      string
		want    CursorStart
		wantErr bool
	}{
		{"begin", CursorStart{Kind: CursorBegin}, false},
		{"Begin", CursorStart{Kind: CursorBegin}, false},
		{"END", CursorStart{Kind: CursorEnd}, false},
		{"0", CursorStart{Kind: CursorTime, Unix: 0}, false},
		{"1700000000", CursorStart{Kind: CursorTime, Unix: 1700000000}, false},
		{"99999999999", CursorStart{Kind: CursorTime, Unix: 99999999999}, false},
		{"2026-01-02T15:04:05Z", CursorStart{Kind: CursorTime, Unix: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC).Unix()}, false},
		{"2026-01-02T15:04:05.999+08:00", CursorStart{Kind: CursorTime, Unix: time.Date(2026, 1, 2, 7, 4, 5, 0, time.UTC).Unix()}, false},
		{"100000000000", CursorStart{}, true}, // milliseconds
		{"-1", CursorStart{}, true},
		{"1e9", CursorStart{}, true},
		{"2026-01-02", CursorStart{}, true},
		{"2026-01-02 15:04:05", CursorStart{}, true},
		{"1969-12-31T23:59:59Z", CursorStart{}, true},
		{"BEGIN_CURSOR", CursorStart{}, true},
		{"", CursorStart{}, true},
	}
	for _, tt := range tests {
		var c CursorStart
		err := c.Decode(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && c != tt.want) {
			t.Errorf("Decode(%q) = %+v, %v; want %+v, error %v", tt.in, c, err, tt.want, tt.wantErr)
		}
	}
}

// FuzzCursorStart: whatever decodes renders to a string that decodes to the same value.
func FuzzCursorStart(f *testing.F) {
	for _, s := range []string{"begin", "end", "0", "1700000000", "2026-01-02T15:04:05Z", "2026-01-02T15:04:05.5-07:00", "x", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c CursorStart
		if c.Decode(s) != nil {
			return
		}
		var back CursorStart
		if err := back.Decode(c.String()); err != nil || back != c {
			t.Errorf("%q -> %+v -> %q -> %+v, %v", s, c, c.String(), back, err)
		}
	})
}
