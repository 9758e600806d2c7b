package header

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ianaSDIDs are the SD-IDs without "@" registered by RFC 5424 §7; every other SD-ID must be name@<enterprise number>.
var ianaSDIDs = map[string]bool{"timeQuality": true, "origin": true, "meta": true}

// ValidateStructuredData checks that s is a STRUCTURED-DATA field that every receiver accepts: one or more
// [SD-ID *(SP PARAM-NAME="PARAM-VALUE")] elements (RFC 5424 §6.3) with SD-NAMEs of 1..32 PRINTUSASCII except
// '=', SP, ']' and '"', SD-IDs either registered (timeQuality, origin, meta) or name@<enterprise number>, no
// SD-ID twice, PARAM-VALUEs in UTF-8 with '"', '\' and ']' escaped by '\' and nothing else escaped, and no
// control characters anywhere (they would break LF framing). "-" is the NILVALUE and valid.
func ValidateStructuredData(s string) error {
	if s == "-" {
		return nil
	}
	if s == "" {
		return errors.New("empty structured data (use - for none)")
	}
	seen := make(map[string]bool)
	i := 0
	for i < len(s) {
		if s[i] != '[' {
			return fmt.Errorf("structured data: expected '[' at offset %d", i)
		}
		i++
		id, n, err := sdName(s[i:], "SD-ID")
		if err != nil {
			return fmt.Errorf("structured data element at offset %d: %w", i-1, err)
		}
		if err := checkSDID(id); err != nil {
			return fmt.Errorf("structured data: %w", err)
		}
		if seen[id] {
			return fmt.Errorf("structured data: SD-ID %q appears twice", id)
		}
		seen[id] = true
		i += n
		for {
			if i >= len(s) {
				return fmt.Errorf("structured data: element %q not closed by ']'", id)
			}
			if s[i] == ']' {
				i++
				break
			}
			if s[i] != ' ' {
				return fmt.Errorf("structured data: expected ' ' or ']' at offset %d", i)
			}
			i++
			name, n, err := sdName(s[i:], "PARAM-NAME")
			if err != nil {
				return fmt.Errorf("structured data element %q: %w", id, err)
			}
			i += n
			if i+1 >= len(s) || s[i] != '=' || s[i+1] != '"' {
				return fmt.Errorf("structured data element %q: expected =\" after %q", id, name)
			}
			i += 2
			n, err = sdValue(s[i:])
			if err != nil {
				return fmt.Errorf("structured data element %q, param %q: %w", id, name, err)
			}
			i += n
		}
	}
	return nil
}

// sdName reads an SD-NAME up to the next SP, '=' or ']' and returns it with its length.
func sdName(s, what string) (string, int, error) {
	n := 0
	for n < len(s) && s[n] != ' ' && s[n] != '=' && s[n] != ']' {
		c := s[n]
		if c < 33 || c > 126 || c == '"' {
			return "", 0, fmt.Errorf("%s: byte %#x is not allowed in an SD-NAME", what, c)
		}
		n++
	}
	if n == 0 {
		return "", 0, fmt.Errorf("%s is empty", what)
	}
	if n > 32 {
		return "", 0, fmt.Errorf("%s %q is longer than 32 characters", what, s[:n])
	}
	return s[:n], n, nil
}

func checkSDID(id string) error {
	at := strings.IndexByte(id, '@')
	if at < 0 {
		if !ianaSDIDs[id] {
			return fmt.Errorf("SD-ID %q is neither registered (timeQuality, origin, meta) nor name@<enterprise number>", id)
		}
		return nil
	}
	name, pen := id[:at], id[at+1:]
	if name == "" || pen == "" || pen[0] < '0' || pen[0] > '9' {
		return fmt.Errorf("SD-ID %q must be name@<enterprise number>, e.g. siemship@32473", id)
	}
	for i := 0; i < len(pen); i++ {
		if (pen[i] < '0' || pen[i] > '9') && pen[i] != '.' {
			return fmt.Errorf("SD-ID %q must be name@<enterprise number>, e.g. siemship@32473", id)
		}
	}
	return nil
}

// sdValue reads a PARAM-VALUE after its opening quote through the closing quote and returns the length consumed.
func sdValue(s string) (int, error) {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(s) || (s[i+1] != '"' && s[i+1] != '\\' && s[i+1] != ']') {
				return 0, errors.New(`PARAM-VALUE: '\' must be followed by '"', '\' or ']'`)
			}
			i += 2
		case c == ']':
			return 0, errors.New(`PARAM-VALUE: ']' must be escaped as \]`)
		case c < 0x20 || c == 0x7f:
			return 0, fmt.Errorf("PARAM-VALUE: control byte %#x is not allowed", c)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return 0, errors.New("PARAM-VALUE: invalid UTF-8")
			}
			i += size
		default:
			i++
		}
	}
	return 0, errors.New("PARAM-VALUE: missing closing '\"'")
}
