package kv

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/encoder/internal/vector"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// DefaultSeparator is the pair separator of the Python SDK's syslog sample.
const DefaultSeparator = "||"

// Options configure an Encoder. The zero value of Facility and Severity is kern.emerg: callers set them.
type Options struct {
	Facility, Severity int // 0..23 and 0..7, see ParseFacility and ParseSeverity

	// Header fields: "" becomes the NILVALUE "-"; other values must be 1 to 255/48/128/32 printable US-ASCII
	// characters (header.ValidateHostname and the others).
	Hostname, AppName, ProcID, MsgID string

	// StructuredData is emitted verbatim; "" or "-" is the NILVALUE. It must be valid RFC 5424 structured data:
	// [SD-ID PARAM="VALUE" ...] elements with registered (timeQuality, origin, meta) or name@<enterprise number>
	// SD-IDs, SD-NAMEs of 1..32 characters, '"', '\' and ']' escaped in values, and no control characters.
	StructuredData string

	// Separator precedes every key=value pair; "" means DefaultSeparator "||". 1..16 bytes of printable ASCII
	// (space included), without '\' or '=', not starting with a letter or digit (ValidateSeparator).
	Separator string

	// MaxMessageBytes limits the SYSLOG-MSG (not the octet-count prefix or the LF). 0 means unlimited; otherwise
	// it must be at least 480 and leave 64 bytes for MSG after the header and structured data
	// (header.CheckMaxMessageBytes).
	MaxMessageBytes int

	// Framing is what the sink asked for (pipeline.Sink.Framing); every frame carries it.
	Framing message.Framing

	// Header is the syslog header's layout (RFC 5424 by default) and Location the time zone of RFC 3164
	// timestamps (nil: UTC).
	Header   header.Format
	Location *time.Location
}

// headerOptions are the options of the syslog header.
func (o Options) headerOptions() header.Options {
	return header.Options{Format: o.Header, Facility: o.Facility, Severity: o.Severity, Hostname: o.Hostname,
		AppName: o.AppName, ProcID: o.ProcID, MsgID: o.MsgID, StructuredData: o.StructuredData,
		MaxMessageBytes: o.MaxMessageBytes, Framing: o.Framing, Location: o.Location}
}

// Result tells the caller what AppendFrame had to change; the caller counts it.
type Result struct {
	Truncated bool // the payload was cut to fit MaxMessageBytes
	Sanitized bool // a key or value was escaped (control bytes, invalid UTF-8, '\', separator, '=' in keys)
}

// Encoder turns SLS logs into framed syslog messages with a ||key=value payload. It is safe for concurrent use:
// after NewEncoder only the header's one-word date cache changes, atomically.
type Encoder struct {
	opts       Options
	hdr        *header.Header
	sep        string
	keyTab     *byteTables
	constPlain bool // "__topic__", "__source__" and "__tag__:" need no escaping with this separator
	valTab     *byteTables
	pairs      *vector.Tables // vector.CopyPairs' tables of keyTab and valTab; nil: copyFieldsWords only
	topicKey   string         // sep+"__topic__=", sep+"__source__=" and sep+"__tag__:", for appendPlainPairs
	sourceKey  string
	tagKey     string
	max        int // MaxMessageBytes, or math.MaxInt
}

// NewEncoder validates o and precomputes the constant parts of the header. Every problem is reported at once.
func NewEncoder(o Options) (*Encoder, error) {
	var errs []error
	hdr, err := header.New(o.headerOptions())
	if err != nil {
		errs = append(errs, err)
	}
	if o.Separator == "" {
		o.Separator = DefaultSeparator
	}
	if err := validateSeparator(o.Separator); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	ho := hdr.Options()
	o.Hostname, o.AppName, o.ProcID, o.MsgID, o.StructuredData = ho.Hostname, ho.AppName, ho.ProcID, ho.MsgID, ho.StructuredData
	o.Location = ho.Location
	e := &Encoder{opts: o, hdr: hdr, sep: o.Separator, max: hdr.Max()}
	e.keyTab, e.valTab = newByteTables(o.Separator, true), newByteTables(o.Separator, false)
	e.pairs = pairTables(o.Separator[0])
	e.constPlain = !strings.ContainsAny("__topic____source____tag__:", o.Separator[:1])
	e.topicKey, e.sourceKey, e.tagKey = o.Separator+"__topic__=", o.Separator+"__source__=", o.Separator+"__tag__:"
	return e, nil
}

// Options returns the effective options: defaults applied.
func (e *Encoder) Options() Options { return e.opts }

// Adjustments describes what the RFC 3164 header had to change in the header fields, for a startup warning.
func (e *Encoder) Adjustments() []string { return e.hdr.Adjustments() }

// AppendFrame appends one framed message for log l of group g to dst and returns the extended slice. With a dst
// reused across calls (dst[:0]) it does not allocate once dst has grown to the largest frame.
func (e *Encoder) AppendFrame(dst []byte, g *record.Group, l *record.Log) (out []byte, r Result) {
	return e.appendFrame(dst, g, l, nil)
}

// appendFrame is AppendFrame with the header fields a mapping chose (hd; nil: the settings).
func (e *Encoder) appendFrame(dst []byte, g *record.Group, l *record.Log, hd *message.Head) (out []byte, r Result) {
	dst, start, limit, sanitized := e.beginFrame(dst, l, hd)
	dst = e.appendPairs(dst, g, l, 0, limit, &r)
	r.Sanitized = r.Sanitized || sanitized
	return e.endFrame(dst, start), r
}

// beginFrame appends the framing's room and the header up to MSG for log l (header.BeginHead). It returns dst,
// the frame's start, the limit MSG must end below (an index into dst) and whether a field of hd was sanitized.
func (e *Encoder) beginFrame(dst []byte, l *record.Log, hd *message.Head) (out []byte, start, limit int, sanitized bool) {
	return e.hdr.BeginHead(dst, l, hd)
}

// endFrame completes the frame that begins at dst[start] (octet count or LF).
func (e *Encoder) endFrame(dst []byte, start int) []byte { return e.hdr.End(dst, start) }

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
	if p&chars.Highs == chars.Highs {
		all |= a
		k = kk + len(g.Topic)
		pairs++
		kk = k + copy(buf[k:], e.sourceKey)
		p, a = copyWords(buf[kk:], g.Source, sepWord, sepWord)
		if p&chars.Highs == chars.Highs {
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
	if all&chars.Highs != 0 && !utf8.Valid(buf[:k]) {
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
	if all&chars.Highs != 0 && !utf8.Valid(buf[:k]) {
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
// one of them has a non-ASCII byte (the caller checks UTF-8). It uses vector.CopyPairs where the CPU has it, and
// copyFieldsWords elsewhere; both write the same bytes for the pairs they copy (CopyPairs also stops at an empty
// key, which the caller then writes as it writes a pair that needs escaping).
func (e *Encoder) copyFields(buf []byte, prefix string, fields []record.Field) (k, pairs int, all uint64) {
	if vectorFields && e.pairs != nil && len(prefix) <= 32 && len(buf) > 0 {
		k, pairs, nonASCII := vector.CopyPairs(buf, prefix, fields, e.pairs)
		if nonASCII {
			all = chars.Highs
		}
		return k, pairs, all
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
		if pk&pv&chars.Highs != chars.Highs {
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
