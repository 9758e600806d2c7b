package hecemu

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// The body of an event request is a stream of JSON objects, one per event, separated by optional whitespace. The
// scanner below finds the members of each object in one pass without copying: the ledger's json.RawMessage values
// are slices of the body. It accepts exactly what encoding/json accepts (FuzzParse checks it against a Decoder).

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// members are the raw values of the members of one event object that HEC knows; nil when absent. Other members are
// ignored.
type members struct {
	event, time, host, source, sourcetype, index, fields []byte
}

// set records one member; quotedKey is the key with its quotes, esc whether it contains escapes.
func (m *members) set(quotedKey []byte, esc bool, val []byte) {
	key := quotedKey[1 : len(quotedKey)-1]
	if esc {
		var k string
		if json.Unmarshal(quotedKey, &k) != nil {
			return
		}
		key = []byte(k)
	}
	switch string(key) {
	case "event":
		m.event = val
	case "time":
		m.time = val
	case "host":
		m.host = val
	case "source":
		m.source = val
	case "sourcetype":
		m.sourcetype = val
	case "index":
		m.index = val
	case "fields":
		m.fields = val
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanString scans the string starting at b[i] == '"' and returns the index after its closing quote and whether it
// contains escapes.
func scanString(b []byte, i int) (end int, esc, ok bool) {
	i++
	for i < len(b) {
		i = skipPlain(b, i)
		if i == len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, esc, true
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				return 0, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		default:
			i++
		}
	}
	return 0, false, false
}

// skipPlain returns the index of the first byte at or after i that does not stand for itself inside a JSON
// string (a quote, a backslash or a control byte), or len(b). It looks at eight bytes at a time: the events of a
// throughput run are long strings, and a byte at a time made the emulator the run's bottleneck.
func skipPlain(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	return i
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specialBytes sets the high bit of the lowest byte of x that is '"', '\\' or below 0x20 (bytes above it may be
// marked falsely by the borrow; only the lowest mark is used).
func specialBytes(x uint64) uint64 {
	q := x ^ (lsb * '"')
	bs := x ^ (lsb * '\\')
	return ((q-lsb)&^q | (bs-lsb)&^bs | (x-lsb*0x20)&^x) & msb
}

// plainByte marks the bytes that stand for themselves inside a JSON string.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func scanDigits(b []byte, i int) (int, bool) {
	start := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i, i > start
}

// scanNumber scans the JSON number starting at b[i].
func scanNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, false
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		i, _ = scanDigits(b, i)
	default:
		return 0, false
	}
	var ok bool
	if i < len(b) && b[i] == '.' {
		if i, ok = scanDigits(b, i+1); !ok {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i, ok = scanDigits(b, i); !ok {
			return 0, false
		}
	}
	return i, true
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// skipValue scans the JSON value starting at b[i] (not whitespace) inside depth open containers.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		end, _, ok := scanString(b, i)
		return end, ok
	case c == '{':
		return skipObject(b, i, depth+1, nil)
	case c == '[':
		return skipArray(b, i, depth+1)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	case c == '-' || isDigit(c):
		return scanNumber(b, i)
	}
	return 0, false
}

