package leef

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/encoder/internal/vector"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// Keys siemship writes besides the contents. devTime is LEEF's own (the event time); the others are SLS's names,
// which no LEEF predefined attribute means.
const (
	keyDevTime = "devTime"
	keyTopic   = "__topic__"
	keySource  = "__source__"
	tagPrefix  = "__tag__:"
)

// Result tells the caller what AppendFrame had to change; the caller counts it.
type Result struct {
	Truncated bool // the message was cut to fit MaxMessageBytes, or a header field to its 255 characters
	Sanitized bool // a character was substituted, or a key was empty or repeated (see the package doc)
}

// Event is the LEEF header of one message: the constants of Options, or the fields a mapping chose for the record
// (AppendFrameHead), whose values are substituted and cut as record data is.
type Event struct {
	Vendor, Product, ProductVersion, EventID string
}

// Encoder turns SLS logs into framed syslog messages whose MSG is a LEEF event. It is safe for concurrent use.
type Encoder struct {
	opts    Options
	hdr     *header.Header
	delim   string // the delimiter in UTF-8
	ev      Event  // the header fields of every message
	head    []byte // "LEEF:2.0|Vendor|Product|Version|EventID|x09|" for ev
	leefPre string // "LEEF:2.0|" or "LEEF:1.0|"
	leefEnd string // "x09|" (2.0) or "" (1.0): what follows the EventID field and its '|'
	key     *textClass
	value   *textClass
	field   *textClass     // header fields
	pairs   *vector.Tables // vector.CopyPairs' tables of key and value, nil where it cannot serve
	seed    uint64         // of keyHash
	// devTimeHash is keyHash of "devTime" in a small and in a big keySet.
	devTimeHash [2]uint64
	max         int // MaxMessageBytes, or math.MaxInt
}

// NewEncoder validates o and precomputes the constant parts of each message. Every problem is reported at once.
func NewEncoder(o Options) (*Encoder, error) {
	o = o.withDefaults()
	var errs []error
	hdr, err := header.New(o.Header)
	if err != nil {
		errs = append(errs, err)
	}
	if err := o.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	d, _ := ParseDelimiter(o.Version, o.Delimiter) // checked by Validate
	o.Header = hdr.Options()
	e := &Encoder{
		opts:    o,
		hdr:     hdr,
		delim:   string(d),
		ev:      Event{Vendor: o.Vendor, Product: o.Product, ProductVersion: o.ProductVersion, EventID: o.EventID},
		leefPre: "LEEF:" + o.Version.String() + "|",
		key:     newTextClass(d, '=', '|'),
		value:   newTextClass(d),
		field:   newTextClass(0, '|'),
		seed:    rand.Uint64(),
		max:     hdr.Max(),
	}
	e.pairs = pairTables(e.key, e.value)
	if o.Version == V2 {
		e.leefEnd = delimiterSpec(d) + "|"
	}
	e.devTimeHash = [2]uint64{keyHash(e.seed, keyDevTime, false), keyHash(e.seed, keyDevTime, true)}
	var r Result
	e.head = e.appendEvent(nil, &e.ev, math.MaxInt, &r) // validated: nothing to substitute or cut
	if e.max != math.MaxInt {
		// The syslog header, the LEEF header and 64 bytes of attributes must fit.
		if least := hdr.Len() + len(e.head) + header.MinMsgRoom; e.max < least {
			return nil, fmt.Errorf("max message bytes %d is too small: need at least %d (the %d-byte syslog header, the %d-byte LEEF header and %d bytes of attributes)",
				e.max, least, hdr.Len(), len(e.head), header.MinMsgRoom)
		}
	}
	return e, nil
}

// Options returns the effective options: defaults applied, the syslog header's fields sanitized.
func (e *Encoder) Options() Options { return e.opts }

// Adjustments describes the syslog header fields NewEncoder had to sanitize, cut or leave out, for a startup
// warning. The LEEF settings are never adjusted: NewEncoder refuses what it cannot send as it is.
func (e *Encoder) Adjustments() []string { return e.hdr.Adjustments() }

