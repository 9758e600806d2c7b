package leef

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
)

// Version is the LEEF version written in the header.
type Version int

// Versions. The zero value is LEEF 2.0.
const (
	V2 Version = iota // LEEF:2.0, with a DelimiterCharacter field (the default)
	V1                // LEEF:1.0, attributes separated by tabs
)

// ParseVersion accepts 2.0 (or 2) and 1.0 (or 1).
func ParseVersion(s string) (Version, error) {
	switch strings.TrimSpace(s) {
	case "2.0", "2":
		return V2, nil
	case "1.0", "1":
		return V1, nil
	}
	return 0, fmt.Errorf("unknown LEEF version %q (use 2.0 or 1.0)", s)
}

// String returns the version as the header writes it: "2.0" or "1.0".
func (v Version) String() string {
	if v == V1 {
		return "1.0"
	}
	return "2.0"
}

// Defaults of the header fields. The delimiter's default is a tab: QRadar's own (LEEF 1.0 has no other, and the
// guide calls the 2.0 DelimiterCharacter "an alternate delimiter"), and the one that takes nothing away from values,
// since a tab in a value is a control byte, which is replaced whatever the delimiter is.
const (
	DefaultVendor         = "Alibaba Cloud"
	DefaultProduct        = "SLS"
	DefaultProductVersion = "1.0"
	DefaultEventID        = "log"
	DefaultDelimiter      = '\t'
)

// MaxHeaderField is the limit of each LEEF header field, in characters: the guide's for EventID, and siemship's
// for Vendor, Product and Version, for which the guide gives none.
const MaxHeaderField = 255

// Options configure an Encoder. The zero value is valid: LEEF 2.0, tab-delimited, the default header fields, and
// header.Options' own zero value (kern.emerg, RFC 5424, octet framing): callers set the syslog header.
type Options struct {
	// Header is the syslog header (RFC 5424 or RFC 3164), its framing and MaxMessageBytes.
	Header header.Options

	// Version is V2 (the default) or V1.
	Version Version

	// Delimiter separates the attributes. LEEF 2.0: one character, or x or 0x and 1 to 4 hex digits (the guide's
	// syntax, e.g. "^" or "x5E"); "" is the default, a tab. LEEF 1.0: "" or a tab only. See ParseDelimiter.
	Delimiter string

	// Vendor, Product, ProductVersion and EventID are the LEEF header fields of every message; "" is the default
	// (DefaultVendor and so on). See ValidateHeaderField.
	Vendor, Product, ProductVersion, EventID string
}

// withDefaults returns o with "" replaced by the defaults.
func (o Options) withDefaults() Options {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&o.Vendor, DefaultVendor)
	def(&o.Product, DefaultProduct)
	def(&o.ProductVersion, DefaultProductVersion)
	def(&o.EventID, DefaultEventID)
	return o
}