// skipObject scans the object starting at b[i] == '{' that is the depth-th open container, recording its members
// in m when m is not nil.
func skipObject(b []byte, i, depth int, m *members) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		ks := i
		ke, esc, ok := scanString(b, i)
		if !ok {
			return 0, false
		}
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		vs := skipSpace(b, i+1)
		if i, ok = skipValue(b, vs, depth); !ok {
			return 0, false
		}
		if m != nil {
			m.set(b[ks:ke], esc, b[vs:i])
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

func skipArray(b []byte, i, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = skipValue(b, i, depth); !ok {
			return 0, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// requestMeta is what every event of one request shares.
type requestMeta struct {
	tok     *tokenState
	token   string
	channel string
	request int64
	// Defaults from the query string (host, source, sourcetype, index), "" when absent.
	host, source, sourcetype, index string
}

// eventParser turns the body of one request into events.
type eventParser struct {
	meta  requestMeta
	cache [4]strCache // host, source, sourcetype, index: consecutive events usually repeat them
}

type strCache struct {
	raw []byte
	s   string
}

const (
	slotHost = iota
	slotSource
	slotSourcetype
	slotIndex
)

// parse appends the events of body to dst. On a bad event it returns the events before it, the HEC code and the
// 0-based number of the bad event; code is CodeSuccess when every event is good.
func (p *eventParser) parse(body []byte, dst []Event) (evs []Event, code, bad int) {
	evs, _, code, bad = p.walk(body, dst, true)
	return evs, code, bad
}

// count checks the events of body exactly as parse does but keeps none of them (count-only mode, where the
// ledger is a number): n is the number of good events before the first bad one.
func (p *eventParser) count(body []byte) (n, code, bad int) {
	var scratch [1]Event
	_, n, code, bad = p.walk(body, scratch[:0], false)
	return n, code, bad
}

// walk builds the events of body one after the other; with keep each is appended to dst, without it every event
// is built in dst's first slot, so that nothing is allocated per event.
func (p *eventParser) walk(body []byte, dst []Event, keep bool) (evs []Event, good, code, bad int) {
	i := skipSpace(body, 0)
	if i == len(body) {
		return dst, 0, CodeNoData, -1
	}
	n := 0
	for ; i < len(body); n++ {
		var m members
		if body[i] != '{' {
			return dst, n, CodeInvalidDataFormat, n
		}
		end, ok := skipObject(body, i, 1, &m)
		if !ok {
			return dst, n, CodeInvalidDataFormat, n
		}
		if !keep {
			dst = dst[:0]
		}
		dst = append(dst, Event{})
		if code := p.build(&m, &dst[len(dst)-1], keep); code != CodeSuccess {
			return dst[:len(dst)-1], n, code, n
		}
		i = skipSpace(body, end)
	}
	return dst, n, CodeSuccess, -1
}

func isNull(raw []byte) bool { return len(raw) == 4 && string(raw) == "null" }

// build checks one event's members and fills ev; it returns the HEC code of the first problem, or CodeSuccess.
// The checks run in this order: event, time, host/source/sourcetype/index types, index allow-list, fields.
func (p *eventParser) build(m *members, ev *Event, keep bool) int {
	if m.event == nil || isNull(m.event) {
		return CodeEventRequired
	}
	if len(m.event) == 2 && m.event[0] == '"' {
		return CodeEventBlank
	}
	*ev = Event{Token: p.meta.token, Channel: p.meta.channel, Request: p.meta.request, AckID: -1, Event: m.event}
	if m.time != nil && !isNull(m.time) {
		if code := parseTime(m.time, ev, keep); code != CodeSuccess {
			return code
		}
	}
	var ok bool
	if ev.Host, ok = p.str(slotHost, m.host, p.meta.host); !ok {
		return CodeInvalidDataFormat
	}
	if ev.Source, ok = p.str(slotSource, m.source, p.meta.source); !ok {
		return CodeInvalidDataFormat
	}
	if ev.Sourcetype, ok = p.str(slotSourcetype, m.sourcetype, p.meta.sourcetype); !ok {
		return CodeInvalidDataFormat
	}
	if ev.Index, ok = p.str(slotIndex, m.index, p.meta.index); !ok {
		return CodeInvalidDataFormat
	}
	if ev.Index == "" {
		ev.Index = p.meta.tok.DefaultIndex
	} else if !p.meta.tok.indexAllowed(ev.Index) {
		return CodeIncorrectIndex
	}
	if m.fields != nil && !isNull(m.fields) {
		fields, code := parseFields(m.fields)
		if code != CodeSuccess {
			return code
		}
		ev.Fields = fields
	}
	return CodeSuccess
}

// str returns the string value of a metadata member, def when it is absent or null; ok is false when it is not a
// string.
func (p *eventParser) str(slot int, raw []byte, def string) (string, bool) {
	if raw == nil || isNull(raw) {
		return def, true
	}
	if raw[0] != '"' {
		return "", false
	}
	c := &p.cache[slot]
	if c.raw != nil && bytes.Equal(c.raw, raw) {
		return c.s, true
	}
	s, ok := unquote(raw)
	if !ok {
		return "", false
	}
	c.raw, c.s = raw, s
	return s, true
}

// unquote decodes a scanned JSON string as encoding/json does (invalid UTF-8 becomes U+FFFD).
func unquote(raw []byte) (string, bool) {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// parseTime reads "time": epoch seconds as a JSON number or a string of decimal digits with an optional fraction.
// A number in exponent notation is refused with code 15, as Splunk was seen to do; anything else not a number with
// code 6.
func parseTime(raw []byte, ev *Event, keep bool) int {
	var text string
	switch c := raw[0]; {
	case c == '-' || isDigit(c):
		for _, c := range raw {
			if c == 'e' || c == 'E' {
				return CodeIndexedFields
			}
		}
		if !keep { // the float alone, without a string that outlives the call
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil {
				return CodeInvalidDataFormat
			}
			ev.Time, ev.HasTime = f, true
			return CodeSuccess
		}
		text = string(raw)
	case c == '"':
		s, ok := unquote(raw)
		if !ok || !isDecimal(s) {
			return CodeInvalidDataFormat
		}
		text = s
	default:
		return CodeInvalidDataFormat
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return CodeInvalidDataFormat
	}
	ev.Time, ev.TimeText, ev.HasTime = f, text, true
	return CodeSuccess
}

// isDecimal reports whether s is -?digits(.digits)?.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// parseFields reads "fields": an object whose values are strings, numbers, booleans, null or flat arrays of
// those. A value that is an object or an array holding an array or object is refused with code 15 (Splunk:
// "Error in handling indexed fields"); fields that are not an object with code 6.
func parseFields(raw []byte) (map[string]json.RawMessage, int) {
	if raw[0] != '{' {
		return nil, CodeInvalidDataFormat
	}
	out := map[string]json.RawMessage{}
	b := raw
	i := skipSpace(b, 1)
	if b[i] == '}' {
		return out, CodeSuccess
	}
	for {
		// raw was scanned already, so it is well-formed.
		ke, _, _ := scanString(b, i)
		key, _ := unquote(b[i:ke])
		vs := skipSpace(b, skipSpace(b, ke)+1)
		ve, _ := skipValue(b, vs, 1)
		val := b[vs:ve]
		switch val[0] {
		case '{':
			return nil, CodeIndexedFields
		case '[':
			if nestedArray(val) {
				return nil, CodeIndexedFields
			}
		}
		out[key] = val
		i = skipSpace(b, ve)
		if b[i] == '}' {
			return out, CodeSuccess
		}
		i = skipSpace(b, i+1) // ','
	}
}

// nestedArray reports whether the well-formed array val holds an array or an object.
func nestedArray(val []byte) bool {
	i := skipSpace(val, 1)
	if val[i] == ']' {
		return false
	}
	for {
		if val[i] == '[' || val[i] == '{' {
			return true
		}
		e, _ := skipValue(val, i, 1)
		i = skipSpace(val, e)
		if val[i] == ']' {
			return false
		}
		i = skipSpace(val, i+1)
	}
}
