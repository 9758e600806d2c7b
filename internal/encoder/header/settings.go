package header

import (
	"errors"
	"fmt"
)

// The rules for Options, exported so that siemship's configuration applies the very rules New applies:
// `siemship check` and `siemship run` then give every value the same verdict. Each error says what is allowed
// without naming the setting or repeating the value (the caller names them: New the option, the configuration its
// variable). ValidateStructuredData, ParseFacility and ParseSeverity are the others.

// ValidateHostname checks a HOSTNAME: "-" (none) or 1 to 255 printable US-ASCII characters (RFC 5424 §6.2.4).
func ValidateHostname(s string) error { return validateField(s, MaxHostname, "HOSTNAME") }

// ValidateAppName checks an APP-NAME: "-" (none) or 1 to 48 printable US-ASCII characters.
func ValidateAppName(s string) error { return validateField(s, MaxAppName, "APP-NAME") }

// ValidateProcID checks a PROCID: "-" (none) or 1 to 128 printable US-ASCII characters.
func ValidateProcID(s string) error { return validateField(s, MaxProcID, "PROCID") }

// ValidateMsgID checks a MSGID: "-" (none) or 1 to 32 printable US-ASCII characters.
func ValidateMsgID(s string) error { return validateField(s, MaxMsgID, "MSGID") }

// validateField checks an RFC 5424 header field: "-" or 1..max PRINTUSASCII (33..126) characters.
func validateField(s string, max int, what string) error {
	ok := s != "" && len(s) <= max
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] >= 33 && s[i] <= 126
	}
	if !ok {
		return fmt.Errorf("must be 1 to %d printable US-ASCII characters without spaces (RFC 5424 %s), or - for none", max, what)
	}
	return nil
}

// ValidateFacility checks a facility code, 0 to 23.
func ValidateFacility(f int) error {
	if f < 0 || f >= len(facilityNames) {
		return errFacility
	}
	return nil
}

// ValidateSeverity checks a severity code, 0 to 7.
func ValidateSeverity(s int) error {
	if s < 0 || s >= len(severityNames) {
		return errSeverity
	}
	return nil
}

// Len returns the length of the header New writes for o, up to MSG (with a timestamp, not the NILVALUE): what
// (*Header).Len returns. It counts the fields as given ("" as "-"), also when they are invalid.
func Len(o Options) int {
	head, tail, tsLen, _, _ := layout(o.withDefaults())
	return len(head) + tsLen + len(tail)
}

// LeastMaxMessageBytes returns the smallest MaxMessageBytes (other than 0, unlimited) New accepts for o:
// MinMaxMessageBytes (480, what every receiver accepts, RFC 5424 §6.1), or more when the header (Len) leaves less
// than MinMsgRoom (64) bytes for MSG.
func LeastMaxMessageBytes(o Options) int { return max(MinMaxMessageBytes, Len(o)+MinMsgRoom) }

// CheckMaxMessageBytes checks o.MaxMessageBytes against o's header: 0 (unlimited) or at least
// LeastMaxMessageBytes(o).
func CheckMaxMessageBytes(o Options) error {
	n, least := o.MaxMessageBytes, LeastMaxMessageBytes(o)
	switch {
	case n < 0:
		return errors.New("must not be negative")
	case n == 0 || n >= least:
		return nil
	case least == MinMaxMessageBytes:
		return fmt.Errorf("must be at least %d, the size every syslog receiver accepts (RFC 5424 §6.1)", least)
	}
	return fmt.Errorf("must be at least %d: the header and structured data take %d bytes and a message needs %d more",
		least, Len(o), MinMsgRoom)
}