// Delimiter returns the attribute delimiter.
func (e *Encoder) Delimiter() rune {
	r, _ := utf8.DecodeRuneInString(e.delim)
	return r
}

// AppendFrame appends one framed message for log l of group g to dst and returns the extended slice. With a dst
// reused across calls (dst[:0]) it does not allocate once dst has grown to the largest frame, unless the message
// has more than 32 attributes.
func (e *Encoder) AppendFrame(dst []byte, g *record.Group, l *record.Log) (out []byte, r Result) {
	dst, start, limit := e.hdr.Begin(dst, l)
	dst = e.appendHead(dst)
	base := len(dst)
	var keys keySet
	keys.reset(attributes(g, l))
	var ok bool
	if dst, ok = e.appendGroupAttrs(dst, base, g, &keys, limit, &r); ok {
		dst = e.appendLogAttrs(dst, base, l, &keys, limit, nil, &r)
	} else {
		r.Truncated = true
	}
	return e.hdr.End(dst, start), r
}

// KeySeverity is the attribute of a record's severity, when the mapping chose one (message.HeadSeverity): LEEF's
// sev, 1 to 10, from header.SIEMSeverity. It comes before the record's contents, so that a cut message keeps it
// and a content of the same key is the one renamed.
const KeySeverity = "sev"

// AppendFrameHead is AppendFrame with the header fields a mapping chose for l: the syslog header's (see
// header.BeginHead), the LEEF header's (Vendor, Product, Version, Class as the EventID; substituted and cut as
// record data; an empty one keeps the setting) and the severity as the sev attribute.
func (e *Encoder) AppendFrameHead(dst []byte, g *record.Group, l *record.Log, hd *message.Head) (out []byte, r Result) {
	dst, start, limit, sanitized := e.hdr.BeginHead(dst, l, hd)
	if hd.Set&(message.HeadVendor|message.HeadProduct|message.HeadVersion|message.HeadClass) != 0 {
		ev := e.ev
		ev.Vendor = hd.Text(message.HeadVendor, ev.Vendor)
		ev.Product = hd.Text(message.HeadProduct, ev.Product)
		ev.ProductVersion = hd.Text(message.HeadVersion, ev.ProductVersion)
		ev.EventID = hd.Text(message.HeadClass, ev.EventID)
		dst = e.appendEvent(dst, &ev, limit, &r)
	} else {
		dst = e.appendHead(dst)
	}
	r.Sanitized = r.Sanitized || sanitized
	base := len(dst)
	var keys keySet
	keys.reset(attributes(g, l) + 1)
	ok := false
	if dst, ok = e.appendGroupAttrs(dst, base, g, &keys, limit, &r); ok && hd.Set&message.HeadSeverity != 0 {
		dst, ok = e.appendAttr(dst, base, "", KeySeverity, severityText[header.SIEMSeverity(hd.Severity)], &keys, limit, &r)
	}
	if ok {
		dst = e.appendLogAttrs(dst, base, l, &keys, limit, nil, &r)
	} else {
		r.Truncated = true
	}
	return e.hdr.End(dst, start), r
}

// severityText holds the severities 0..10 as text.
var severityText = [11]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}

// attributes is the number of attributes of log l of group g at most.
func attributes(g *record.Group, l *record.Log) int { return 3 + len(g.Tags) + len(l.Contents) }

// appendHead appends the constant LEEF header (NewEncoder made sure that it fits).
func (e *Encoder) appendHead(dst []byte) []byte { return append(dst, e.head...) }

// appendEvent appends the LEEF header with the fields of ev, each substituted (U+FF5C for '|', Control Pictures,
// U+FFFD for invalid UTF-8) and cut to 255 characters, and all of them cut so that the header fits below limit.
func (e *Encoder) appendEvent(dst []byte, ev *Event, limit int, r *Result) []byte {
	dst = append(dst, e.leefPre...)
	fields := [...]string{ev.Vendor, ev.Product, ev.ProductVersion, ev.EventID}
	for i, f := range fields {
		// The pipes of the fields after this one, and the delimiter field, must still fit.
		room := limit
		if room != math.MaxInt {
			room -= len(fields) - i + len(e.leefEnd)
		}
		var ok, changed bool
		dst, ok, changed = e.field.appendText(dst, f, room, MaxHeaderField)
		r.Truncated = r.Truncated || !ok
		r.Sanitized = r.Sanitized || changed
		dst = append(dst, '|')
	}
	return append(dst, e.leefEnd...)
}

