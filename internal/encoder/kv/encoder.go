package kv

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/record"
)

// Header field limits from RFC 5424 §6.2.4-§6.2.7.
const (
	maxHostname = 255
	maxAppName  = 48
	maxProcID   = 128
	maxMsgID    = 32
)

// DefaultSeparator is the pair separator of the Python SDK's syslog sample.
const DefaultSeparator = "||"

// minMaxMessageBytes is the smallest MaxMessageBytes accepted: every receiver must take 480 octets (RFC 5424 §6.1).
const minMaxMessageBytes = 480

// minMsgRoom is the room for MSG that MaxMessageBytes must leave after the longest header and the structured data.
const minMsgRoom = 64

// Options configure an Encoder. The zero value of Facility and Severity is kern.emerg: callers set them.
type Options struct {
	Facility, Severity int // 0..23 and 0..7, see ParseFacility and ParseSeverity

	// Header fields: "" becomes the NILVALUE "-"; other values are sanitized to PRINTUSASCII (every other rune,
	// space included, becomes '_') and truncated to 255/48/128/32 bytes. Adjustments lists what was changed.
	Hostname, AppName, ProcID, MsgID string

	// StructuredData is emitted verbatim; "" or "-" is the NILVALUE. It must be valid RFC 5424 structured data:
	// [SD-ID PARAM="VALUE" ...] elements with registered (timeQuality, origin, meta) or name@<enterprise number>
	// SD-IDs, SD-NAMEs of 1..32 characters, '"', '\' and ']' escaped in values, and no control characters.
	StructuredData string

	// Separator precedes every key=value pair; "" means DefaultSeparator "||". 1..16 bytes of printable ASCII
	// (space included), without '\' or '=', not starting with a letter or digit.
	Separator string

	// MaxMessageBytes limits the SYSLOG-MSG (not the octet-count prefix or the LF). 0 means unlimited; otherwise
	// it must be at least 480 and leave 64 bytes for MSG after the header and structured data.
	MaxMessageBytes int

	Framing Framing
}

// Result tells the caller what AppendFrame had to change; the caller counts it.
type Result struct {
	Truncated bool // the payload was cut to fit MaxMessageBytes
	Sanitized bool // a key or value was escaped (control bytes, invalid UTF-8, '\', separator, '=' in keys)
}

// Encoder turns SLS logs into framed RFC 5424 messages. It is safe for concurrent use: after NewEncoder only a
// one-word date cache changes, atomically.
type Encoder struct {
	opts        Options
	head        []byte // "<PRI>1 "
	tail        []byte // " HOSTNAME APP-NAME PROCID MSGID SD " (SP before MSG included)
	sep         string
	keyTab      *byteTables
	day         atomic.Uint64 // appendTimestamp's cache of the last date
	constPlain  bool          // "__topic__", "__source__" and "__tag__:" need no escaping with this separator
	valTab      *byteTables
	nibbles     *nibbleTables // copyFieldsVector's tables of keyTab and valTab
	topicKey    string        // sep+"__topic__=", sep+"__source__=" and sep+"__tag__:", for appendPlainPairs
	sourceKey   string
	tagKey      string
	max         int // MaxMessageBytes, or math.MaxInt
	adjustments []string
}

