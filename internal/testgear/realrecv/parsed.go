package realrecv

import (
	"bytes"
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
	// JSON is MSG as the receiver's JSON parser read it: rsyslog mmjsonparse or syslog-ng json-parser() (option
	// ParseJSON); nil without the option.
	JSON *JSONBody
	// CEF is MSG as liblognorm's CEF parser read it, in rsyslog's mmnormalize (RsyslogOptions.ParseCEF); nil
	// without the option.
	CEF *CEFEvent
}

// JSONBody is a message body as a receiver's JSON parser reported it. The tests in json_test.go pin every quirk
// below (docs/receivers.md lists them too).
//
// rsyslog 8.2302, mmjsonparse with cookie="" (libfastjson 1.2304): Tree is the parsed object with its JSON types
// (string, json.Number with the number's text as rsyslog wrote it, bool, nil, []any, map[string]any); a dot in a
// key is an ordinary character; Keys are the top-level keys in message order. MSG must be exactly one JSON object,
// white space around it allowed: a BOM before it, text after it, a top-level array, string or number fail, and
// Tree is then mmjsonparse's {"msg": MSG without its leading white space}. Quirks: a repeated key keeps its last
// value at the place of its first; an integer beyond the int64 range becomes 9223372036854775807; -0 becomes 0; a
// string ends at an escaped NUL (\u0000).
//
// syslog-ng 3.38, json-parser(prefix("json.")) (json-c 0.16), read back with $(format-json --key json.*): Tree
// holds strings only. json-parser stores each leaf as a name-value pair named by its path joined with dots and
// format-json nests the names again at each dot, so {"a.b":"1"} and {"a":{"b":"1"}} come back alike, as
// {"a":{"b":"1"}}, and "a" next to "a.b" comes back as {"a":{"a":..., "b":...}}. Numbers: integers in decimal
// (beyond int64: 9223372036854775807), other numbers in printf's %f (1.5e3 gives "1500.000000", 1e-7
// "0.000000"); true and false as text; null as "". An array of scalars becomes syslog-ng's comma-separated list
// text (["x,y","z"] gives "x,y,z": not reversible), an array holding arrays or objects its compact JSON text, an
// empty array "", an empty object nothing. A string ends at an escaped NUL. A repeated key: the last value wins.
// The empty key comes back as "json". Text after the first object is ignored, a top-level array is accepted and
// gives an empty Tree; a top-level string or number fails, and so does a BOM in an RFC 3164 MSG (syslog-ng
// removes the BOM only from an RFC 5424 MSG). Keys follow format-json's output, not the message.
type JSONBody struct {
	OK   bool           // the parser accepted MSG (rsyslog: $parsesuccess "OK"; syslog-ng: json-parser() did not fail)
	Tree map[string]any // what the parser stored, decoded with json.Number for numbers; see above
	Keys []string       // the top-level keys of Tree in the order the receiver wrote them
}

// CEFEvent is a CEF message as liblognorm 2.0.6's "cef" parser reported it (rsyslog mmnormalize with the rule base
// "version=2", "rule=:%cef:cef%" and, for the space rsyslog keeps after an RFC 3164 TAG, "rule=: %cef:cef%").
// Header fields and extension values come back unescaped; liblognorm names the Device Event Class ID
// "SignatureID" and does not report the CEF version.
//
// liblognorm 2.0.6 deviates from the CEF standard (docs/siem-parsers.md; pinned by cef_test.go): the character
// after the Severity's '|' is skipped, so the first key loses its first character ("src=..." gives "rc") unless
// the extension starts with a space; the final value keeps its trailing spaces; an empty final value ("... act=")
// fails the message; CEF:1 fails; a repeated key keeps its last value at the place of its first; a key may hold
// letters, digits, '_' and '.' (and may be empty); a header escape other than \| and \\, an extension escape
// other than \\ \= \n \r, or an unescaped '=' in a value fails, and so does a header whose fields are all
// empty (one to three empty fields passed).
type CEFEvent struct {
	OK bool // a rule matched; otherwise only Unparsed is set
	// The header fields, unescaped.
	DeviceVendor  string
	DeviceProduct string
	DeviceVersion string
	SignatureID   string // the Device Event Class ID
	Name          string
	Severity      string
	Extensions    []CEFPair // in the order liblognorm wrote them
	Unparsed      string    // what liblognorm could not parse, when !OK
}

