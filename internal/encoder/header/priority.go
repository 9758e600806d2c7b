package header

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Facility and severity codes from RFC 5424 §6.2.1, Table 1 and Table 2. Tested against the RFC, not against any
// library's constants (crewjam/rfc5424's Local0..Local7 are wrong).
var facilityNames = [24]string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

// facilityAliases are other names in common use (rsyslog, syslog-ng, logger).
var facilityAliases = map[string]int{
	"clock": 9, "audit": 13, "logaudit": 13, "log-audit": 13, "alert": 14, "logalert": 14, "log-alert": 14,
	"clock2": 15, "security2": 4,
}

var severityNames = [8]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// errFacility and errSeverity say what ParseFacility, ParseSeverity, ValidateFacility and ValidateSeverity accept.
var (
	errFacility = errors.New("must be a facility name (" + strings.Join(facilityNames[:16], ", ") + ", local0 … local7) or a number 0 to 23")
	errSeverity = errors.New("must be a severity name (" + strings.Join(severityNames[:], ", ") + ") or a number 0 to 7")
)

var severityAliases = map[string]int{
	"emergency": 0, "panic": 0, "critical": 2, "error": 3, "warn": 4, "informational": 6,
}

// ParseFacility accepts a facility name (user, local0, authpriv, ...; case-insensitive, with or without LOG_, and
// the aliases of rsyslog, syslog-ng and logger) or a number 0..23.
func ParseFacility(s string) (int, error) {
	return parseCode(s, facilityNames[:], facilityAliases, errFacility)
}

// ParseSeverity accepts a severity name (info, warning, err, ...; as ParseFacility) or a number 0..7.
func ParseSeverity(s string) (int, error) {
	return parseCode(s, severityNames[:], severityAliases, errSeverity)
}

// FacilityName returns the canonical name of facility code f (0..23).
func FacilityName(f int) string {
	if f < 0 || f >= len(facilityNames) {
		return strconv.Itoa(f)
	}
	return facilityNames[f]
}

// SeverityName returns the canonical name of severity code s (0..7).
func SeverityName(s int) string {
	if s < 0 || s >= len(severityNames) {
		return strconv.Itoa(s)
	}
	return severityNames[s]
}

// Priority returns the RFC 5424 PRIVAL facility*8 + severity, or an error when either is out of range.
func Priority(facility, severity int) (int, error) {
	if err := ValidateFacility(facility); err != nil {
		return 0, fmt.Errorf("facility %d: %w", facility, err)
	}
	if err := ValidateSeverity(severity); err != nil {
		return 0, fmt.Errorf("severity %d: %w", severity, err)
	}
	return facility*8 + severity, nil
}

func parseCode(s string, names []string, aliases map[string]int, errInvalid error) (int, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n >= len(names) {
			return 0, errInvalid
		}
		return n, nil
	}
	v = strings.TrimPrefix(v, "log_")
	for i, name := range names {
		if v == name {
			return i, nil
		}
	}
	if n, ok := aliases[v]; ok {
		return n, nil
	}
	return 0, errInvalid
}

// siemSeverity is SIEMSeverity's table: the high end of each syslog severity's band in CEF's 0-10 scale (9-10
// Very-High, 7-8 High, 4-6 Medium, 0-3 Low), info at 3, CEF_SEVERITY's default, and debug at 1, LEEF's lowest.
var siemSeverity = [8]int{10, 9, 8, 7, 5, 4, 3, 1}

// SIEMSeverity returns the 0..10 severity that CEF's Severity and LEEF's sev carry for syslog severity s (0..7;
// others are clamped): emerg 10, alert 9, crit 8, err 7, warning 5, notice 4, info 3, debug 1.
func SIEMSeverity(s int) int { return siemSeverity[min(max(s, 0), 7)] }
