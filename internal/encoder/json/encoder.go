package jsonenc

import (
	"errors"
	"fmt"
	"math"

	"github.com/siemship/siemship/internal/encoder/header"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// Options configure an Encoder.
type Options struct {
	// Header is the syslog header in front of every object (RFC 5424 by default, or RFC 3164), its framing and
	// MaxMessageBytes, as package header takes them. With Bare only Framing and MaxMessageBytes apply.
	Header header.Options

	// Bare leaves the syslog header out: each frame holds the JSON object alone (with LF framing, one object per
	// line: NDJSON). Header.MaxMessageBytes then limits the object: 0 means unlimited, otherwise it must be at
	// least 480, as with a header. Header fields (facility, severity, hostname...) are not sent.
	Bare bool
}

// Result tells the caller what the encoder had to change in one message; the caller counts it.
type Result struct {
	Truncated bool // the object was cut to fit the limit: it ends with "__truncated__":true
	Sanitized bool // a key or value had a control character or invalid UTF-8, or a repeated key was renamed
}

// MinObjectBytes is the shortest object the encoder writes when it must cut one: {"__truncated__":true}. A
// smaller limit counts as this one.
const MinObjectBytes = len(`{"__truncated__":true}`)

// truncatedMember closes a cut object.
const truncatedMember = `"` + truncatedName + `":true}`

// Encoder turns SLS logs into JSON objects, framed syslog messages by default. It is safe for concurrent use: it
// does not change after NewEncoder (package header's date cache aside, which is atomic).
type Encoder struct {
	opts    Options
	hdr     *header.Header // nil: bare, no header
	framing message.Framing
	max     int // the limit of a bare object: MaxMessageBytes, or math.MaxInt
}

// NewEncoder validates o and precomputes the constant parts of the header. Every problem is reported at once.
func NewEncoder(o Options) (*Encoder, error) {
	e := &Encoder{framing: o.Header.Framing, max: math.MaxInt}
	if !o.Bare {
		hdr, err := header.New(o.Header)
		if err != nil {
			return nil, err
		}
		o.Header = hdr.Options()
		e.hdr = hdr
		e.opts = o
		return e, nil
	}
	var errs []error
	switch o.Header.Framing {
	case message.FramingOctet, message.FramingLF, message.FramingNone:
	default:
		errs = append(errs, fmt.Errorf("unknown framing %d", int(o.Header.Framing)))
	}
	// The header's rule for a header of no length: 0 (unlimited) or at least 480.
	if err := header.CheckMaxMessageBytes(header.Options{MaxMessageBytes: o.Header.MaxMessageBytes}); err != nil {
		errs = append(errs, fmt.Errorf("max message bytes %d: %w", o.Header.MaxMessageBytes, err))
	} else if o.Header.MaxMessageBytes > 0 {
		e.max = o.Header.MaxMessageBytes
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e.opts = o
	return e, nil
}

// Options returns the effective options: header defaults applied and header fields sanitized (as given when
// Bare).
func (e *Encoder) Options() Options { return e.opts }

// Adjustments describes the header fields NewEncoder had to sanitize, cut or leave out, for a startup warning;
// none when Bare.
func (e *Encoder) Adjustments() []string {
	if e.hdr == nil {
		return nil
	}
	return e.hdr.Adjustments()
}

// AppendFrame appends one framed message for log l of group g to dst and returns the extended slice. With a dst
// reused across calls (dst[:0]) it does not allocate once dst has grown to the largest frame, unless the record
// repeats a key.
func (e *Encoder) AppendFrame(dst []byte, g *record.Group, l *record.Log) ([]byte, Result) {
	return e.appendFrame(dst, g, l, nil, nil)
}

// appendFrame is AppendFrame with the header fields a mapping chose (hd; nil: the settings) and a date cache (nil:
// none).
func (e *Encoder) appendFrame(dst []byte, g *record.Group, l *record.Log, hd *message.Head, c *dateCache) ([]byte, Result) {
	dst, start, limit, sanitized := e.beginFrame(dst, l, hd)
	dst, r := e.appendObject(dst, g, l, limit, c)
	r.Sanitized = r.Sanitized || sanitized
	return e.endFrame(dst, start), r
}

// AppendObject appends the JSON object of log l of group g to dst, without header or framing, at most limit bytes
// long (limit <= 0: no limit; below MinObjectBytes: MinObjectBytes). It is what AppendFrame puts in a frame, for
// sinks that carry the object in another envelope (Splunk HEC's "event").
func (e *Encoder) AppendObject(dst []byte, g *record.Group, l *record.Log, limit int) ([]byte, Result) {
	end := math.MaxInt
	if limit > 0 {
		limit = max(limit, MinObjectBytes)
		if limit <= math.MaxInt-len(dst) {
			end = len(dst) + limit
		}
	}
	return e.appendObject(dst, g, l, end, nil)
}

// beginFrame appends the framing's room and the header (none when bare; with the fields of hd, see
// header.BeginHead) for log l. It returns dst, the frame's start, the limit the object must end at or before (an
// index into dst; math.MaxInt when there is none) and whether a field of hd was sanitized.
func (e *Encoder) beginFrame(dst []byte, l *record.Log, hd *message.Head) (out []byte, start, limit int, sanitized bool) {
	if e.hdr != nil {
		return e.hdr.BeginHead(dst, l, hd)
	}
	start = len(dst)
	dst = e.framing.Open(dst)
	limit = math.MaxInt
	if e.max != math.MaxInt {
		limit = len(dst) + e.max
	}
	return dst, start, limit, false
}

// endFrame completes the frame that begins at dst[start] (octet count or LF).
func (e *Encoder) endFrame(dst []byte, start int) []byte {
	if e.hdr != nil {
		return e.hdr.End(dst, start)
	}
	return e.framing.Close(dst, start)
}
