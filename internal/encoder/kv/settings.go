package kv

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxSeparatorBytes bounds Options.Separator.
const MaxSeparatorBytes = 16

// ValidateSeparator checks a pair separator: 1 to 16 bytes of printable ASCII (space included) without '\' and
// '=', not starting with a letter or digit, so that its escape (a '\' before its first byte) never reads as \n, \r,
// \t or \x. NewEncoder applies it, and siemship's configuration (SYSLOG_SEP), so that `siemship check` and
// `siemship run` agree; the error says what is allowed without naming the setting or repeating the value.
func ValidateSeparator(sep string) error {
	switch {
	case sep == "":
		return errors.New("must not be empty")
	case len(sep) > MaxSeparatorBytes:
		return fmt.Errorf("must be at most %d bytes, not %d", MaxSeparatorBytes, len(sep))
	}
	for i, r := range sep {
		switch {
		case r == '\n' || r == '\r':
			return errors.New("must not contain a line break")
		case r < 0x20 || r > 0x7e || r == '\\' || r == '=':
			shown := fmt.Sprintf("%q", r)
			if r == utf8.RuneError {
				shown = fmt.Sprintf("the byte %#x (not UTF-8)", sep[i])
			}
			return fmt.Errorf(`must be printable ASCII (space included) without \ and =, such as || or ;, and %s is not`, shown)
		}
	}
	if c := sep[0]; c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return errors.New(`must not start with a letter or digit (its escape would read as \n, \r, \t or \x); use e.g. || or ;`)
	}
	return nil
}

// validateSeparator is ValidateSeparator with the separator named in the error, for NewEncoder and ParsePayload.
func validateSeparator(sep string) error {
	if err := ValidateSeparator(sep); err != nil {
		return fmt.Errorf("separator %q: %w", sep, err)
	}
	return nil
}
