package header

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// Format is the syslog header's layout.
type Format int

// Formats.
const (
	RFC5424 Format = iota // the default: full timestamp with time zone, STRUCTURED-DATA
	RFC3164               // BSD syslog: what older SIEM parsers and the CEF and LEEF guides show
)

// ParseFormat accepts rfc5424 and rfc3164.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "rfc5424":
		return RFC5424, nil
	case "rfc3164":
		return RFC3164, nil
	}
	return 0, fmt.Errorf("unknown syslog header %q (use rfc5424 or rfc3164)", s)
}

// String returns the name ParseFormat accepts.
func (f Format) String() string {
	if f == RFC3164 {
		return "rfc3164"
	}
	return "rfc5424"
}

// Header field limits from RFC 5424 §6.2.4-§6.2.7, and the TAG limit of RFC 3164 §4.1.3.
const (
	MaxHostname = 255
	MaxAppName  = 48
	MaxProcID   = 128
	MaxMsgID    = 32
	MaxTag      = 32
)

// MinMaxMessageBytes is the smallest MaxMessageBytes accepted: every receiver must take 480 octets (RFC 5424 §6.1).
const MinMaxMessageBytes = 480

// MinMsgRoom is the room for MSG that MaxMessageBytes must leave after the header.
const MinMsgRoom = 64

// Options configure a Header. The zero value of Facility and Severity is kern.emerg: callers set them.
type Options struct {
	Format             Format
	Facility, Severity int // 0..23 and 0..7, see ParseFacility and ParseSeverity

	// Header fields: "" or "-" is the NILVALUE; other values must be 1 to 255/48/128/32 printable US-ASCII
	// characters (ValidateHostname, ValidateAppName, ValidateProcID, ValidateMsgID). RFC 3164 has no PROCID, MSGID
	// or STRUCTURED-DATA field: APP-NAME and PROCID become the TAG `app[procid]:` (with the characters a TAG cannot
	// hold replaced; a NILVALUE APP-NAME gives the TAG DefaultTag), and MSGID and STRUCTURED-DATA are not sent;
	// Adjustments lists such changes.
	Hostname, AppName, ProcID, MsgID string

	// StructuredData is emitted verbatim (RFC 5424); "" or "-" is the NILVALUE. It must pass
	// ValidateStructuredData.
	StructuredData string

	// MaxMessageBytes limits the SYSLOG-MSG (header and MSG, not the framing). 0 means unlimited; otherwise it must
	// be at least 480 and leave 64 bytes for MSG after the header (CheckMaxMessageBytes).
	MaxMessageBytes int

	// Framing is what the sink asked for (pipeline.Sink.Framing); every frame carries it.
	Framing message.Framing

	// Location is the time zone of RFC 3164 timestamps, which cannot say which zone they are in; nil means UTC.
	Location *time.Location
}

// Header writes the header of every message. It is safe for concurrent use: after New only a one-word date cache
// changes, atomically.
type Header struct {
	opts        Options
	head        []byte // "<PRI>1 " (RFC 5424) or "<PRI>" (RFC 3164)
	tail        []byte // " HOSTNAME APP-NAME PROCID MSGID SD " or " HOSTNAME TAG: " (SP before MSG included)
	tsLen       int    // length of a timestamp
	day         atomic.Uint64
	max         int // MaxMessageBytes, or math.MaxInt
	adjustments []string
}

// withDefaults returns o with "" header fields and structured data as the NILVALUE "-" and a nil Location as UTC.
func (o Options) withDefaults() Options {
	for _, f := range []*string{&o.Hostname, &o.AppName, &o.ProcID, &o.MsgID, &o.StructuredData} {
		if *f == "" {
			*f = "-"
		}
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return o
}

// New validates o and precomputes the constant parts of the header. Every problem is reported at once.
func New(o Options) (*Header, error) {
	o = o.withDefaults()
	var errs []error
	bad := func(format string, v any, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf(format, v, err))
		}
	}
	bad("facility %d: %w", o.Facility, ValidateFacility(o.Facility))
	bad("severity %d: %w", o.Severity, ValidateSeverity(o.Severity))
	bad("hostname %q: %w", o.Hostname, ValidateHostname(o.Hostname))
	bad("app name %q: %w", o.AppName, ValidateAppName(o.AppName))
	bad("procid %q: %w", o.ProcID, ValidateProcID(o.ProcID))
	bad("msgid %q: %w", o.MsgID, ValidateMsgID(o.MsgID))
	bad("structured data %q: %w", o.StructuredData, ValidateStructuredData(o.StructuredData))
	switch o.Framing {
	case message.FramingOctet, message.FramingLF, message.FramingNone:
	default:
		errs = append(errs, fmt.Errorf("unknown framing %d", int(o.Framing)))
	}
	if o.Format != RFC5424 && o.Format != RFC3164 {
		errs = append(errs, fmt.Errorf("unknown header format %d", int(o.Format)))
	}
	bad("max message bytes %d: %w", o.MaxMessageBytes, CheckMaxMessageBytes(o))
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	h := &Header{max: math.MaxInt}
	h.head, h.tail, h.tsLen, o.Hostname, h.adjustments = layout(o)
	if o.MaxMessageBytes > 0 {
		h.max = o.MaxMessageBytes
	}
	h.opts = o
	return h, nil
}

