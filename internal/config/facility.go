package config

import (
	"errors"

	"github.com/siemship/siemship/internal/encoder/header"
)

// Facility is an RFC 5424 facility code, 0..23. It decodes names (user, local0, ...) and numbers.
type Facility int

// Severity is an RFC 5424 severity code, 0..7. It decodes names (info, warning, ...) and numbers.
type Severity int

var (
	errFacility = errors.New("must be a facility name (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0 … local7) or a number 0 to 23")
	errSeverity = errors.New("must be a severity name (emerg, alert, crit, err, warning, notice, info, debug) or a number 0 to 7")
)

// Decode implements envconfig.Decoder.
func (f *Facility) Decode(v string) error {
	n, err := header.ParseFacility(v)
	if err != nil {
		return errFacility
	}
	*f = Facility(n)
	return nil
}

// String returns the canonical name (user, local0, ...).
func (f Facility) String() string { return header.FacilityName(int(f)) }

// Decode implements envconfig.Decoder.
func (s *Severity) Decode(v string) error {
	n, err := header.ParseSeverity(v)
	if err != nil {
		return errSeverity
	}
	*s = Severity(n)
	return nil
}

// String returns the canonical name (info, warning, ...).
func (s Severity) String() string { return header.SeverityName(int(s)) }
