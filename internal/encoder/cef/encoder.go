package cef

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// Result tells the caller what AppendFrame had to change; the caller counts it.
type Result struct {
	Truncated bool // a header field was cut to its limit, or the extension to MaxMessageBytes
	Sanitized bool // a key, value or header field held a byte that CEF escapes there, a control byte or invalid UTF-8
}

// head is the part of the CEF header that may differ from log to log. headFor fills it from the options, the log
// group and the fields the mapping chose.
type head struct {
	eventClass, name string // unescaped and uncut: any bytes
	severity         int    // 0..10; others are clamped
	// classOfRecord and nameOfRecord say that eventClass and name come from the record, so that escaping them
	// counts in Result.Sanitized (escaping a setting would count every record).
	classOfRecord, nameOfRecord bool
	// vendor, product and version, when ownPrefix, come from the record and replace the constant prefix.
	vendor, product, version string
	ownPrefix                bool
}

// extensionRoom is what a CEF header cut to fit MaxMessageBytes leaves for the extension, rt included.
const extensionRoom = 32

// Encoder turns SLS logs into framed syslog messages whose MSG is a CEF event. It is safe for concurrent use: after
// NewEncoder only the syslog header's one-word date cache changes, atomically.
type Encoder struct {
	opts        Options
	hdr         *header.Header
	prefix      string // "CEF:0|vendor|product|version|", escaped
	max         int    // MaxMessageBytes, or math.MaxInt
	adjustments []string
}

// NewEncoder validates o, applies the defaults and precomputes the constant part of the CEF header. Every problem
// is reported at once.
func NewEncoder(o Options) (*Encoder, error) {
	var errs []error
	hdr, err := header.New(o.Header)
	if err != nil {
		errs = append(errs, err)
	}
	if err := o.validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	o = o.withDefaults()
	o.Header = hdr.Options()
	e := &Encoder{hdr: hdr, max: hdr.Max(), adjustments: hdr.Adjustments()}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"vendor", &o.Vendor, MaxVendor}, {"product", &o.Product, MaxProduct}, {"version", &o.Version, MaxVersion},
		{"event class", &o.EventClass, MaxEventClass}, {"name", &o.Name, MaxName},
	} {
		if cut := cutChars(*f.v, f.max); cut != *f.v {
			e.adjustments = append(e.adjustments, fmt.Sprintf("cef %s %q sent as %q (CEF: at most %d characters)", f.name, *f.v, cut, f.max))
			*f.v = cut
		}
	}
	prefix := []byte("CEF:0|")
	for _, v := range []string{o.Vendor, o.Product, o.Version} {
		prefix, _ = appendHeaderField(prefix, v, math.MaxInt, math.MaxInt, new(Result))
		prefix = append(prefix, '|')
	}
	e.prefix = string(prefix)
	e.opts = o
	if e.max != math.MaxInt {
		// The constant part of the header must fit with room to spare, so that it is never cut: the prefix, the
		// severity and the event class and name when they are settings.
		fixed := hdr.Len() + len(e.prefix) + len("||10|")
		for _, v := range []string{o.EventClass, o.Name} {
			b, _ := appendHeaderField(nil, v, math.MaxInt, math.MaxInt, new(Result))
			fixed += len(b)
		}
		if need := max(header.MinMaxMessageBytes, fixed+header.MinMsgRoom); o.Header.MaxMessageBytes < need {
			return nil, fmt.Errorf("max message bytes %d is too small for CEF: need at least %d (the %d-byte syslog "+
				"header, %d bytes of CEF header, and %d bytes for the extension and an event class or name taken "+
				"from the topic)", o.Header.MaxMessageBytes, need, hdr.Len(), fixed-hdr.Len(), header.MinMsgRoom)
		}
	}
	return e, nil
}

