package message

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseFraming(t *testing.T) {
	tests := []struct {
		in      string
		want    Framing
		wantErr bool
	}{
		{"octet", FramingOctet, false},
		{" Octet-Counting ", FramingOctet, false},
		{"octet-counted", FramingOctet, false},
		{"lf", FramingLF, false},
		{"LF", FramingLF, false},
		{"newline", FramingLF, false},
		{"non-transparent", FramingLF, false},
		{"none", FramingNone, false},
		{"", 0, true},
		{"crlf", 0, true},
		{"nul", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFraming(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFraming(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, f := range []Framing{FramingOctet, FramingLF, FramingNone} {
		if got, err := ParseFraming(f.String()); err != nil || got != f {
			t.Errorf("ParseFraming(%v.String()) = %v, %v", f, got, err)
		}
	}
	if s := Framing(9).String(); s != "Framing(9)" {
		t.Errorf("Framing(9).String() = %q", s)
	}
}

// TestFinishOctet covers every width of the length prefix, narrower and wider than the reserved room, after
// earlier frames in the same buffer.
func TestFinishOctet(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 99, 100, 543, 999, 1000, 9999, 10000, 123456} {
		msg := strings.Repeat("m", n)
		dst := []byte("previous frame|")
		start := len(dst)
		dst = append(dst, "000 "...)
		dst = append(dst, msg...)
		got := string(finishOctet(dst, start))
		if want := "previous frame|" + strconv.Itoa(n) + " " + msg; got != want {
			t.Errorf("n=%d: got %.40q..., want %.40q...", n, got, want)
		}
	}
}
