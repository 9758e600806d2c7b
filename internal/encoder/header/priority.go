package header

import (
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

var severityAliases = map[string]int{
	"emergency": 0, "panic": 0, "critical": 2, "error": 3, "warn": 4, "informational": 6,
}

// ParseFacility accepts a facility name (user, local0, authpriv, ...) or a number 0..23.
func ParseFacility(s string) (int, error) {
	return parseCode(s, facilityNames[:], facilityAliases, "facility")
}

// ParseSeverity accepts a severity name (info, warning, err, ...) or a number 0..7.
func ParseSeverity(s string) (int, error) {
	return parseCode(s, severityNames[:], severityAliases, "severity")
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
	if facility < 0 || facility > 23 {
		return 0, fmt.Errorf("facility %d out of range 0..23", facility)
	}
	if severity < 0 || severity > 7 {
		return 0, fmt.Errorf("severity %d out of range 0..7", severity)
	}
	return facility*8 + severity, nil
}

func parseCode(s string, names []string, aliases map[string]int, what string) (int, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n >= len(names) {
			return 0, fmt.Errorf("%s %d out of range 0..%d", what, n, len(names)-1)
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
	return 0, fmt.Errorf("unknown %s %q (use a name such as %s or %s, or a number 0..%d)", what, s, names[0], names[len(names)-1], len(names)-1)
}
