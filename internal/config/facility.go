package config

import "github.com/siemship/siemship/internal/encoder/header"

// Facility is an RFC 5424 facility code, 0..23. It decodes names (user, local0, ...) and numbers.
type Facility int

// Severity is an RFC 5424 severity code, 0..7. It decodes names (info, warning, ...) and numbers.
type Severity int

// Decode implements envconfig.Decoder with header.ParseFacility, whose error says what is allowed.
func (f *Facility) Decode(v string) error {
	n, err := header.ParseFacility(v)
	if err != nil {
		return err
	}
	*f = Facility(n)
	return nil
}

// String returns the canonical name (user, local0, ...).
func (f Facility) String() string { return header.FacilityName(int(f)) }

// Decode implements envconfig.Decoder with header.ParseSeverity, whose error says what is allowed.
func (s *Severity) Decode(v string) error {
	n, err := header.ParseSeverity(v)
	if err != nil {
		return err
	}
	*s = Severity(n)
	return nil
}

// String returns the canonical name (info, warning, ...).
func (s Severity) String() string { return header.SeverityName(int(s)) }
