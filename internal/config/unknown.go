package config

import (
	"regexp"
	"slices"
	"strings"
)

// prefixes are the name spaces siemship owns: a variable starting with one of them that siemship does not know is
// almost certainly a typo, and a typo silently falls back to a default (which is how logs get lost).
var prefixes = []string{"SLS_", "SYSLOG_", "SIEMSHIP_", "CEF_", "LEEF_", "HEC_"}

// serviceLinks match the variables Kubernetes injects for every Service in the namespace (enableServiceLinks, on
// by default): a Service named "siemship" or "syslog-receiver" yields SIEMSHIP_SERVICE_HOST=10.0.0.7,
// SIEMSHIP_PORT=tcp://10.0.0.7:9090, SYSLOG_RECEIVER_PORT_514_TCP_ADDR=10.0.0.8 and so on. They are not ours and must
// not stop the process. Both the name and the value must have the injected shape, so typos are still caught.
var serviceLinks = []struct{ name, value *regexp.Regexp }{
	{regexp.MustCompile(`_(SERVICE_HOST|PORT_[0-9]+_(TCP|UDP|SCTP)_ADDR)$`), regexp.MustCompile(`^[0-9A-Fa-f.:]+$`)},
	{regexp.MustCompile(`_(SERVICE_PORT(_[A-Z0-9_]+)?|PORT_[0-9]+_(TCP|UDP|SCTP)_PORT)$`), regexp.MustCompile(`^[0-9]+$`)},
	{regexp.MustCompile(`_PORT(_[0-9]+_(TCP|UDP|SCTP))?$`), serviceLinkValue},
	{regexp.MustCompile(`_PORT_[0-9]+_(TCP|UDP|SCTP)_PROTO$`), regexp.MustCompile(`^(tcp|udp|sctp)$`)},
}

// serviceLinkValue is the value of NAME_PORT for a Kubernetes Service named NAME.
var serviceLinkValue = regexp.MustCompile(`^(tcp|udp|sctp)://[^/]+:[0-9]+$`)

func isServiceLink(name, value string) bool {
	for _, l := range serviceLinks {
		if l.name.MatchString(name) && l.value.MatchString(value) {
			return true
		}
	}
	return false
}

// alternatives maps names people plausibly guess (from the SDKs, other shippers or other docs) to ours.
var alternatives = map[string]string{
	"SLS_ACCESS_KEY_ID":          "SLS_AK_ID",
	"SLS_ACCESS_KEY":             "SLS_AK_KEY",
	"SLS_ACCESS_KEY_SECRET":      "SLS_AK_KEY",
	"SLS_AK_SECRET":              "SLS_AK_KEY",
	"SLS_ACCESS_KEY_SECRET_FILE": "SLS_AK_KEY_FILE",
	"SLS_AK_SECRET_FILE":         "SLS_AK_KEY_FILE",
	"SLS_STS_TOKEN":              "SLS_SECURITY_TOKEN",
	"SLS_CONSUMER_GROUP":         "SLS_CG",
	"SLS_CONSUMER_GROUP_NAME":    "SLS_CG",
	"SLS_CONSUMER":               "SLS_CONSUMER_NAME",
	"SLS_LOG_STORE":              "SLS_LOGSTORE",
	"SLS_CURSOR_POSITION":        "SLS_CURSOR_START",
	"SLS_START":                  "SLS_CURSOR_START",
	"SLS_COMPRESSION":            "SLS_COMPRESS",
	"SYSLOG_ADDRESS":             "SYSLOG_HOST",
	"SYSLOG_ADDR":                "SYSLOG_HOST",
	"SYSLOG_SERVER":              "SYSLOG_HOST",
	"SYSLOG_TRANSPORT":           "SYSLOG_PROTOCOL",
	"SYSLOG_TLS_PORT":            "SYSLOG_PORT",
	"SYSLOG_CA_FILE":             "SYSLOG_TLS_CA_FILE",
	"SYSLOG_CERT_PATH":           "SYSLOG_TLS_CA_FILE",
	"SYSLOG_TLS_CA":              "SYSLOG_TLS_CA_FILE",
	"SYSLOG_TLS_CERT":            "SYSLOG_TLS_CERT_FILE",
	"SYSLOG_TLS_KEY":             "SYSLOG_TLS_KEY_FILE",
	"SYSLOG_TLS_VERIFY":          "SYSLOG_TLS_INSECURE_SKIP_VERIFY",
	"SYSLOG_INSECURE":            "SYSLOG_TLS_INSECURE_SKIP_VERIFY",
	"SYSLOG_TIMEOUT":             "SYSLOG_WRITE_TIMEOUT",
	"SYSLOG_SEPARATOR":           "SYSLOG_SEP",
	"SYSLOG_SD":                  "SYSLOG_STRUCTURED_DATA",
	"SYSLOG_PROC_ID":             "SYSLOG_PROCID",
	"SYSLOG_MSG_ID":              "SYSLOG_MSGID",
	"SYSLOG_APPNAME":             "SYSLOG_APP_NAME",
	"SYSLOG_HOST_NAME":           "SYSLOG_HOSTNAME",
	"SIEMSHIP_LOGLEVEL":          "SIEMSHIP_LOG_LEVEL",
	"SIEMSHIP_PORT":              "SIEMSHIP_HTTP_ADDR",
	"SIEMSHIP_OUTPUT_FORMAT":     "SIEMSHIP_FORMAT",
	"SYSLOG_FORMAT":              "SIEMSHIP_FORMAT",
	"SYSLOG_TIMEZONE":            "SYSLOG_RFC3164_TIMEZONE",
	"SYSLOG_TZ":                  "SYSLOG_RFC3164_TIMEZONE",
}

// unknownVars reports, sorted by name, every variable in env that starts with one of our prefixes (in any case)
// but is none of ours, with the closest known name as a suggestion.
func unknownVars(env map[string]string, fs []field) []*VarError {
	known := knownNames(fs)
	var errs []*VarError
	for name, value := range env {
		upper := strings.ToUpper(name)
		if !hasOurPrefix(upper) || slices.Contains(known, name) || isServiceLink(name, value) {
			continue
		}
		e := &VarError{Name: name, Unknown: true, Msg: "see siemship help-env"}
		switch {
		case slices.Contains(known, upper):
			e.Suggest, e.Msg = upper, "names are case-sensitive"
		case alternatives[upper] != "":
			e.Suggest, e.Msg = alternatives[upper], ""
		default:
			e.Suggest = closest(upper, known)
			if e.Suggest != "" {
				e.Msg = ""
			}
		}
		errs = append(errs, e)
	}
	slices.SortFunc(errs, func(a, b *VarError) int { return strings.Compare(a.Name, b.Name) })
	return errs
}

func hasOurPrefix(name string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// knownNames lists every accepted name: variables, aliases and *_FILE companions.
func knownNames(fs []field) []string {
	var names []string
	for _, f := range fs {
		names = append(names, f.name)
		if f.alias != "" {
			names = append(names, f.alias)
		}
		if f.file != "" {
			names = append(names, f.file)
		}
	}
	return names
}

// closest returns the known name that name most likely misspells: the only known name that name is a shortened
// form of, else the nearest by edit distance when it is near enough to be a typo (at most a quarter of the
// name's length; 2 edits are always tolerated).
func closest(name string, known []string) string {
	var longer []string
	for _, k := range known {
		if strings.HasPrefix(k, name) {
			longer = append(longer, k)
		}
	}
	if len(longer) == 1 {
		return longer[0]
	}
	best, bestD := "", max(2, len(name)/4)+1
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes; names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
