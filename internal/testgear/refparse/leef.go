package refparse

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LEEF is one parsed LEEF message ([LEEF] LEEF header, Event attributes):
//
//	LEEF:1.0|Vendor|Product|Version|EventID|key=value<tab>key=value
//	LEEF:2.0|Vendor|Product|Version|EventID|DelimiterCharacter|key=value<delimiter>key=value
//
// LEEF has no escape sequences: every field and attribute is returned exactly as sent.
type LEEF struct {
	Prefix         string // the syslog header before "LEEF:" as sent, separating space included; "" if none
	Version        string // "1.0" or "2.0"
	Vendor         string
	Product        string
	ProductVersion string
	EventID        string
	DelimiterSpec  string // 2.0: the DelimiterCharacter field as sent ("^", "x5E", "0x09"); "" for 1.0
	Delimiter      rune   // the attribute delimiter: tab for 1.0, the decoded DelimiterCharacter for 2.0
	Attributes     []Pair // in message order, duplicates kept
}

// ParseLEEF parses one LEEF 1.0 or 2.0 message, optionally after an RFC 5424 or RFC 3164 header. See the package
// doc for what is an error.
func ParseLEEF(line string) (LEEF, error) {
	if err := checkLine(line); err != nil {
		return LEEF{}, err
	}
	prefix, msg, err := splitPrefix(line, "LEEF:")
	if err != nil {
		return LEEF{}, err
	}
	// Table 2, LEEF:version: "LEEF:1.0|" or "LEEF:2.0|".
	version, rest, ok := strings.Cut(msg[len("LEEF:"):], "|")
	if !ok {
		return LEEF{}, fmt.Errorf("%w: no | after LEEF:%s", ErrHeader, version)
	}
	if version != "1.0" && version != "2.0" {
		return LEEF{}, fmt.Errorf("%w: LEEF:%q (1.0 or 2.0)", ErrVersion, version)
	}
	// LEEF header: Vendor, Product, Version, EventID and, in 2.0, DelimiterCharacter, each followed by a pipe.
	n := 4
	if version == "2.0" {
		n = 5
	}
	h := strings.SplitN(rest, "|", n+1)
	if len(h) <= n {
		return LEEF{}, fmt.Errorf("%w: %d of %d header fields after LEEF:%s (each ends with |)",
			ErrHeader, len(h)-1, n, version)
	}
	l := LEEF{Prefix: prefix, Version: version, Vendor: h[0], Product: h[1], ProductVersion: h[2], EventID: h[3],
		Delimiter: '\t'} // Event attributes: 1.0 separates attributes with a tab
	if version == "2.0" {
		l.DelimiterSpec = h[4]
		if l.Delimiter, err = leefDelimiter(h[4]); err != nil {
			return LEEF{}, err
		}
	}
	if l.Attributes, err = leefAttributes(h[n], l.Delimiter); err != nil {
		return LEEF{}, err
	}
	return l, nil
}

// leefDelimiter decodes the 2.0 DelimiterCharacter (Event attributes, Table 1): "a single character or the hex
// value for that character", hex being "0x or x, followed by a series of 1-4 characters (0-9A-Fa-f)". A delimiter
// that cannot separate attributes on one line (=, CR, LF) or is no character (a surrogate) is refused.
func leefDelimiter(spec string) (rune, error) {
	var d rune
	if r, size := utf8.DecodeRuneInString(spec); spec != "" && size == len(spec) {
		d = r
	} else {
		digits, ok := strings.CutPrefix(spec, "0x")
		if !ok {
			digits, ok = strings.CutPrefix(spec, "x")
		}
		v, err := strconv.ParseUint(digits, 16, 32)
		if !ok || len(digits) < 1 || len(digits) > 4 || err != nil {
			return 0, fmt.Errorf("%w: %q (one character, or x or 0x and 1 to 4 hex digits)", ErrDelimiter, spec)
		}
		d = rune(v)
	}
	if d == '=' || d == '\r' || d == '\n' || !utf8.ValidRune(d) {
		return 0, fmt.Errorf("%w: %q decodes to %U, which cannot separate attributes", ErrDelimiter, spec, d)
	}
	return d, nil
}

// leefAttributes splits the attributes: key=value pairs, each separated by the delimiter (Event attributes). With
// no escapes, a key ends at the first =; a value may contain =. Best practices: a key should be a single
// alphanumeric word but "file name =x" is "Allowed"; tab, pipe and caret are to be avoided. A key must not be
// empty, and one holding a pipe is refused: it is what a pipe inside a header field makes of the next field.
func leefAttributes(s string, delim rune) ([]Pair, error) {
	if s == "" {
		return nil, nil
	}
	var out []Pair
	for i, a := range strings.Split(s, string(delim)) {
		k, v, ok := strings.Cut(a, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: attribute %d %q has no =", ErrAttribute, i+1, a)
		case k == "":
			return nil, fmt.Errorf("%w: attribute %d %q has an empty key", ErrAttribute, i+1, a)
		case strings.Contains(k, "|"):
			return nil, fmt.Errorf("%w: attribute %d key %q contains |", ErrAttribute, i+1, k)
		}
		out = append(out, Pair{Key: k, Value: v})
	}
	return out, nil
}

// Overlong reports the header fields longer than the guide allows: EventID 255 characters (Table 2).
func (l LEEF) Overlong() []Overlong {
	return overlong(nil, "EventID", l.EventID, 255)
}
