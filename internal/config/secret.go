package config

import (
	"encoding/json"
	"fmt"
	"io"
)

// redacted is what every rendering of a non-empty Secret shows.
const redacted = "[redacted]"

// Secret holds a credential. Every way of printing it (fmt verbs including %#v, JSON, text, zap) shows
// [redacted]; only Reveal returns the value. The zero Secret is empty and prints as an empty string, so that
// "not set" stays visible.
type Secret struct {
	value string
}

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{value: s} }

// Reveal returns the secret itself. Call it only where the value is handed to the SDK.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer (used by %v, %s, %q and by zap.Any).
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer (used by %#v).
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// Format implements fmt.Formatter, so that no verb (not even %d or %x, which bypass String) reaches the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, s.GoString()) //nolint:errcheck // fmt.State reports no useful error
	case verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X':
		fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
	default:
		fmt.Fprintf(f, "%%!%c(config.Secret=%s)", verb, s.String())
	}
}

// MarshalJSON implements json.Marshaler (used by encoding/json and zap.Reflect).
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Decode implements envconfig.Decoder.
func (s *Secret) Decode(v string) error {
	s.value = v
	return nil
}
