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

	// Header fields: "" or "-" is the NILVALUE; other values are sanitized to PRINTUSASCII (every other rune,
	// space included, becomes '_') and cut to 255/48/128/32 bytes. Adjustments lists what was changed. RFC 3164
	// has no PROCID, MSGID or STRUCTURED-DATA field: APP-NAME and PROCID become the TAG `app[procid]:`, and MSGID
	// and STRUCTURED-DATA are not sent; a NILVALUE APP-NAME gives the TAG DefaultTag.
	Hostname, AppName, ProcID, MsgID string

	// StructuredData is emitted verbatim (RFC 5424); "" or "-" is the NILVALUE. It must pass
	// ValidateStructuredData.
	StructuredData string

	// MaxMessageBytes limits the SYSLOG-MSG (header and MSG, not the framing). 0 means unlimited; otherwise it must
	// be at least 480 and leave 64 bytes for MSG after the header.
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

// New validates o and precomputes the constant parts of the header. Every problem is reported at once.
func New(o Options) (*Header, error) {
	var errs []error
	if _, err := Priority(o.Facility, 0); err != nil {
		errs = append(errs, err)
	}
	if _, err := Priority(0, o.Severity); err != nil {
		errs = append(errs, err)
	}
	if o.StructuredData == "" {
		o.StructuredData = "-"
	}
	if err := ValidateStructuredData(o.StructuredData); err != nil {
		errs = append(errs, err)
	}
	switch o.Framing {
	case message.FramingOctet, message.FramingLF, message.FramingNone:
	default:
		errs = append(errs, fmt.Errorf("unknown framing %d", int(o.Framing)))
	}
	if o.Format != RFC5424 && o.Format != RFC3164 {
		errs = append(errs, fmt.Errorf("unknown header format %d", int(o.Format)))
	}
	if o.MaxMessageBytes < 0 {
		errs = append(errs, fmt.Errorf("max message bytes %d is negative (0 means unlimited)", o.MaxMessageBytes))
	}
	if o.Location == nil {
		o.Location = time.UTC
	}

	h := &Header{}
	o.Hostname = h.field("hostname", o.Hostname, MaxHostname)
	o.AppName = h.field("app name", o.AppName, MaxAppName)
	o.ProcID = h.field("procid", o.ProcID, MaxProcID)
	o.MsgID = h.field("msgid", o.MsgID, MaxMsgID)
	pri, _ := Priority(o.Facility, o.Severity) // checked above; used only when errs is empty
	h.head = append(strconv.AppendInt([]byte{'<'}, int64(pri), 10), '>')
	if o.Format == RFC3164 {
		h.tsLen = rfc3164Len
		if host := hostChars(o.Hostname); host != o.Hostname {
			h.adjustments = append(h.adjustments, fmt.Sprintf("hostname %q sent as %q in the rfc3164 header (a host name or address)", o.Hostname, host))
			o.Hostname = host
		}
		h.tail = fmt.Appendf(nil, " %s %s", o.Hostname, h.tag(o))
		if o.MsgID != "-" || o.StructuredData != "-" {
			h.adjustments = append(h.adjustments, "msgid and structured data are not sent with the rfc3164 header, which has no such fields")
		}
	} else {
		h.head = append(h.head, "1 "...)
		h.tsLen = timestampLen
		h.tail = fmt.Appendf(nil, " %s %s %s %s %s ", o.Hostname, o.AppName, o.ProcID, o.MsgID, o.StructuredData)
	}
	h.max = math.MaxInt
	if o.MaxMessageBytes > 0 {
		h.max = o.MaxMessageBytes
		if err := CheckMaxMessageBytes(o.MaxMessageBytes, h.Len()); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	h.opts = o
	return h, nil
}

// CheckMaxMessageBytes reports whether n bytes hold a message whose header takes headerLen bytes: at least 480
// (what every receiver must accept), and 64 bytes for MSG after the header.
func CheckMaxMessageBytes(n, headerLen int) error {
	if n < MinMaxMessageBytes || n < headerLen+MinMsgRoom {
		return fmt.Errorf("max message bytes %d is too small: need at least %d (480, and the %d-byte header and structured data plus %d bytes of message)",
			n, max(MinMaxMessageBytes, headerLen+MinMsgRoom), headerLen, MinMsgRoom)
	}
	return nil
}

// Options returns the effective options: defaults applied, header fields sanitized.
func (h *Header) Options() Options { return h.opts }

// Adjustments describes the header fields New had to sanitize, cut or leave out, for a startup warning.
func (h *Header) Adjustments() []string { return slices.Clone(h.adjustments) }

// Len is the length of the header up to MSG (with a timestamp, not the NILVALUE).
func (h *Header) Len() int { return len(h.head) + h.tsLen + len(h.tail) }

// Max is MaxMessageBytes, or math.MaxInt when there is no limit.
func (h *Header) Max() int { return h.max }

// field applies the NILVALUE, PRINTUSASCII and length rules to one header field.
func (h *Header) field(what, s string, limit int) string {
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
		h.adjustments = append(h.adjustments, fmt.Sprintf("%s %q sent as %q (RFC 5424: 1..%d printable ASCII characters)", what, s, b, limit))
	}
	return string(b)
}

// DefaultTag is the RFC 3164 TAG when APP-NAME is the NILVALUE. A message without a TAG (as in the CEF and LEEF
// guides' examples) loses its payload's first word to rsyslog's and syslog-ng's parsers, which take `CEF:`,
// `LEEF:2.0|...|` or `{"key":` for the TAG, so that no parser behind them sees the payload.
const DefaultTag = "siemship"

// tag is the RFC 3164 TAG and its colon (`app: `, `app[procid]: `). A TAG is at most 32 characters that no parser
// takes for its end: letters, digits and `._-`; anything else becomes '_' (rsyslog ends a TAG at '/').
func (h *Header) tag(o Options) string {
	if o.AppName == "-" {
		o.AppName = DefaultTag
	}
	t := tagChars(o.AppName)
	if len(t) > MaxTag {
		t = t[:MaxTag]
	}
	if t != o.AppName {
		h.adjustments = append(h.adjustments, fmt.Sprintf("app name %q sent as the rfc3164 tag %q (RFC 3164: up to 32 letters and digits)", o.AppName, t))
	}
	if o.ProcID != "-" {
		p := tagChars(o.ProcID)
		if p != o.ProcID {
			h.adjustments = append(h.adjustments, fmt.Sprintf("procid %q sent as %q in the rfc3164 tag", o.ProcID, p))
		}
		t += "[" + p + "]"
	}
	return t + ": "
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
