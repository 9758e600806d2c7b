package realrecv

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Receiver names reported in Parsed.Receiver.
const (
	ReceiverRsyslog  = "rsyslog"
	ReceiverSyslogNG = "syslog-ng"
)

// Parsed is one message as a receiver parsed it, read back from the receiver's JSON output. Values are exactly what
// the receiver reported; use Fields for a normalised view that compares equal across receivers.
//
// An RFC 3164 message (`<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG`) goes through the same default parsers on the plain
// TCP listeners (both framings); what they report for it is noted at each field and pinned by rfc3164_test.go.
type Parsed struct {
	Receiver string // ReceiverRsyslog or ReceiverSyslogNG
	Pri      string // "165"
	// Version is "1" (rsyslog, RFC 5424) or "0" (rsyslog, a message it parsed as RFC 3164 or could not parse as RFC
	// 5424); syslog-ng has no macro for it and reports "".
	Version string
	// Timestamp: RFC 5424: rsyslog as sent; syslog-ng with 6 fractional digits and "+00:00" for "Z"; the receive
	// time for "-".
	//
	// RFC 3164 (no year, no zone; a fraction such as ".123" is kept by both): the receiver's local zone (the TZ of
	// its process, RsyslogOptions.TimeZone, SyslogNGOptions.TimeZone) supplies what the stamp lacks.
	//   - rsyslog 8.2302 fills in the year and the UTC offset of the receive time, with no guess across New Year
	//     ("Dec 31 23:59:59" received on Jan 1 is dated in the new year, almost a year ahead; "Jan  1" received
	//     in December stays in the current year) and the offset in force at receipt, not at the stamp's date (in a
	//     zone with daylight saving time, "Aug  7 12:00:00" received in December gets the winter offset).
	//   - syslog-ng 3.38 takes the year of the receive time, except that a January stamp received in December goes
	//     to the next year and a December stamp received in January to the previous one, and the offset in force
	//     at the stamp's date.
	Timestamp string
	// Hostname: rsyslog keeps "-"; syslog-ng replaces "-" by the sender's IP address. RFC 3164: both take the word
	// after the TIMESTAMP, unless it ends with ':' (then it is the TAG and the sender's IP address is reported);
	// rsyslog does not take an IPv6 address ("2001:db8::1": HOSTNAME is the sender's IP address, APP-NAME "2001",
	// and the rest lands in MSG), syslog-ng does.
	Hostname string
	// App: rsyslog keeps "-"; syslog-ng reports "" for "-" (likewise ProcID, MsgID, SD). RFC 3164: the TAG without
	// its "[pid]" and colon. Without a TAG both take the first word of the message up to a space or ':' as the TAG,
	// so a message "CEF:0|..." or `{"k":...}` right after the HOSTNAME loses its start to APP-NAME in both.
	// rsyslog ends APP-NAME at a '/' ("postfix/smtpd[1]:" gives "postfix"), syslog-ng keeps it.
	App string
	// ProcID: RFC 3164: the "[pid]" of the TAG; none: rsyslog "-", syslog-ng ""; "app[]:" gives "" in both; an
	// unclosed "app[12:" gives rsyslog "-" and syslog-ng "12".
	ProcID string
	MsgID  string // RFC 3164: rsyslog "-", syslog-ng ""
	SD     string // structured data as on the wire, escapes included; RFC 3164: rsyslog "-", syslog-ng ""
	// Msg: rsyslog keeps a leading UTF-8 BOM, syslog-ng strips it (RFC 5424 only). RFC 3164: rsyslog keeps the
	// space after the TAG's colon (" hello"), syslog-ng removes one space.
	Msg   string
	Raw   string // the message without framing (syslog-ng: flags(store-raw-message))
	Input string // listener the message arrived on: ListenerTCP, ListenerLF, ListenerTLS, ...
	// SDParams are the SD parameters with unescaped values, keyed "SD-ID.PARAM-NAME"; reported by syslog-ng only
	// (nil for rsyslog: parse SD with ParseSD instead).
	SDParams map[string]string
}