// appendGroupAttrs appends the attributes of group g: __topic__, __source__ (both always, even empty) and
// __tag__:<key> for each tag. It returns false when they did not all fit below limit.
func (e *Encoder) appendGroupAttrs(dst []byte, base int, g *record.Group, keys *keySet, limit int, r *Result) ([]byte, bool) {
	var ok bool
	if dst, ok = e.appendAttr(dst, base, "", keyTopic, g.Topic, keys, limit, r); !ok {
		return dst, false
	}
	if dst, ok = e.appendAttr(dst, base, "", keySource, g.Source, keys, limit, r); !ok {
		return dst, false
	}
	for i := range g.Tags {
		if dst, ok = e.appendAttr(dst, base, tagPrefix, g.Tags[i].Key, g.Tags[i].Value, keys, limit, r); !ok {
			return dst, false
		}
	}
	return dst, true
}

// appendLogAttrs appends the attributes of log l after its group's: devTime (unless l has no time) and the
// contents. It sets r.Truncated when they did not all fit below limit. run, when not nil, holds the keys of
// another log of the group (AppendGroup).
func (e *Encoder) appendLogAttrs(dst []byte, base int, l *record.Log, keys *keySet, limit int, run *keyRun, r *Result) []byte {
	var ok bool
	devTime := l.Time != 0 || l.TimeNs != 0
	if run != nil {
		run.start(devTime)
	}
	if devTime {
		if dst, ok = e.appendDevTime(dst, base, l, keys, limit, r); !ok {
			r.Truncated = true
			return dst
		}
	}
	dst, i := e.appendPlainContents(dst, base, l.Contents, keys, limit, run)
	for ; i < len(l.Contents); i++ {
		c := &l.Contents[i]
		if dst, ok = e.appendAttr(dst, base, "", c.Key, c.Value, keys, limit, r); !ok {
			r.Truncated = true
			return dst
		}
	}
	return dst
}

// appendPlainContents is appendLogAttrs' fast path for the contents, which always follow another attribute: with
// one capacity check for all of them (when they all fit below limit), it copies the contents from the first on,
// with vector.CopyPairs where the CPU has it, else testing each as plainAttr does, until one needs a substitute
// or has a key used before. It returns dst with the contents it wrote, and their number; appendAttr writes the
// rest, exactly as if it had written every one. run, when not nil, holds the keys of another log of the group.
func (e *Encoder) appendPlainContents(dst []byte, base int, fields []record.Field, keys *keySet, limit int, run *keyRun) ([]byte, int) {
	start := len(dst)
	n := 0
	for i := range fields {
		n += len(e.delim) + len(fields[i].Key) + 1 + len(fields[i].Value)
	}
	if n > limit-start || n == 0 {
		return dst, 0
	}
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	if vectorPairs && e.pairs != nil {
		k, pairs, nonASCII := vector.CopyPairs(buf, e.delim, fields, e.pairs)
		if nonASCII && !utf8.Valid(buf[:k]) {
			return dst, 0 // appendAttr finds the invalid text, and writes the others as this would
		}
		return e.newKeys(dst[:start+k], base, start, fields[:pairs], keys, run)
	}
	delim := e.delim[0]
	k := 0 // the end of the fields written in buf
	for i := range fields {
		f := &fields[i]
		p := k
		if len(e.delim) == 1 {
			buf[p] = delim
			p++
		} else {
			p += copy(buf[p:], e.delim)
		}
		okKey, allKey := e.key.scan(buf[p:], f.Key)
		p += len(f.Key)
		buf[p] = '='
		p++
		okValue, allValue := e.value.scanValue(buf[p:], f.Value)
		p += len(f.Value)
		if (okKey&okValue)&highs != highs || len(f.Key) == 0 || (allKey|allValue)&highs != 0 &&
			!(e.key.verdict(f.Key, okKey, allKey) && e.value.verdict(f.Value, okValue, allValue)) {
			fields = fields[:i]
			break
		}
		k = p
	}
	return e.newKeys(dst[:start+k], base, start, fields, keys, run)
}