// CEFPair is one CEF extension pair, the value unescaped.
type CEFPair struct {
	Key, Value string
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
	// The body parsers' members exist only with the options (ParseJSON, ParseCEF).
	if _, ok := m["json"]; ok {
		var err error
		if receiver == ReceiverRsyslog {
			p.JSON, err = decodeJSONBody(str("json"), "", str("jsonok") == "OK")
		} else {
			p.JSON, err = decodeJSONBody(str("json"), "json", str("jsonfail") == "")
		}
		if err != nil {
			return Parsed{}, err
		}
	}
	if _, ok := m["cef"]; ok {
		var err error
		if p.CEF, err = decodeCEF(str("cef"), str("cefok") == "OK"); err != nil {
			return Parsed{}, err
		}
	}
	return p, nil
}

// decodeJSONBody decodes the JSON parser's output: rsyslog's $!json container is the tree itself (member ""),
// syslog-ng's $(format-json --key json.*) holds it under "json" (absent when nothing was stored).
func decodeJSONBody(text, member string, ok bool) (*JSONBody, error) {
	raw := json.RawMessage(text)
	if member != "" {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(raw, &top); err != nil {
			return nil, fmt.Errorf("decode json body %q: %w", truncate(text, 200), err)
		}
		raw = top[member]
		if raw == nil {
			raw = json.RawMessage("{}")
		}
	}
	b := &JSONBody{OK: ok}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&b.Tree); err != nil {
		return nil, fmt.Errorf("decode json body %q: %w", truncate(text, 200), err)
	}
	var err error
	if b.Keys, err = objectKeys(raw); err != nil {
		return nil, fmt.Errorf("decode json body %q: %w", truncate(text, 200), err)
	}
	return b, nil
}

// objectKeys returns the keys of a JSON object in their order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object (%v)", err)
	}
	var keys []string
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string)) // an object's tokens alternate: key (always a string), value
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// decodeCEF decodes mmnormalize's $!cef: {"cef": {header fields, "Extensions": {...}}} when the rule matched,
// {"originalmsg": ..., "unparsed-data": ...} when not.
func decodeCEF(text string, ok bool) (*CEFEvent, error) {
	var top struct {
		CEF *struct {
			CEFEvent
			Extensions json.RawMessage
		} `json:"cef"`
		Unparsed string `json:"unparsed-data"`
	}
	if err := json.Unmarshal([]byte(text), &top); err != nil {
		return nil, fmt.Errorf("decode cef %q: %w", truncate(text, 200), err)
	}
	if ok != (top.CEF != nil) {
		return nil, fmt.Errorf("decode cef %q: $parsesuccess says %v", truncate(text, 200), ok)
	}
	if !ok {
		return &CEFEvent{Unparsed: top.Unparsed}, nil
	}
	c := top.CEF
	e := c.CEFEvent // the header fields (liblognorm's names are the field names)
	e.OK = true
	keys, err := objectKeys(c.Extensions)
	if err != nil {
		return nil, fmt.Errorf("decode cef extensions %q: %w", truncate(string(c.Extensions), 200), err)
	}
	var values map[string]string
	if err := json.Unmarshal(c.Extensions, &values); err != nil {
		return nil, fmt.Errorf("decode cef extensions %q: %w", truncate(string(c.Extensions), 200), err)
	}
	for _, k := range keys {
		e.Extensions = append(e.Extensions, CEFPair{Key: k, Value: values[k]})
	}
	return &e, nil
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