// cutChars returns s cut to at most n characters.
func cutChars(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Options returns the effective options: defaults applied, the syslog header's fields sanitized, header fields cut.
func (e *Encoder) Options() Options { return e.opts }

// Adjustments describes the settings NewEncoder had to sanitize or cut (the syslog header's fields, then the CEF
// header's), one startup warning each.
func (e *Encoder) Adjustments() []string { return slices.Clone(e.adjustments) }

// headFor returns the CEF header values of a log in group g: those the mapping chose (hd, nil: none), the
// constant ones, or the group's topic. A syslog severity the mapping chose sets the CEF Severity
// (header.SIEMSeverity).
func (e *Encoder) headFor(g *record.Group, hd *message.Head) head {
	h := head{eventClass: e.opts.EventClass, name: e.opts.Name, severity: e.opts.Severity}
	// A chosen field that is empty keeps the setting (for the class and name: the topic, as their empty setting).
	if hd != nil && hd.Set != 0 {
		if hd.Set&message.HeadClass != 0 && hd.Class != "" {
			h.eventClass, h.classOfRecord = hd.Class, true
		}
		if hd.Set&message.HeadName != 0 && hd.Name != "" {
			h.name, h.nameOfRecord = hd.Name, true
		}
		if hd.Set&message.HeadSeverity != 0 {
			h.severity = header.SIEMSeverity(hd.Severity)
		}
		if hd.Set&(message.HeadVendor|message.HeadProduct|message.HeadVersion) != 0 {
			h.vendor = hd.Text(message.HeadVendor, e.opts.Vendor)
			h.product = hd.Text(message.HeadProduct, e.opts.Product)
			h.version = hd.Text(message.HeadVersion, e.opts.Version)
			h.ownPrefix = h.vendor != e.opts.Vendor || h.product != e.opts.Product || h.version != e.opts.Version
		}
	}
	if h.eventClass == "" {
		h.eventClass, h.classOfRecord = g.Topic, true
		if h.eventClass == "" {
			h.eventClass, h.classOfRecord = DefaultEventClass, false
		}
	}
	if h.name == "" {
		h.name, h.nameOfRecord = g.Topic, true
		if h.name == "" {
			h.name, h.nameOfRecord = DefaultName, false
		}
	}
	return h
}

// AppendFrame appends one framed message for log l of group g to dst and returns the extended slice. With a dst
// reused across calls (dst[:0]) it does not allocate once dst has grown to the largest frame.
func (e *Encoder) AppendFrame(dst []byte, g *record.Group, l *record.Log) ([]byte, Result) {
	h := e.headFor(g, nil)
	return e.appendFrame(dst, g, l, &h, nil, nil)
}

// AppendFrameHead is AppendFrame with the header fields a mapping chose for l: the syslog header's (see
// header.BeginHead) and the CEF header's (vendor, product, version, class, name, escaped and cut as record data;
// the severity through header.SIEMSeverity).
func (e *Encoder) AppendFrameHead(dst []byte, g *record.Group, l *record.Log, hd *message.Head) ([]byte, Result) {
	h := e.headFor(g, hd)
	return e.appendFrame(dst, g, l, &h, nil, hd)
}

// appendFrame appends the frame of log l with CEF header values h and the syslog header fields of hd (nil: the
// settings). sh, when not nil, holds the parts that AppendGroup wrote once for the whole group; they are copied
// where they are exactly what appendFrame would write.
func (e *Encoder) appendFrame(dst []byte, g *record.Group, l *record.Log, h *head, sh *shared, hd *message.Head) ([]byte, Result) {
	var r Result
	dst, start, limit, sanitized := e.hdr.BeginHead(dst, l, hd)
	r.Sanitized = sanitized
	if sh != nil && (h == &sh.head || *h == sh.head) && len(dst)+len(sh.headBytes) <= limit-extensionRoom {
		dst = append(dst, sh.headBytes...)
		r = sh.headResult
	} else {
		dst = e.appendHead(dst, h, limit, &r)
	}
	dst = e.appendExtension(dst, g, l, limit, sh, &r)
	return e.hdr.End(dst, start), r
}

// severityText holds the severities 0..10 as text.
var severityText = [MaxSeverity + 1]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}