// newKeys adds the keys of fields, written from dst[start:] on as appendPlainContents writes them, to keys, until
// one is there already; it returns dst with the fields before that one, and their number. The keys that follow the
// same keys as in run (another log of the group) are new without a lookup (see keyRun); run learns the others.
func (e *Encoder) newKeys(dst []byte, base, start int, fields []record.Field, keys *keySet, run *keyRun) ([]byte, int) {
	p, i := start, 0
	if run != nil && keys.big == nil {
		n, seen := keys.n, keys.seen
		for m := run.same(fields, min(len(fields), run.n, smallKeys-n)); i < m; i++ {
			f := &fields[i]
			keyStart := p + len(e.delim)
			fp := run.fps[i]
			keys.offs[n], keys.fps[n] = uint32(keyStart-base), fp
			seen |= 1 << (fp % 64)
			n++
			p = keyStart + len(f.Key) + 1 + len(f.Value)
		}
		keys.n, keys.seen = n, seen
	} else {
		run = nil // the fingerprints are those of the small set
	}
	for ; i < len(fields); i++ {
		f := &fields[i]
		keyStart := p + len(e.delim)
		h := keyHash(e.seed, f.Key, keys.big != nil)
		found, entry := keys.lookup(h, dst, base, keyStart, keyStart+len(f.Key))
		if found {
			return dst[:p], i
		}
		keys.add(entry)
		if run != nil && i < smallKeys {
			run.keys[i], run.fps[i], run.n = f.Key, uint8(entry), i+1
		}
		p = keyStart + len(f.Key) + 1 + len(f.Value)
	}
	return dst[:p], len(fields)
}

// appendDevTime appends the devTime attribute of l, which always follows another attribute, and records its key.
// It writes the digits in place, without appendAttr's checks: they need no substitute.
func (e *Encoder) appendDevTime(dst []byte, base int, l *record.Log, keys *keySet, limit int, r *Result) ([]byte, bool) {
	start := len(dst)
	n := len(e.delim) + len(keyDevTime) + 1 + 13
	if start+n > limit || start == base {
		var ms [13]byte
		putDevTime(&ms, l.Time, l.TimeNs)
		return e.appendAttr(dst, base, "", keyDevTime, string(ms[:]), keys, limit, r)
	}
	dst = append(append(dst, e.delim...), keyDevTime+"="...)
	keyStart := start + len(e.delim)
	found, entry := keys.lookup(e.devTimeHash[boolIndex(keys.big != nil)], dst, base, keyStart, keyStart+len(keyDevTime))
	if found { // not with the group's keys, which start with "__"; appendAttr would rename it
		var ms [13]byte
		putDevTime(&ms, l.Time, l.TimeNs)
		return e.appendAttr(dst[:start], base, "", keyDevTime, string(ms[:]), keys, limit, r)
	}
	keys.add(entry)
	dst = slices.Grow(dst, 13)
	putDevTime((*[13]byte)(dst[len(dst):len(dst)+13]), l.Time, l.TimeNs)
	return dst[:len(dst)+13], true
}

// boolIndex is 1 for true and 0 for false.
func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// putDevTime writes the time of a log as 13 digits of milliseconds since the epoch into ms. Times before
// 2001-09-09 get leading zeros, so that QRadar always sees 13 digits, which it reads without devTimeFormat.
func putDevTime(ms *[13]byte, sec, ns uint32) {
	v := (uint64(sec)+uint64(ns/1e9))*1000 + uint64(ns%1e9/1e6) // < 2^43: 13 digits
	hi, lo := uint32(v/1e8), uint32(v%1e8)                      // 5 and 8 digits
	ms[0] = byte('0' + hi/10000)
	put2(ms[1:], hi/100%100)
	put2(ms[3:], hi%100)
	put2(ms[5:], lo/1000000)
	put2(ms[7:], lo/10000%100)
	put2(ms[9:], lo/100%100)
	put2(ms[11:], lo%100)
}

