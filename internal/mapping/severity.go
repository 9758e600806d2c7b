package mapping

import (
	"errors"
	"fmt"
	"strings"

	"github.com/siemship/siemship/internal/encoder/header"
)

// SeverityMap maps a field's values to syslog severities: "value=severity" entries separated by commas, where the
// value "*" stands for any other non-empty value, e.g. "ERROR=err,WARN=warning,*=notice" or, for "errorCode present
// means warning", "*=warning".
type SeverityMap struct {
	entries []severityEntry
	any     int  // severity for other non-empty values, when hasAny
	hasAny  bool // there is a "*" entry
}

type severityEntry struct {
	value string
	sev   int
}

// ParseSeverityMap parses a SeverityMap; "" is the empty map.
func ParseSeverityMap(s string) (SeverityMap, error) {
	var m SeverityMap
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	seen := map[string]bool{}
	for _, e := range strings.Split(s, ",") {
		i := strings.LastIndexByte(e, '=')
		if i < 0 {
			return m, fmt.Errorf("entry %q: want value=severity", e)
		}
		value, name := e[:i], strings.TrimSpace(e[i+1:])
		sev, err := header.ParseSeverity(name)
		if err != nil {
			return m, fmt.Errorf("entry %q: severity %q %w", e, name, err)
		}
		if value == "" {
			return m, fmt.Errorf("entry %q: empty value (an absent or empty field keeps the severity setting)", e)
		}
		if seen[value] {
			return m, fmt.Errorf("entry %q: value %q mapped twice", e, value)
		}
		seen[value] = true
		if value == "*" {
			m.any, m.hasAny = sev, true
			continue
		}
		m.entries = append(m.entries, severityEntry{value, sev})
	}
	return m, nil
}

// Len is the number of entries, "*" included.
func (m SeverityMap) Len() int {
	if m.hasAny {
		return len(m.entries) + 1
	}
	return len(m.entries)
}

// Severity returns the severity for a field's value v: its entry, else "*", else v itself when it is a severity
// name or number (level=ERROR works without a map); ok is false when none applies (then the setting does).
func (m SeverityMap) Severity(v string) (sev int, ok bool) {
	if v == "" {
		return 0, false
	}
	for _, e := range m.entries {
		if e.value == v {
			return e.sev, true
		}
	}
	if m.hasAny {
		return m.any, true
	}
	if s, err := header.ParseSeverity(v); err == nil {
		return s, true
	}
	return 0, false
}

// CheckSeverityField checks that a severity map has a field to map: a map without one would silently do nothing.
func CheckSeverityField(field string, m SeverityMap) error {
	if m.Len() > 0 && field == "" {
		return errors.New("a severity map needs the field whose values it maps")
	}
	return nil
}