// appendHead appends the CEF header: the constant prefix, then the event class, name and severity of h, each
// followed by '|'. The event class and name are cut to the standard's limits, and further when the header would
// leave less than extensionRoom bytes below limit: then they share what is left, the class taking at most half.
func (e *Encoder) appendHead(dst []byte, h *head, limit int, r *Result) []byte {
	if h.ownPrefix {
		dst = e.appendPrefix(dst, h, limit, r)
	} else {
		dst = append(dst, e.prefix...)
	}
	mark := len(dst)
	sev := severityText[min(max(h.severity, 0), MaxSeverity)]
	var full Result
	dst = appendHeadFields(dst, h, sev, &full)
	end := limit - extensionRoom
	if len(dst) <= end {
		r.Truncated, r.Sanitized = r.Truncated || full.Truncated, r.Sanitized || full.Sanitized
		return dst
	}
	dst = dst[:mark]
	room := end - mark - len("||") - len(sev) - len("|") // for the escaped class and name
	var cr, nr Result
	dst, _ = appendHeaderField(dst, h.eventClass, MaxEventClass, mark+room/2, &cr)
	dst = append(dst, '|')
	dst, _ = appendHeaderField(dst, h.name, MaxName, mark+room+len("|"), &nr)
	dst = append(dst, '|')
	dst = append(dst, sev...)
	dst = append(dst, '|')
	r.Truncated = true
	r.Sanitized = r.Sanitized || cr.Sanitized && h.classOfRecord || nr.Sanitized && h.nameOfRecord
	return dst
}

// appendPrefix appends "CEF:0|vendor|product|version|" with the values of h, escaped and cut to the standard's
// limits; when that would leave less than half of what is below limit for the rest, it appends the settings'
// prefix instead, as a cut message.
func (e *Encoder) appendPrefix(dst []byte, h *head, limit int, r *Result) []byte {
	mark := len(dst)
	dst = append(dst, "CEF:0|"...)
	var fr Result
	for _, f := range [...]struct {
		v   string
		max int
	}{{h.vendor, MaxVendor}, {h.product, MaxProduct}, {h.version, MaxVersion}} {
		dst, _ = appendHeaderField(dst, f.v, f.max, math.MaxInt, &fr)
		dst = append(dst, '|')
	}
	if limit != math.MaxInt && len(dst)-mark > len(e.prefix) && len(dst) > mark+(limit-mark)/2 {
		r.Truncated = true
		return append(dst[:mark], e.prefix...)
	}
	r.Truncated, r.Sanitized = r.Truncated || fr.Truncated, r.Sanitized || fr.Sanitized
	return dst
}

// appendHeadFields appends "class|name|sev|" with the standard's limits and no byte limit.
func appendHeadFields(dst []byte, h *head, sev string, r *Result) []byte {
	var cr, nr Result
	dst, _ = appendHeaderField(dst, h.eventClass, MaxEventClass, math.MaxInt, &cr)
	dst = append(dst, '|')
	dst, _ = appendHeaderField(dst, h.name, MaxName, math.MaxInt, &nr)
	dst = append(dst, '|')
	dst = append(dst, sev...)
	r.Truncated = r.Truncated || cr.Truncated || nr.Truncated
	r.Sanitized = r.Sanitized || cr.Sanitized && h.classOfRecord || nr.Sanitized && h.nameOfRecord
	return append(dst, '|')
}

// appendExtension appends the extension of log l below limit: rt, the group's pairs (topic, source, tags), then
// l's contents, separated by single spaces. It stops at the first pair that does not fit and sets r.Truncated.
func (e *Encoder) appendExtension(dst []byte, g *record.Group, l *record.Log, limit int, sh *shared, r *Result) []byte {
	first := true
	if l.Time != 0 || l.TimeNs != 0 {
		if len(dst)+len(KeyTime)+1+20 > limit { // never: the header leaves extensionRoom bytes
			r.Truncated = true
			return dst
		}
		dst = append(dst, KeyTime+"="...)
		if sh != nil && sh.rtSec == l.Time && l.Time >= 1e9 && l.TimeNs < 1e9 {
			dst = appendMillisOf(dst, &sh.rtDigits, l.TimeNs)
		} else {
			dst = appendMillis(dst, uint64(l.Time)*1000+uint64(l.TimeNs)/1e6)
			if sh != nil && l.Time >= 1e9 && l.TimeNs < 1e9 { // ten digits of seconds, then three of milliseconds
				sh.rtSec = l.Time
				copy(sh.rtDigits[:], dst[len(dst)-13:])
			}
		}
		first = false
	}
	ok := true
	if sh != nil && len(dst)+len(sh.pairs) <= limit {
		p := sh.pairs
		if first {
			p = p[1:] // the pairs never start empty: slsTopic is always there
		}
		dst = append(dst, p...)
		r.Sanitized = r.Sanitized || sh.pairsSanitized
		first = false
	} else {
		dst, ok = e.appendGroupPairs(dst, g, first, limit, r)
		first = false
	}
	if ok {
		dst, ok = appendContents(dst, l.Contents, limit, sh, r)
	}
	if !ok {
		r.Truncated = true
	}
	return dst
}

