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
type Parsed struct {
	Receiver  string // ReceiverRsyslog or ReceiverSyslogNG
	Pri       string // "165"
	Version   string // "1" (rsyslog); syslog-ng has no macro for it and reports ""
	Timestamp string // rsyslog: as sent; syslog-ng: 6 fractional digits, "+00:00" for "Z"; receive time for "-"
	Hostname  string // rsyslog keeps "-"; syslog-ng replaces "-" by the sender's IP address
	App       string // rsyslog keeps "-"; syslog-ng reports "" for "-" (likewise ProcID, MsgID, SD)
	ProcID    string
	MsgID     string
	SD        string // structured data as on the wire, escapes included
	Msg       string // rsyslog keeps a leading UTF-8 BOM, syslog-ng strips it
	Raw       string // the message without framing (syslog-ng: flags(store-raw-message))
	Input     string // listener the message arrived on: ListenerTCP, ListenerLF, ListenerTLS, ...
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
// NILVALUE "-" as "" for HOSTNAME, APP-NAME, PROCID, MSGID and SD, and a leading UTF-8 BOM removed from MSG.
// What cannot be normalised: syslog-ng reports the sender IP for a NILVALUE HOSTNAME, and both receivers put the
// receive time for a NILVALUE TIMESTAMP.
func (p Parsed) Fields() Fields {
	return Fields{
		Pri:       p.Pri,
		Timestamp: NormalizeTimestamp(p.Timestamp),
		Hostname:  nilToEmpty(p.Hostname),
		App:       nilToEmpty(p.App),
		ProcID:    nilToEmpty(p.ProcID),
		MsgID:     nilToEmpty(p.MsgID),
		SD:        nilToEmpty(p.SD),
		Msg:       strings.TrimPrefix(p.Msg, "\uFEFF"),
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