// put2 writes the two digits of v < 100.
func put2(b []byte, v uint32) {
	const pairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
		"8081828384858687888990919293949596979899"
	b[0], b[1] = pairs[2*v], pairs[2*v+1]
}

// appendAttr appends one attribute: the delimiter (unless it is the first, at base), prefix+key, '=' and value, in
// their classes. An empty key becomes U+FFFD; a key already in keys gets _<n> appended, n being the attribute's
// number in the message (1 for the first), until it is unique. When the key and '=' do not fit below limit the
// attribute is left out; when the value does not fit, what fits of it is kept. Either way it returns false.
func (e *Encoder) appendAttr(dst []byte, base int, prefix, key, value string, keys *keySet, limit int, r *Result) ([]byte, bool) {
	if out, ok := e.plainAttr(dst, base, prefix, key, value, keys, limit); ok {
		return out, true
	}
	attrStart := len(dst)
	if attrStart > base {
		if len(dst)+len(e.delim) > limit {
			return dst, false
		}
		dst = append(dst, e.delim...)
	}
	keyStart := len(dst)
	if len(dst)+len(prefix) > limit {
		return dst[:attrStart], false
	}
	dst = append(dst, prefix...)
	dst, ok, keyChanged := e.key.appendText(dst, key, limit, 0)
	if !ok {
		return dst[:attrStart], false
	}
	if len(dst) == keyStart {
		if dst, ok = appendSubst(dst, utf8.RuneError, limit); !ok {
			return dst[:attrStart], false
		}
		keyChanged = true
	}
	found, entry := keys.find(e.seed, dst, base, keyStart, len(dst))
	for found {
		keyChanged = true
		n := keys.n + 1
		if len(dst)+1+digits(n) > limit {
			return dst[:attrStart], false
		}
		dst = strconv.AppendInt(append(dst, '_'), int64(n), 10)
		found, entry = keys.find(e.seed, dst, base, keyStart, len(dst))
	}
	if len(dst)+1 > limit {
		return dst[:attrStart], false
	}
	dst = append(dst, '=')
	keys.add(entry)
	dst, ok, changed := e.value.appendText(dst, value, limit, 0)
	r.Sanitized = r.Sanitized || keyChanged || changed
	return dst, ok
}

// plainAttr is appendAttr's fast path, for the usual attribute: it fits below limit, needs no substitute, and its
// key is new. It copies the delimiter, prefix, key, '=' and value with one capacity check, testing key and value
// as it copies them, and returns true; for any other attribute it returns dst unchanged and false.
func (e *Encoder) plainAttr(dst []byte, base int, prefix, key, value string, keys *keySet, limit int) ([]byte, bool) {
	start := len(dst)
	d := 0
	if start > base {
		d = len(e.delim)
	}
	n := d + len(prefix) + len(key) + 1 + len(value)
	if start+n > limit || len(prefix)+len(key) == 0 {
		return dst, false
	}
	dst = slices.Grow(dst, n)
	buf := dst[start : start+n]
	switch d {
	case 0:
	case 1:
		buf[0] = e.delim[0]
	default:
		copy(buf, e.delim)
	}
	k := d
	if prefix != "" {
		k += copy(buf[k:], prefix)
	}
	okKey, allKey := e.key.scan(buf[k:], key)
	k += len(key)
	buf[k] = '='
	okValue, allValue := e.value.scanValue(buf[k+1:], value)
	if (okKey&okValue)&highs != highs {
		return dst[:start], false
	}
	if (allKey|allValue)&highs != 0 && !(e.key.verdict(key, okKey, allKey) && e.value.verdict(value, okValue, allValue)) {
		return dst[:start], false
	}
	out := dst[:start+n]
	found, entry := keys.find(e.seed, out, base, start+d, start+k)
	if found {
		return dst[:start], false
	}
	keys.add(entry)
	return out, true
}

// digits is the number of decimal digits of n > 0.
func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}