// layout returns the constant parts of the header for o (defaults applied): the head up to the timestamp, the
// length of a timestamp, the tail after it (SP before MSG included), the HOSTNAME as sent, and what the RFC 3164
// header had to change.
func layout(o Options) (head, tail []byte, tsLen int, hostname string, adjustments []string) {
	pri, err := Priority(o.Facility, o.Severity)
	if err != nil {
		pri = 191 // the longest, for Len of invalid options
	}
	head = append(strconv.AppendInt([]byte{'<'}, int64(pri), 10), '>')
	if o.Format == RFC3164 {
		if host := hostChars(o.Hostname); host != o.Hostname {
			adjustments = append(adjustments, fmt.Sprintf("hostname %q sent as %q in the rfc3164 header (a host name or address)", o.Hostname, host))
			o.Hostname = host
		}
		tag, tagAdj := tag(o)
		adjustments = append(adjustments, tagAdj...)
		if o.MsgID != "-" || o.StructuredData != "-" {
			adjustments = append(adjustments, "msgid and structured data are not sent with the rfc3164 header, which has no such fields")
		}
		return head, fmt.Appendf(nil, " %s %s", o.Hostname, tag), rfc3164Len, o.Hostname, adjustments
	}
	head = append(head, "1 "...)
	tail = fmt.Appendf(nil, " %s %s %s %s %s ", o.Hostname, o.AppName, o.ProcID, o.MsgID, o.StructuredData)
	return head, tail, timestampLen, o.Hostname, nil
}

// Options returns the effective options: defaults applied, the HOSTNAME as sent.
func (h *Header) Options() Options { return h.opts }

// Adjustments describes the header fields New had to sanitize, cut or leave out, for a startup warning.
func (h *Header) Adjustments() []string { return slices.Clone(h.adjustments) }

// Len is the length of the header up to MSG (with a timestamp, not the NILVALUE).
func (h *Header) Len() int { return len(h.head) + h.tsLen + len(h.tail) }

// Max is MaxMessageBytes, or math.MaxInt when there is no limit.
func (h *Header) Max() int { return h.max }

// DefaultTag is the RFC 3164 TAG when APP-NAME is the NILVALUE. A message without a TAG (as in the CEF and LEEF
// guides' examples) loses its payload's first word to rsyslog's and syslog-ng's parsers, which take `CEF:`,
// `LEEF:2.0|...|` or `{"key":` for the TAG, so that no parser behind them sees the payload.
const DefaultTag = "siemship"

// tag is the RFC 3164 TAG and its colon (`app: `, `app[procid]: `), and what it had to change. A TAG is at most 32
// characters that no parser takes for its end: letters, digits and `._-`; anything else becomes '_' (rsyslog ends
// a TAG at '/').
func tag(o Options) (string, []string) {
	if o.AppName == "-" {
		o.AppName = DefaultTag
	}
	var adjustments []string
	t := tagChars(o.AppName)
	if len(t) > MaxTag {
		t = t[:MaxTag]
	}
	if t != o.AppName {
		adjustments = append(adjustments, fmt.Sprintf("app name %q sent as the rfc3164 tag %q (RFC 3164: up to 32 letters and digits)", o.AppName, t))
	}
	if o.ProcID != "-" {
		p := tagChars(o.ProcID)
		if p != o.ProcID {
			adjustments = append(adjustments, fmt.Sprintf("procid %q sent as %q in the rfc3164 tag", o.ProcID, p))
		}
		t += "[" + p + "]"
	}
	return t + ": ", adjustments
}

// hostChars replaces what is neither in a host name nor in an IPv4 address by '_' (RFC 3164 §4.1.2). An IPv6
// address loses its colons: rsyslog's RFC 3164 parser takes it for a TAG (QRadar's guide advises against IPv6
// there too).
func hostChars(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// tagChars replaces what could end an RFC 3164 TAG or its [pid] early by '_'.
func tagChars(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Begin appends the framing's room and the header up to MSG for log l. It returns dst, the frame's start and the
// limit MSG must end below (an index into dst; math.MaxInt when there is none).
func (h *Header) Begin(dst []byte, l *record.Log) (out []byte, start, limit int) {
	start = len(dst)
	dst = h.opts.Framing.Open(dst)
	msgStart := len(dst)
	dst = append(dst, h.head...)
	if h.opts.Format == RFC3164 {
		dst = appendRFC3164(dst, l.Time, l.TimeNs, h.opts.Location, &h.day)
	} else {
		dst = appendTimestamp(dst, l.Time, l.TimeNs, &h.day)
	}
	dst = append(dst, h.tail...)
	limit = h.max
	if limit != math.MaxInt {
		limit += msgStart
	}
	return dst, start, limit
}

// End completes the frame that Begin started at dst[start] (octet count or LF).
func (h *Header) End(dst []byte, start int) []byte { return h.opts.Framing.Close(dst, start) }