// NewEncoder validates o and precomputes the constant parts of the header.
func NewEncoder(o Options) (*Encoder, error) {
	var errs []error
	if _, err := Priority(o.Facility, 0); err != nil {
		errs = append(errs, err)
	}
	if _, err := Priority(0, o.Severity); err != nil {
		errs = append(errs, err)
	}
	if o.Separator == "" {
		o.Separator = DefaultSeparator
	}
	if err := validateSeparator(o.Separator); err != nil {
		errs = append(errs, err)
	}
	if o.StructuredData == "" {
		o.StructuredData = "-"
	}
	if err := validateSD(o.StructuredData); err != nil {
		errs = append(errs, err)
	}
	switch o.Framing {
	case FramingOctet, FramingLF, FramingNone:
	default:
		errs = append(errs, fmt.Errorf("unknown framing %d", int(o.Framing)))
	}
	if o.MaxMessageBytes < 0 {
		errs = append(errs, fmt.Errorf("max message bytes %d is negative (0 means unlimited)", o.MaxMessageBytes))
	}

	e := &Encoder{sep: o.Separator}
	o.Hostname = e.headerField("hostname", o.Hostname, maxHostname)
	o.AppName = e.headerField("app name", o.AppName, maxAppName)
	o.ProcID = e.headerField("procid", o.ProcID, maxProcID)
	o.MsgID = e.headerField("msgid", o.MsgID, maxMsgID)

	pri, _ := Priority(o.Facility, o.Severity) // checked above; used only when errs is empty
	e.head = append(strconv.AppendInt([]byte{'<'}, int64(pri), 10), ">1 "...)
	e.tail = fmt.Appendf(nil, " %s %s %s %s %s ", o.Hostname, o.AppName, o.ProcID, o.MsgID, o.StructuredData)
	e.max = math.MaxInt
	if o.MaxMessageBytes > 0 {
		e.max = o.MaxMessageBytes
		fixed := len(e.head) + timestampLen + len(e.tail)
		if o.MaxMessageBytes < minMaxMessageBytes || o.MaxMessageBytes < fixed+minMsgRoom {
			errs = append(errs, fmt.Errorf("max message bytes %d is too small: need at least %d (480, and the %d-byte header and structured data plus %d bytes of message)",
				o.MaxMessageBytes, max(minMaxMessageBytes, fixed+minMsgRoom), fixed, minMsgRoom))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e.opts = o
	e.keyTab, e.valTab = newByteTables(o.Separator, true), newByteTables(o.Separator, false)
	e.nibbles = newNibbleTables(o.Separator[0])
	e.constPlain = !strings.ContainsAny("__topic____source____tag__:", o.Separator[:1])
	e.topicKey, e.sourceKey, e.tagKey = o.Separator+"__topic__=", o.Separator+"__source__=", o.Separator+"__tag__:"
	return e, nil
}

// Options returns the effective options: defaults applied, header fields sanitized.
func (e *Encoder) Options() Options { return e.opts }

// Adjustments describes the header fields NewEncoder had to sanitize or truncate, for a startup warning.
func (e *Encoder) Adjustments() []string { return slices.Clone(e.adjustments) }

// headerField applies the NILVALUE, PRINTUSASCII and length rules to one header field.
func (e *Encoder) headerField(what, s string, limit int) string {
	if s == "" {
		return "-"
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 33 || r > 126 {
			r = '_'
		}
		b = append(b, byte(r))
	}
	if len(b) > limit {
		b = b[:limit]
	}
	if string(b) != s {
		e.adjustments = append(e.adjustments, fmt.Sprintf("%s %q sent as %q (RFC 5424: 1..%d printable ASCII characters)", what, s, b, limit))
	}
	return string(b)
}

func validateSeparator(sep string) error {
	if len(sep) > 16 {
		return fmt.Errorf("separator %q is longer than 16 bytes", sep)
	}
	for i := 0; i < len(sep); i++ {
		c := sep[i]
		if c < 0x20 || c > 0x7e || c == '\\' || c == '=' {
			return fmt.Errorf("separator %q: only printable ASCII without '\\' and '=' is allowed", sep)
		}
	}
	if c := sep[0]; c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return fmt.Errorf("separator %q must not start with a letter or digit", sep)
	}
	return nil
}

// AppendFrame appends one framed message for log l of group g to dst and returns the extended slice. With a dst
// reused across calls (dst[:0]) it does not allocate once dst has grown to the largest frame.
func (e *Encoder) AppendFrame(dst []byte, g *record.Group, l *record.Log) (out []byte, r Result) {
	dst, start, limit := e.beginFrame(dst, l)
	dst = e.appendPairs(dst, g, l, 0, limit, &r)
	return e.endFrame(dst, start), r
}

// beginFrame appends the framing's room and the header up to MSG for log l. It returns dst, the frame's start and
// the limit MSG must end below (an index into dst).
func (e *Encoder) beginFrame(dst []byte, l *record.Log) (out []byte, start, limit int) {
	start = len(dst)
	if e.opts.Framing == FramingOctet {
		dst = append(dst, "000 "...)
	}
	msgStart := len(dst)
	dst = append(dst, e.head...)
	dst = appendTimestamp(dst, l.Time, l.TimeNs, &e.day)
	dst = append(dst, e.tail...)
	limit = e.max
	if limit != math.MaxInt {
		limit += msgStart
	}
	return dst, start, limit
}

// endFrame completes the frame that begins at dst[start] (octet count or LF).
func (e *Encoder) endFrame(dst []byte, start int) []byte {
	switch e.opts.Framing {
	case FramingOctet:
		dst = finishOctet(dst, start)
	case FramingLF:
		dst = append(dst, '\n')
	}
	return dst
}

// appendPairs appends the pairs of g and l from pair p on (0 is the topic, 1 the source, then the tags, then the
// contents) below limit, and sets r.Truncated when they did not all fit.
func (e *Encoder) appendPairs(dst []byte, g *record.Group, l *record.Log, p, limit int, r *Result) []byte {
	if e.constPlain {
		var c int
		switch p {
		case 0:
			dst, c = e.appendPlainPairs(dst, g, l, limit)
		case 2 + len(g.Tags):
			dst, c = e.appendPlainContents(dst, l, limit)
		}
		p += c
	}
	ok := true
	for n := 2 + len(g.Tags) + len(l.Contents); ok && p < n; p++ {
		switch t := p - 2; {
		case p == 0:
			dst, ok = e.appendPair(dst, "", "__topic__", true, g.Topic, limit, r)
		case p == 1:
			dst, ok = e.appendPair(dst, "", "__source__", true, g.Source, limit, r)
		case t < len(g.Tags):
			dst, ok = e.appendPair(dst, "__tag__:", g.Tags[t].Key, false, g.Tags[t].Value, limit, r)
		default:
			c := &l.Contents[t-len(g.Tags)]
			dst, ok = e.appendPair(dst, "", c.Key, false, c.Value, limit, r)
		}
	}
	r.Truncated = !ok
	return dst
}

// appendPair appends the separator, the key prefix+key and '=' and the value, escaped. prefix is a constant
// ("" or "__tag__:"), and so is key when keyConst. When the pair does not fit below limit it keeps what fits of the
// value, or removes the whole pair when even the key does not fit, and returns false.
func (e *Encoder) appendPair(dst []byte, prefix, key string, keyConst bool, value string, limit int, r *Result) ([]byte, bool) {
	if n := len(e.sep) + len(prefix) + len(key) + 1 + len(value); len(dst)+n <= limit {
		var ok bool
		if dst, ok = e.appendPlainPair(dst, n, prefix, key, keyConst, value); ok {
			return dst, true
		}
	}
	pairStart := len(dst)
	if len(dst)+len(e.sep) > limit {
		return dst, false
	}
	dst = append(dst, e.sep...)
	var ok bool
	if prefix != "" {
		if dst, ok = e.appendEscaped(dst, prefix, key, e.keyTab, limit, r); !ok {
			return dst[:pairStart], false
		}
	}
	if dst, ok = e.appendEscaped(dst, key, "", e.keyTab, limit, r); !ok {
		return dst[:pairStart], false
	}
	if len(dst)+1 > limit {
		return dst[:pairStart], false
	}
	dst = append(dst, '=')
	return e.appendEscaped(dst, value, e.sep, e.valTab, limit, r)
}

// appendPlainPairs is AppendFrame's fast path for the usual record that needs no escaping and fits below limit:
// it grows dst once for the group's pairs (topic, source, tags) and copies keys and values with copyWords (the
// tags with copyFields), which check them as they copy (whether they are valid UTF-8 is checked once, at the end),
// then does the same for the contents with appendPlainContents. It returns dst with the leading pairs that needed
// no escaping and their number; appendPair writes the rest, from the first pair that needs escaping on, exactly as
// if it had written every pair. Only for an Encoder whose constant keys need no escaping (constPlain).
func (e *Encoder) appendPlainPairs(dst []byte, g *record.Group, l *record.Log, limit int) ([]byte, int) {
	n := len(e.topicKey) + len(g.Topic) + len(e.sourceKey) + len(g.Source) + fieldsLen(e.tagKey, g.Tags)
	start := len(dst)
	if n > limit-start {
		return dst, 0
	}
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	sepWord := e.keyTab.sepWord
	var all uint64 // OR of all words copied: non-ASCII when all&highs != 0
	pairs := 0     // pairs in buf[:k]
	k := 0         // end of the pairs written
	kk := copy(buf, e.topicKey)
	p, a := copyWords(buf[kk:], g.Topic, sepWord, sepWord)
	if p&highs == highs {
		all |= a
		k = kk + len(g.Topic)
		pairs++
		kk = k + copy(buf[k:], e.sourceKey)
		p, a = copyWords(buf[kk:], g.Source, sepWord, sepWord)
		if p&highs == highs {
			all |= a
			k = kk + len(g.Source)
			pairs++
		}
	}
	if pairs == 2 {
		kt, c, a := e.copyFields(buf[k:], e.tagKey, g.Tags)
		k += kt
		pairs += c
		all |= a
	}
	if all&highs != 0 && !utf8.Valid(buf[:k]) {
		// The pairs are valid UTF-8 iff each key and value is: the ASCII bytes around them end any sequence.
		return dst[:start], 0
	}
	dst = dst[:start+k]
	if pairs < 2+len(g.Tags) {
		return dst, pairs
	}
	dst, c := e.appendPlainContents(dst, l, limit)
	return dst, pairs + c
}

// appendPlainContents is appendPlainPairs for the contents of l alone; it returns dst with the leading contents
// that needed no escaping and their number.
func (e *Encoder) appendPlainContents(dst []byte, l *record.Log, limit int) ([]byte, int) {
	n := fieldsLen(e.sep, l.Contents)
	start := len(dst)
	if n > limit-start {
		return dst, 0
	}
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	k, pairs, all := e.copyFields(buf, e.sep, l.Contents)
	if all&highs != 0 && !utf8.Valid(buf[:k]) {
		return dst[:start], 0
	}
	return dst[:start+k], pairs
}

// fieldsLen is the length of fields written as prefix+key+"="+value each.
func fieldsLen(prefix string, fields []record.Field) int {
	n := 0
	for i := range fields {
		n += len(prefix) + len(fields[i].Key) + 1 + len(fields[i].Value)
	}
	return n
}

// copyFields writes fields into buf (len(buf) >= fieldsLen) as prefix+key+"="+value each, until one needs
// escaping. It returns the end of the fields that did not, their number, and a word whose highs bits are set when
// one of them has a non-ASCII byte (the caller checks UTF-8). It uses copyFieldsVector where the CPU has it, and
// copyFieldsWords elsewhere; both write the same bytes and return the same k, pairs and all&highs.
func (e *Encoder) copyFields(buf []byte, prefix string, fields []record.Field) (k, pairs int, all uint64) {
	if vectorFields && len(prefix) <= 32 && len(buf) > 0 {
		return copyFieldsVector(&buf[0], len(buf), prefix, fields, e.nibbles)
	}
	return copyFieldsWords(buf, prefix, fields, e.keyTab.sepWord, e.keyTab.eqWord)
}

// copyFieldsWords is copyFields with copyWords, eight bytes at a time; all is the OR of the words copied.
func copyFieldsWords(buf []byte, prefix string, fields []record.Field, sepWord, eqWord uint64) (k, pairs int, all uint64) {
	for i := range fields {
		f := &fields[i]
		kk := k
		if len(prefix) == 2 { // the default separator "||": two stores instead of a copy call
			buf[kk], buf[kk+1] = prefix[0], prefix[1]
			kk += 2
		} else {
			kk += copy(buf[kk:], prefix)
		}
		pk, ak := copyWords(buf[kk:], f.Key, sepWord, eqWord)
		kk += len(f.Key)
		buf[kk] = '='
		kk++
		pv, av := copyWords(buf[kk:], f.Value, sepWord, sepWord)
		if pk&pv&highs != highs {
			break
		}
		all |= ak | av
		k = kk + len(f.Value)
		pairs++
	}
	return k, pairs, all
}

// appendPlainPair is the fast path of appendPair: a pair of n bytes that needs no escaping is written with one
// capacity check and plain copies. It returns false, with len(dst) unchanged, when something needs escaping.
func (e *Encoder) appendPlainPair(dst []byte, n int, prefix, key string, keyConst bool, value string) ([]byte, bool) {
	start := len(dst)
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	k := len(e.sep)
	if k == 2 { // the default "||"
		buf[0], buf[1] = e.sep[0], e.sep[1]
	} else {
		copy(buf, e.sep)
	}
	if prefix != "" {
		if !e.constPlain {
			return dst, false
		}
		k += copy(buf[k:], prefix)
	}
	if keyConst && e.constPlain {
		k += copy(buf[k:], key)
	} else {
		if !copyPlain(buf[k:], key, e.keyTab) {
			return dst, false
		}
		k += len(key)
	}
	buf[k] = '='
	if !copyPlain(buf[k+1:], value, e.valTab) {
		return dst, false
	}
	return dst[:start+n], true
}
