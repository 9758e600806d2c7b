package header

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ianaSDIDs are the SD-IDs without "@" registered by RFC 5424 §7; every other SD-ID must be name@<enterprise number>.
var ianaSDIDs = []string{"timeQuality", "origin", "meta"}

// ValidateStructuredData checks a STRUCTURED-DATA field that every receiver accepts: "" or the NILVALUE "-" (none),
// or one or more SD-ELEMENTs (RFC 5424 §6.3):
//
//	SD-ELEMENT  = "[" SD-ID *(SP SD-PARAM) "]"
//	SD-PARAM    = PARAM-NAME "=" %d34 PARAM-VALUE %d34
//	SD-NAME     = 1*32PRINTUSASCII except '=', SP, ']', %d34 (and '[', which receivers take for a new element)
//	PARAM-VALUE = UTF-8, with '"', '\' and ']' escaped by '\', and no control characters (they would end the
//	              line in LF framing or be cut by a receiver)
//
// An SD-ID occurs once and is either registered (timeQuality, origin, meta) or name@<private enterprise number>.
// The error says what is wrong where (byte offsets count from 1), without repeating s. NewEncoder and siemship's
// configuration (SYSLOG_STRUCTURED_DATA) both apply it.
func ValidateStructuredData(s string) error {
	if s == "" || s == "-" {
		return nil
	}
	seen := map[string]bool{}
	for i := 0; i < len(s); {
		if s[i] != '[' {
			return fmt.Errorf("expected [ at byte %d", i+1)
		}
		i++
		id, n := sdName(s[i:])
		if n == 0 {
			return fmt.Errorf("expected an SD-ID at byte %d", i+1)
		}
		if n > 32 {
			return fmt.Errorf("SD-ID %s is longer than 32 characters", id)
		}
		if err := checkSDID(id); err != nil {
			return err
		}
		if seen[id] {
			return fmt.Errorf("SD-ID %s occurs twice", id)
		}
		seen[id] = true
		i += n
		for {
			if i >= len(s) {
				return fmt.Errorf("missing ] to close [%s", id)
			}
			if s[i] == ']' {
				i++
				break
			}
			if s[i] != ' ' {
				return fmt.Errorf("expected a space or ] at byte %d", i+1)
			}
			i++
			name, n := sdName(s[i:])
			if n == 0 {
				return fmt.Errorf("expected a PARAM-NAME at byte %d", i+1)
			}
			if n > 32 {
				return fmt.Errorf("PARAM-NAME %s is longer than 32 characters", name)
			}
			i += n
			if !strings.HasPrefix(s[i:], `="`) {
				return fmt.Errorf(`expected =" after %s at byte %d`, name, i+1)
			}
			i += 2
			n, err := sdValue(s[i:])
			if err != nil {
				return fmt.Errorf("value of %s: %w", name, err)
			}
			i += n
		}
	}
	return nil
}

// sdName returns the run of SD-NAME characters at the start of s and its length (the caller checks 1..32). Unlike
// RFC 5424 it also stops at '[', which no sane name contains and which receivers would take for a new element.
func sdName(s string) (string, int) {
	n := 0
	for n < len(s) && s[n] > ' ' && s[n] < 127 && s[n] != '=' && s[n] != ']' && s[n] != '"' && s[n] != '[' {
		n++
	}
	return s[:n], n
}

func checkSDID(id string) error {
	name, pen, ok := strings.Cut(id, "@")
	if !ok {
		for _, r := range ianaSDIDs {
			if id == r {
				return nil
			}
		}
		return fmt.Errorf("SD-ID %s is neither registered (%s) nor name@<enterprise number>", id, strings.Join(ianaSDIDs, ", "))
	}
	if name == "" || pen == "" || strings.Trim(pen, "0123456789.") != "" || pen[0] == '.' || pen[len(pen)-1] == '.' {
		return fmt.Errorf("SD-ID %s must be name@<enterprise number>, e.g. origin@32473", id)
	}
	return nil
}

// sdValue scans a PARAM-VALUE up to and including its closing quote and returns the bytes consumed.
func sdValue(s string) (int, error) {
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(s) || !strings.ContainsRune(`"\]`, rune(s[i+1])) {
				return 0, errors.New(`a \ must be followed by ", \ or ]`)
			}
			i += 2
		case c == ']':
			return 0, errors.New(`] must be escaped as \]`)
		case c < 0x20 || c == 0x7f:
			return 0, fmt.Errorf("control character %q is not allowed", c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return 0, errors.New("not valid UTF-8")
			}
			i += n
		}
	}
	return 0, errors.New(`missing closing "`)
}