// appendMillis appends ms in decimal: the 13 digits of every time since September 2001 two at a time, others with
// strconv.
func appendMillis(dst []byte, ms uint64) []byte {
	if ms < 1e12 || ms >= 1e13 {
		return strconv.AppendUint(dst, ms, 10)
	}
	n := len(dst)
	dst = slices.Grow(dst, 13)[:n+13]
	b := dst[n : n+13]
	hi, lo := uint32(ms/1e7), uint32(ms%1e7) // 6 and 7 digits: 32-bit arithmetic from here
	for i := 11; i > 5; i -= 2 {
		d := lo % 100 * 2
		lo /= 100
		b[i], b[i+1] = digitPairs[d], digitPairs[d+1]
	}
	b[6] = byte('0' + lo)
	for i := 4; i >= 0; i -= 2 {
		d := hi % 100 * 2
		hi /= 100
		b[i], b[i+1] = digitPairs[d], digitPairs[d+1]
	}
	return dst
}

// appendMillisOf appends the milliseconds of a time in the second whose ten digits are sec, ns nanoseconds into it.
func appendMillisOf(dst []byte, sec *[10]byte, ns uint32) []byte {
	d := ns / 1e6
	r := d % 100 * 2
	return append(append(dst, sec[:]...), byte('0'+d/100), digitPairs[r], digitPairs[r+1])
}

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendGroupPairs appends the pairs of the log group: slsTopic, slsSource and a slsTag pair per tag.
func (e *Encoder) appendGroupPairs(dst []byte, g *record.Group, first bool, limit int, r *Result) ([]byte, bool) {
	dst, ok := appendPair(dst, first, KeyTopic, "", g.Topic, limit, r)
	if ok {
		dst, ok = appendPair(dst, false, KeySource, "", g.Source, limit, r)
	}
	for i := 0; ok && i < len(g.Tags); i++ {
		dst, ok = appendPair(dst, false, KeyTagPrefix, g.Tags[i].Key, g.Tags[i].Value, limit, r)
	}
	return dst, ok
}

// appendCachedKeyContent appends " key=value" for a content whose key AppendGroup transformed already (k.cef), as
// appendPair would.
func appendCachedKeyContent(dst []byte, k *cachedKey, value string, limit int, r *Result) ([]byte, bool) {
	start := len(dst)
	n := len(k.cef) + len(value) + 2
	if n > limit-start {
		return appendPair(dst, false, "", k.key, value, limit, r)
	}
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	buf[0] = ' '
	copy(buf[1:], k.cef)
	buf[1+len(k.cef)] = '='
	r.Sanitized = r.Sanitized || k.hostile
	plain, all := copyValue(buf[2+len(k.cef):], value)
	if plain&chars.Highs == chars.Highs && (all&chars.Highs == 0 || utf8.ValidString(value)) {
		return dst[:start+n], true
	}
	return appendValue(dst[:start+n-len(value)], value, limit, r)
}

// appendPair appends " key=value" (without the space when first): the CEF key of prefix+key (appendKey) and the
// escaped value. When the pair does not fit below limit it keeps what fits of the value, or leaves the pair out
// when even its key does not fit, and returns false.
func appendPair(dst []byte, first bool, prefix, key, value string, limit int, r *Result) ([]byte, bool) {
	n := len(prefix) + len(key) + 1 + len(value)
	if !first {
		n++
	}
	plainK, plainV := plainKey(prefix, key), valuePlain(value)
	if plainK && plainV && len(dst)+n <= limit {
		if !first {
			dst = append(dst, ' ')
		}
		dst = append(dst, prefix...)
		dst = append(dst, key...)
		dst = append(dst, '=')
		return append(dst, value...), true
	}
	pairStart := len(dst)
	if !first {
		dst = append(dst, ' ')
	}
	hostile := false
	if plainK {
		dst = append(dst, prefix...)
		dst = append(dst, key...)
	} else {
		dst, hostile = appendKey(dst, prefix, key)
	}
	if len(dst)+1 > limit {
		return dst[:pairStart], false
	}
	r.Sanitized = r.Sanitized || hostile
	dst = append(dst, '=')
	if plainV && len(dst)+len(value) <= limit {
		return append(dst, value...), true
	}
	return appendValue(dst, value, limit, r)
}
