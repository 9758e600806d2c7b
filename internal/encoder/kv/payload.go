package kv

import (
	"errors"
	"fmt"
	"strings"

	"github.com/siemship/siemship/internal/record"
)

// ParsePayload splits a payload produced by an Encoder with separator sep ("" means DefaultSeparator) back into
// its pairs and undoes the escaping ('\xHH' back to the raw byte, invalid UTF-8 included): it returns exactly the
// pairs that were encoded, byte for byte. A pair ends at the first unescaped separator and its key at the first
// unescaped '='. A payload truncated by MaxMessageBytes parses too; its last value is then a prefix of the original.
func ParsePayload(payload, sep string) ([]record.Field, error) {
	if sep == "" {
		sep = DefaultSeparator
	}
	if err := validateSeparator(sep); err != nil {
		return nil, err
	}
	if payload == "" {
		return nil, nil
	}
	if !strings.HasPrefix(payload, sep) {
		return nil, fmt.Errorf("payload does not start with the separator %q", sep)
	}
	var out []record.Field
	pos := len(sep)
	for {
		j, eq := pos, -1
		for j < len(payload) {
			c := payload[j]
			if c == '\\' {
				n, err := escapeLen(payload[j:])
				if err != nil {
					return nil, fmt.Errorf("pair %d at offset %d: %w", len(out), j, err)
				}
				j += n
				continue
			}
			if c == '=' && eq < 0 {
				eq = j
			}
			if c == sep[0] && strings.HasPrefix(payload[j:], sep) {
				break
			}
			j++
		}
		if eq < 0 {
			return nil, fmt.Errorf("pair %d at offset %d has no '='", len(out), pos)
		}
		out = append(out, record.Field{Key: unescape(payload[pos:eq]), Value: unescape(payload[eq+1 : j])})
		if j == len(payload) {
			return out, nil
		}
		pos = j + len(sep)
	}
}

// escapeLen returns the length of the escape sequence at the start of s (s[0] == '\').
func escapeLen(s string) (int, error) {
	if len(s) < 2 {
		return 0, errors.New(`dangling '\'`)
	}
	if s[1] != 'x' {
		return 2, nil
	}
	if len(s) < 4 || unhex(s[2]) < 0 || unhex(s[3]) < 0 {
		return 0, errors.New(`'\x' must be followed by two hex digits`)
	}
	return 4, nil
}

// unescape undoes appendEscaped on text that escapeLen has already checked.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'x':
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