// Validate reports every problem of the LEEF settings of o at once (not those of o.Header, which header.New
// checks). It applies the defaults first, as NewEncoder does.
func (o Options) Validate() error {
	o = o.withDefaults()
	var errs []error
	if o.Version != V1 && o.Version != V2 {
		errs = append(errs, fmt.Errorf("unknown LEEF version %d", int(o.Version)))
	}
	if _, err := ParseDelimiter(o.Version, o.Delimiter); err != nil {
		errs = append(errs, err)
	}
	for _, f := range []struct{ name, value string }{
		{"vendor", o.Vendor}, {"product", o.Product}, {"product version", o.ProductVersion}, {"event id", o.EventID},
	} {
		if err := ValidateHeaderField(f.name, f.value); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ParseDelimiter decodes the delimiter setting for version v. "" is the default, a tab. LEEF 2.0 takes the guide's
// DelimiterCharacter syntax, one character or x or 0x followed by 1 to 4 hex digits, and refuses characters that
// cannot separate attributes without breaking or emptying them:
//
//   - control characters other than tab (a line break ends the message), space (values are full of spaces), '='
//     (it ends a key), letters and digits (of any script), '_' and ':' (they are in the keys siemship writes);
//   - non-ASCII characters that are not punctuation or symbols, above U+FFFF (the header writes a non-ASCII
//     delimiter as 4 hex digits at most), or that siemship writes as substitutes (U+FFFD, the Control Pictures
//     U+2400-U+243F, the fullwidth forms U+FF00-U+FFEF).
//
// LEEF 1.0 has no DelimiterCharacter field: only "" or a tab (in either syntax) is accepted.
func ParseDelimiter(v Version, spec string) (rune, error) {
	if spec == "" {
		return DefaultDelimiter, nil
	}
	d, err := decodeDelimiter(spec)
	if err != nil {
		return 0, err
	}
	if v == V1 && d != '\t' {
		return 0, fmt.Errorf("delimiter %q: LEEF 1.0 separates attributes with a tab only (use LEEF 2.0 for another delimiter)", spec)
	}
	return d, nil
}

// decodeDelimiter reads one character or the hex syntax and checks the character.
func decodeDelimiter(spec string) (rune, error) {
	var d rune
	if r, size := utf8.DecodeRuneInString(spec); size == len(spec) && (size > 1 || r < utf8.RuneSelf) {
		d = r
	} else {
		digits, ok := strings.CutPrefix(spec, "0x")
		if !ok {
			digits, ok = strings.CutPrefix(spec, "x")
		}
		n, err := strconv.ParseUint(digits, 16, 32)
		if !ok || len(digits) < 1 || len(digits) > 4 || err != nil || strings.HasPrefix(digits, "+") {
			return 0, fmt.Errorf("delimiter %q: use one character, or x or 0x and 1 to 4 hex digits (x5E for ^)", spec)
		}
		d = rune(n)
	}
	why := ""
	switch {
	case d == '\t':
	case d < 0x20 || d == 0x7f:
		why = "a control character other than tab"
	case d == ' ':
		why = "a space (every space in a value would be replaced)"
	case d == '=':
		why = "'=' ends a key"
	case d == '_' || d == ':':
		why = "it is part of the keys siemship writes (__topic__, __tag__:...)"
	case d < utf8.RuneSelf:
		if d >= '0' && d <= '9' || d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z' {
			why = "a letter or digit (it would be replaced in every value)"
		}
	case d > 0xffff || !utf8.ValidRune(d):
		why = "not a character of at most 4 hex digits"
	case d == utf8.RuneError || d >= 0x2400 && d <= 0x243f || d >= 0xff00 && d <= 0xffef:
		why = "siemship writes it as a substitute for characters that LEEF cannot carry"
	case !unicode.IsPunct(d) && !unicode.IsSymbol(d):
		why = "only punctuation and symbols can separate attributes"
	}
	if why != "" {
		return 0, fmt.Errorf("delimiter %q (%U) cannot separate attributes: %s", spec, d, why)
	}
	return d, nil
}

// delimiterSpec is how the 2.0 header writes delimiter d: the character itself when it is printable ASCII other
// than '|' (which would end the header field), otherwise x and its hex code (x09 for the tab, x7C, xA6, x2016).
func delimiterSpec(d rune) string {
	switch {
	case d > 0x20 && d < 0x7f && d != '|':
		return string(d)
	case d < 0x100:
		return fmt.Sprintf("x%02X", d)
	}
	return fmt.Sprintf("x%04X", d)
}

// ValidateHeaderField checks a constant LEEF header field (vendor, product, product version, event id): at most
// 255 characters (the guide's EventID limit, siemship's for the others), valid UTF-8, no '|' (it ends the field),
// no control characters. The name is only for the message. Values that come from records are not refused but
// substituted and cut (see the package doc).
func ValidateHeaderField(name, value string) error {
	switch {
	case !utf8.ValidString(value):
		return fmt.Errorf("LEEF %s %q is not valid UTF-8", name, value)
	case strings.ContainsRune(value, '|'):
		return fmt.Errorf("LEEF %s %q contains '|', which ends a header field", name, value)
	case strings.IndexFunc(value, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Errorf("LEEF %s %q contains a control character", name, value)
	case utf8.RuneCountInString(value) > MaxHeaderField:
		return fmt.Errorf("LEEF %s is %d characters long, more than %d", name, utf8.RuneCountInString(value), MaxHeaderField)
	}
	return nil
}
