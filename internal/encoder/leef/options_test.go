package leef

import (
	"strings"
	"testing"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/testgear/encodertest"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{"2.0": V2, "2": V2, " 2.0 ": V2, "1.0": V1, "1": V1} {
		if v, err := ParseVersion(in); err != nil || v != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", in, v, err, want)
		}
	}
	for _, in := range []string{"", "3.0", "2.1", "LEEF:2.0", "v2"} {
		if v, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) = %v, want an error", in, v)
		}
	}
	for _, v := range []Version{V1, V2} {
		if got, err := ParseVersion(v.String()); err != nil || got != v {
			t.Errorf("ParseVersion(%v.String()) = %v, %v", v, got, err)
		}
	}
}

func TestParseDelimiter(t *testing.T) {
	tests := []struct {
		version Version
		spec    string
		want    rune
		wantErr string // substring; "" means valid
	}{
		{V2, "", '\t', ""},
		{V2, "^", '^', ""},
		{V2, "x5E", '^', ""},
		{V2, "x5e", '^', ""},
		{V2, "0x5E", '^', ""},
		{V2, "x09", '\t', ""},
		{V2, "0x9", '\t', ""},
		{V2, "\t", '\t', ""},
		{V2, "x7C", '|', ""},
		{V2, "|", '|', ""},
		{V2, "#", '#', ""},
		{V2, "\\", '\\', ""},
		{V2, "¦", '¦', ""},
		{V2, "x00A6", '¦', ""},
		{V2, "xA6", '¦', ""},
		{V2, "§", '§', ""},
		{V2, "x2016", '‖', ""},
		{V2, "^^", 0, "one character"},
		{V2, "x", 0, "letter or digit"}, // one character: the letter, as in the guide
		{V2, "0x", 0, "one character"},
		{V2, "x12345", 0, "one character"},
		{V2, "xZZ", 0, "one character"},
		{V2, "X5E", 0, "one character"},
		{V2, "x+5", 0, "one character"},
		{V2, "\xff", 0, "one character"},
		{V2, "=", 0, "ends a key"},
		{V2, "x3D", 0, "ends a key"},
		{V2, " ", 0, "space"},
		{V2, "x0A", 0, "control"},
		{V2, "\r", 0, "control"},
		{V2, "x00", 0, "control"},
		{V2, "x7F", 0, "control"},
		{V2, "a", 0, "letter or digit"},
		{V2, "7", 0, "letter or digit"},
		{V2, "_", 0, "keys siemship writes"},
		{V2, ":", 0, "keys siemship writes"},
		{V2, "é", 0, "punctuation and symbols"},
		{V2, "中", 0, "punctuation and symbols"},
		{V2, "\u00a0", 0, "punctuation and symbols"},
		{V2, "\u0085", 0, "punctuation and symbols"},
		{V2, "\u2028", 0, "punctuation and symbols"},
		{V2, "\uFFFD", 0, "substitute"},
		{V2, "␉", 0, "substitute"},
		{V2, "＾", 0, "substitute"},
		{V2, "xD800", 0, "4 hex digits"},
		{V2, "😀", 0, "4 hex digits"},
		{V1, "", '\t', ""},
		{V1, "\t", '\t', ""},
		{V1, "x09", '\t', ""},
		{V1, "^", 0, "LEEF 1.0"},
		{V1, "=", 0, "ends a key"},
	}
	for _, tt := range tests {
		d, err := ParseDelimiter(tt.version, tt.spec)
		if tt.wantErr == "" {
			if err != nil || d != tt.want {
				t.Errorf("ParseDelimiter(%v, %q) = %q, %v; want %q", tt.version, tt.spec, d, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseDelimiter(%v, %q) = %q, %v; want an error containing %q", tt.version, tt.spec, d, err, tt.wantErr)
		}
	}
}

func TestDelimiterSpec(t *testing.T) {
	for d, want := range map[rune]string{'\t': "x09", '^': "^", '|': "x7C", '#': "#", '\\': "\\", '¦': "xA6", '‖': "x2016"} {
		if got := delimiterSpec(d); got != want {
			t.Errorf("delimiterSpec(%q) = %q, want %q", d, got, want)
		}
		if back, err := ParseDelimiter(V2, want); err != nil || back != d {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q", want, back, err, d)
		}
	}
}

func TestValidateHeaderField(t *testing.T) {
	tests := []struct {
		value   string
		wantErr string
	}{
		{"Alibaba Cloud", ""},
		{"4.0 SP1", ""},
		{"", ""},
		{"日志服务", ""},
		{"a^b=c\\d", ""},
		{strings.Repeat("é", 255), ""},
		{strings.Repeat("é", 256), "256 characters"},
		{"a|b", "'|'"},
		{"a\tb", "control"},
		{"a\nb", "control"},
		{"a\x7fb", "control"},
		{"a\xffb", "UTF-8"},
	}
	for _, tt := range tests {
		err := ValidateHeaderField("vendor", tt.value)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ValidateHeaderField(%q) = %v, want error containing %q", tt.value, err, tt.wantErr)
		}
	}
}

func TestNewEncoderValidation(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Options)
		wantErr string // substring; "" means valid
	}{
		{"defaults", func(*Options) {}, ""},
		{"zero options", func(o *Options) { *o = Options{} }, ""},
		{"1.0", func(o *Options) { o.Version = V1 }, ""},
		{"1.0 caret", func(o *Options) { o.Version, o.Delimiter = V1, "^" }, "LEEF 1.0"},
		{"version 7", func(o *Options) { o.Version = 7 }, "LEEF version 7"},
		{"delimiter", func(o *Options) { o.Delimiter = "ab" }, "delimiter"},
		{"vendor pipe", func(o *Options) { o.Vendor = "a|b" }, "LEEF vendor"},
		{"product newline", func(o *Options) { o.Product = "a\nb" }, "LEEF product"},
		{"version long", func(o *Options) { o.ProductVersion = strings.Repeat("1", 256) }, "LEEF product version"},
		{"event id long", func(o *Options) { o.EventID = strings.Repeat("e", 256) }, "LEEF event id is 256"},
		{"event id 255", func(o *Options) { o.EventID = strings.Repeat("e", 255) }, ""},
		{"facility", func(o *Options) { o.Header.Facility = 24 }, "facility 24"},
		{"framing", func(o *Options) { o.Header.Framing = 7 }, "framing 7"},
		{"max 480", func(o *Options) { o.Header.MaxMessageBytes = 480 }, ""},
		{"max 479", func(o *Options) { o.Header.MaxMessageBytes = 479 }, "must be at least 480"},
		{"max too small for the LEEF header", func(o *Options) {
			o.Header.MaxMessageBytes = 480
			o.EventID = strings.Repeat("e", 255)
			o.Vendor = strings.Repeat("v", 100)
		}, "LEEF header"},
		{"several", func(o *Options) { o.Header.Severity, o.Delimiter, o.Vendor, o.EventID = 9, "=", "|", "\n" },
			"or a number 0 to 7\ndelimiter \"=\" (U+003D) cannot separate attributes: '=' ends a key\nLEEF vendor \"|\" contains '|', which ends a header field\nLEEF event id \"\\n\" contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions(variant{V2, header.RFC5424, message.FramingOctet})
			tt.mod(&o)
			e, err := NewEncoder(o)
			encodertest.CheckNew(t, e, err, tt.wantErr)
		})
	}
}

func TestDefaults(t *testing.T) {
	e, err := NewEncoder(Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := e.Options()
	if o.Version != V2 || e.Delimiter() != '\t' || o.Vendor != DefaultVendor || o.Product != DefaultProduct ||
		o.ProductVersion != DefaultProductVersion || o.EventID != DefaultEventID {
		t.Fatalf("defaults: %+v, delimiter %q", o, e.Delimiter())
	}
	if want := "LEEF:2.0|Alibaba Cloud|SLS|1.0|log|x09|"; string(e.head) != want {
		t.Fatalf("header %q, want %q", e.head, want)
	}
	if len(e.Adjustments()) != 0 {
		t.Fatalf("adjustments %q", e.Adjustments())
	}
	e, err = NewEncoder(Options{Header: header.Options{Format: header.RFC3164, Hostname: "my!host"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := e.Adjustments(); len(a) != 1 || !strings.Contains(a[0], `"my_host"`) {
		t.Fatalf("adjustments %q, want the header's", a)
	}
}