// Fields are the RFC 5424 fields of a message in a receiver-independent form: see Parsed.Fields.
type Fields struct {
	Pri       string
	Timestamp string // UTC, time.RFC3339Nano (trailing zeros trimmed); the reported text when unparseable
	Hostname  string
	App       string
	ProcID    string
	MsgID     string
	SD        string
	Msg       string
}

// Fields returns the normalised fields: the timestamp as the same instant in UTC with RFC3339Nano layout, the
// NILVALUE "-" as "" for HOSTNAME, APP-NAME, PROCID, MSGID and SD, a leading UTF-8 BOM removed from MSG, and for a
// message rsyslog parsed as RFC 3164 (VERSION 0) one leading space removed from MSG (syslog-ng removes it itself).
// What cannot be normalised: syslog-ng reports the sender IP for a NILVALUE HOSTNAME, and both receivers put the
// receive time for a NILVALUE TIMESTAMP.
func (p Parsed) Fields() Fields {
	msg := p.Msg
	if p.Receiver == ReceiverRsyslog && p.Version == "0" {
		msg = strings.TrimPrefix(msg, " ")
	}
	return Fields{
		Pri:       p.Pri,
		Timestamp: NormalizeTimestamp(p.Timestamp),
		Hostname:  nilToEmpty(p.Hostname),
		App:       nilToEmpty(p.App),
		ProcID:    nilToEmpty(p.ProcID),
		MsgID:     nilToEmpty(p.MsgID),
		SD:        nilToEmpty(p.SD),
		Msg:       strings.TrimPrefix(msg, "\uFEFF"),
	}
}

// Time parses the reported timestamp.
func (p Parsed) Time() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, p.Timestamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse timestamp %q: %w", p.Timestamp, err)
	}
	return t, nil
}

// NormalizeTimestamp maps an RFC 3339 timestamp to the same instant in UTC formatted with time.RFC3339Nano, so
// "2003-10-11T22:14:15.003Z" (rsyslog) and "2003-10-11T22:14:15.003000+00:00" (syslog-ng) compare equal. Text
// that does not parse is returned unchanged.
func NormalizeTimestamp(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func nilToEmpty(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// decodeLine decodes one JSON output line of either receiver. rsyslog names the listener "input", syslog-ng
// "source" (with the "s_" prefix of the source name); syslog-ng's "sdparams" is a JSON document in a string.
func decodeLine(receiver string, line []byte) (Parsed, error) {
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		return Parsed{}, fmt.Errorf("decode %s output line %q: %w", receiver, truncate(string(line), 200), err)
	}
	str := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case nil:
			return ""
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	p := Parsed{
		Receiver:  receiver,
		Pri:       str("pri"),
		Version:   str("version"),
		Timestamp: str("timestamp"),
		Hostname:  str("hostname"),
		App:       str("app"),
		ProcID:    str("procid"),
		MsgID:     str("msgid"),
		SD:        str("sd"),
		Msg:       str("msg"),
		Raw:       str("raw"),
		Input:     str("input"),
	}
	if p.Input == "" {
		p.Input = strings.TrimPrefix(str("source"), "s_")
	}
	if sp := str("sdparams"); sp != "" {
		var tree map[string]any
		if err := json.Unmarshal([]byte(sp), &tree); err != nil {
			return Parsed{}, fmt.Errorf("decode sdparams %q: %w", truncate(sp, 200), err)
		}
		p.SDParams = map[string]string{}
		// format-json nests on dots: {"_SDATA":{"id@1":{"name":"value"}}}.
		if sd, ok := tree["_SDATA"].(map[string]any); ok {
			flatten(p.SDParams, "", sd)
		}
	}
	return p, nil
}

func flatten(dst map[string]string, prefix string, v map[string]any) {
	for k, x := range v {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch x := x.(type) {
		case map[string]any:
			flatten(dst, key, x)
		case string:
			dst[key] = x
		default:
			b, _ := json.Marshal(x)
			dst[key] = string(b)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// SDParamMap flattens structured data to "SD-ID.PARAM-NAME" → value, the form of Parsed.SDParams. A repeated
// parameter keeps its last value (as syslog-ng does).
func SDParamMap(elems []SDElement) map[string]string {
	m := map[string]string{}
	for _, e := range elems {
		for _, p := range e.Params {
			m[e.ID+"."+p.Name] = p.Value
		}
	}
	return m
}
