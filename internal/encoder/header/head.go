package header

import (
	"math"
	"strconv"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// syslogFields are the fields of a message.Head that the syslog header writes.
const syslogFields = message.HeadSeverity | message.HeadFacility | message.HeadHostname | message.HeadAppName |
	message.HeadMsgID

// BeginHead is Begin for a record whose mapping chose some header fields (hd; nil means none). A chosen value is
// record text, so it is made to fit the field as the settings' validators would require it: bytes other than
// printable US-ASCII become '_' (RFC 3164: what a host name or TAG cannot hold), it is cut to the field's limit,
// and "" is the NILVALUE; sanitized says that a value had to change. An out-of-range severity or facility keeps
// the setting and counts as sanitized too.
func (h *Header) BeginHead(dst []byte, l *record.Log, hd *message.Head) (out []byte, start, limit int, sanitized bool) {
	if hd == nil || hd.Set&syslogFields == 0 {
		out, start, limit = h.Begin(dst, l)
		return out, start, limit, false
	}
	start = len(dst)
	dst = h.opts.Framing.Open(dst)
	msgStart := len(dst)
	fac, sev := h.opts.Facility, h.opts.Severity
	if hd.Set&message.HeadFacility != 0 {
		if ValidateFacility(hd.Facility) == nil {
			fac = hd.Facility
		} else {
			sanitized = true
		}
	}
	if hd.Set&message.HeadSeverity != 0 {
		if ValidateSeverity(hd.Severity) == nil {
			sev = hd.Severity
		} else {
			sanitized = true
		}
	}
	pri := fac*8 + sev
	dst = h.appendPriTime(dst, pri, l)
	if hd.Set&(message.HeadHostname|message.HeadAppName|message.HeadMsgID) == 0 {
		dst = append(dst, h.tail...)
	} else {
		var s bool
		dst, s = h.appendTail(dst, hd)
		sanitized = sanitized || s
	}
	limit = h.max
	if limit != math.MaxInt {
		limit += msgStart
		// Fields from the record may make the header longer than Len: MSG keeps at least MinMsgRoom bytes, as
		// CheckMaxMessageBytes guarantees for the settings, by falling back to the settings' fields.
		if len(dst)+MinMsgRoom > limit {
			dst = append(h.appendPriTime(dst[:msgStart], pri, l), h.tail...)
			sanitized = true
		}
	}
	return dst, start, limit, sanitized
}

// appendPriTime appends "<PRI>1 TIMESTAMP" (RFC 5424) or "<PRI>Mmm dd hh:mm:ss" (RFC 3164).
func (h *Header) appendPriTime(dst []byte, pri int, l *record.Log) []byte {
	dst = append(strconv.AppendInt(append(dst, '<'), int64(pri), 10), '>')
	if h.opts.Format == RFC3164 {
		return appendRFC3164(dst, l.Time, l.TimeNs, h.opts.Location, &h.day)
	}
	return appendTimestamp(append(dst, "1 "...), l.Time, l.TimeNs, &h.day)
}

// appendTail appends the header after the timestamp with the fields hd chose in place of the settings.
func (h *Header) appendTail(dst []byte, hd *message.Head) ([]byte, bool) {
	var s, any bool
	host := h.opts.Hostname
	dst = append(dst, ' ')
	if h.opts.Format == RFC3164 {
		if hd.Set&message.HeadHostname != 0 {
			dst, s = appendField(dst, hd.Hostname, MaxHostname, hostByte)
			any = any || s
		} else {
			dst = append(dst, host...)
		}
		if hd.Set&message.HeadAppName == 0 {
			return append(dst, h.tail[len(" ")+len(host):]...), any // " TAG: " as New made it
		}
		dst = append(dst, ' ')
		if hd.AppName == "" || hd.AppName == "-" {
			dst = append(dst, DefaultTag...)
		} else {
			dst, s = appendField(dst, hd.AppName, MaxTag, hostByte)
			any = any || s
		}
		if h.opts.ProcID != "-" {
			dst = append(dst, '[')
			dst, _ = appendField(dst, h.opts.ProcID, MaxProcID, hostByte)
			dst = append(dst, ']')
		}
		return append(dst, ": "...), any
	}
	for _, f := range [...]struct {
		bit message.HeadFields
		v   string
		set string
		max int
	}{
		{message.HeadHostname, hd.Hostname, host, MaxHostname},
		{message.HeadAppName, hd.AppName, h.opts.AppName, MaxAppName},
		{0, "", h.opts.ProcID, MaxProcID},
		{message.HeadMsgID, hd.MsgID, h.opts.MsgID, MaxMsgID},
	} {
		if f.bit != 0 && hd.Set&f.bit != 0 {
			dst, s = appendField(dst, f.v, f.max, printByte)
			any = any || s
		} else {
			dst = append(dst, f.set...)
		}
		dst = append(dst, ' ')
	}
	dst = append(dst, h.opts.StructuredData...)
	return append(dst, ' '), any
}

// printByte is what an RFC 5424 header field holds: PRINTUSASCII.
func printByte(c byte) bool { return c >= 33 && c <= 126 }

// hostByte is what an RFC 3164 HOSTNAME or TAG holds without a parser ending it early (hostChars, tagChars).
func hostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// appendField appends v as a header field: at most max bytes, each byte that ok refuses as '_', "" as the
// NILVALUE. It reports whether v had to change.
func appendField(dst []byte, v string, max int, ok func(byte) bool) ([]byte, bool) {
	if v == "" {
		return append(dst, '-'), false
	}
	return AppendReplacing(dst, v, max, ok)
}

// AppendReplacing appends v cut to at most max bytes, each byte that ok refuses as '_', for a field that must hold
// a plain token (a header field, a HEC host). It reports whether v had to change.
func AppendReplacing(dst []byte, v string, max int, ok func(byte) bool) ([]byte, bool) {
	changed := len(v) > max
	v = v[:min(len(v), max)]
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !ok(c) {
			c, changed = '_', true
		}
		dst = append(dst, c)
	}
	return dst, changed
}
