package kv

import (
	"strings"
	"testing"
)

func TestValidateSeparator(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = valid
	}{
		{"||", ""},
		{"|", ""},
		{" ", ""},
		{";", ""},
		{"#|#", ""},
		{"|a1", ""},
		{strings.Repeat("|", 16), ""},
		{"", "must not be empty"},
		{strings.Repeat("|", 17), "must be at most 16 bytes, not 17"},
		{"abc", `must not start with a letter or digit (its escape would read as \n, \r, \t or \x); use e.g. || or ;`},
		{"a", "must not start with a letter or digit"},
		{"0|", "must not start with a letter or digit"},
		{"|=", `must be printable ASCII (space included) without \ and =, such as || or ;, and '=' is not`},
		{`\`, `and '\\' is not`},
		{"|\n", "must not contain a line break"},
		{"\r", "must not contain a line break"},
		{"|\t", `and '\t' is not`},
		{"¦", `and '¦' is not`},
		{"|\xff", `and the byte 0xff (not UTF-8) is not`},
	}
	for _, tt := range tests {
		got := ""
		if err := ValidateSeparator(tt.in); err != nil {
			got = err.Error()
		}
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("ValidateSeparator(%q) = %q, want %q", tt.in, got, tt.want)
		}
		_, err := NewEncoder(Options{Separator: tt.in})
		if tt.in != "" && (err == nil) != (tt.want == "") {
			t.Errorf("NewEncoder with separator %q: %v, ValidateSeparator: %q", tt.in, err, got)
		}
	}
}
