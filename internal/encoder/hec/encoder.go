package hecenc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/header"
	jsonenc "github.com/siemship/siemship/internal/encoder/json"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/record"
)

// Options configure an Encoder.
type Options struct {
	// Host, Source, Sourcetype and Index are the event's metadata; "" leaves a field out (the token's default).
	// They must be valid UTF-8 without control characters (ValidateField).
	Host, Source, Sourcetype, Index string
	// MaxEventBytes bounds one event, envelope included, so that it fits a request (the sink's
	// MaxRequestBytes); at least MinEventBytes. 0 means no limit.
	MaxEventBytes int
	// Fields are copied as indexed fields into each event's "fields" member (ParseFields); the event object keeps
	// them too. Fields is empty when nothing is indexed.
	Fields []Field
}

// MinEventBytes is the smallest MaxEventBytes: an envelope with its metadata and a cut event object.
const MinEventBytes = 1024

// CheckEventBytes checks MaxEventBytes (0: no limit) for an encoder with fields indexed fields: room for the
// envelope, a cut event object and each field at its longest.
func CheckEventBytes(maxEventBytes, fields int) error {
	least := MinEventBytes + fields*(maxFieldValue+140)
	if maxEventBytes != 0 && maxEventBytes < least {
		if fields > 0 {
			return fmt.Errorf("max event bytes %d: at least %d with %d indexed fields", maxEventBytes, least, fields)
		}
		return fmt.Errorf("max event bytes %d: at least %d", maxEventBytes, least)
	}
	return nil
}

// maxField bounds a metadata setting.
const maxField = 1024

// ValidateField checks a metadata setting (HEC_HOST, HEC_SOURCE, HEC_SOURCETYPE, HEC_INDEX).
func ValidateField(s string) error {
	if len(s) > maxField {
		return fmt.Errorf("longer than %d bytes", maxField)
	}
	for _, c := range []byte(s) {
		if c < 0x20 || c == 0x7f {
			return errors.New("contains a control character")
		}
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	return nil
}

// Result tells the caller what the encoder had to change in one event; the caller counts it.
type Result = jsonenc.Result

// Encoder writes HEC events. It is safe for concurrent use.
type Encoder struct {
	obj      *jsonenc.Encoder
	host     []byte // `,"host":"…"` or nothing
	rest     []byte // `,"source":…,"sourcetype":…,"index":…` (those set)
	fields   []fieldKey
	maxEvent int
}

// NewEncoder checks o and precomputes the constant metadata.
func NewEncoder(o Options) (*Encoder, error) {
	var errs []error
	for _, f := range []struct{ name, v string }{{"host", o.Host}, {"source", o.Source}, {"sourcetype", o.Sourcetype}, {"index", o.Index}} {
		if err := ValidateField(f.v); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", f.name, f.v, err))
		}
	}
	for _, f := range o.Fields {
		if err := validName(f.Name); err != nil || f.From == "" {
			errs = append(errs, fmt.Errorf("indexed field %q from %q: %w", f.Name, f.From, errors.Join(err, errors.New("a record field is required"))))
		}
	}
	if err := CheckEventBytes(o.MaxEventBytes, len(o.Fields)); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	obj, err := jsonenc.NewEncoder(jsonenc.Options{Bare: true})
	if err != nil {
		return nil, err
	}
	e := &Encoder{obj: obj, maxEvent: o.MaxEventBytes}
	member := func(name, v string) []byte {
		if v == "" {
			return nil
		}
		q, _ := json.Marshal(v)
		return append([]byte(`,"`+name+`":`), q...)
	}
	e.host = member("host", o.Host)
	e.rest = append(append(member("source", o.Source), member("sourcetype", o.Sourcetype)...), member("index", o.Index)...)
	for _, f := range o.Fields {
		q, _ := json.Marshal(f.Name)
		e.fields = append(e.fields, fieldKey{quoted: string(q) + ":", from: f.From})
	}
	return e, nil
}

// AppendGroup appends one event per log of g to b, each a frame of its own (the sink concatenates them), and
// counts what it had to change. heads, when not nil, may give each log its host (message.HeadHostname).
func (e *Encoder) AppendGroup(b *message.Batch, g *record.Group, heads []message.Head, s *message.Scratch) message.Counts {
	var c message.Counts
	for li := range g.Logs {
		var hd *message.Head
		if heads != nil {
			hd = &heads[li]
		}
		var r Result
		b.Buf, r = e.AppendEvent(b.Buf, g, &g.Logs[li], hd)
		b.Ends = append(b.Ends, len(b.Buf))
		c.Add(r.Truncated, r.Sanitized)
	}
	return c
}

// AppendEvent appends the event of log l of group g to dst; hd (nil: none) may give its host.
func (e *Encoder) AppendEvent(dst []byte, g *record.Group, l *record.Log, hd *message.Head) ([]byte, Result) {
	start := len(dst)
	dst = append(dst, '{')
	if l.Time != 0 || l.TimeNs != 0 {
		dst = append(dst, `"time":`...)
		total := uint64(l.Time) + uint64(l.TimeNs/1e9)
		dst = strconv.AppendUint(dst, total, 10)
		us := l.TimeNs % 1e9 / 1e3
		dst = append(dst, '.', byte('0'+us/100000), byte('0'+us/10000%10), byte('0'+us/1000%10), byte('0'+us/100%10),
			byte('0'+us/10%10), byte('0'+us%10), ',')
	}
	sanitizedHost := false
	if hd != nil && hd.Set&message.HeadHostname != 0 {
		if hd.Hostname != "" {
			dst = append(dst, `"host":"`...)
			dst, sanitizedHost = appendPlain(dst, hd.Hostname)
			dst = append(dst, `",`...)
		}
	} else if len(e.host) > 0 {
		dst = append(dst, e.host[1:]...)
		dst = append(dst, ',')
	}
	if len(e.rest) > 0 {
		dst = append(dst, e.rest[1:]...)
		dst = append(dst, ',')
	}
	var fieldsCut, fieldsSanitized bool
	if len(e.fields) > 0 {
		dst, fieldsCut, fieldsSanitized = appendFields(dst, e.fields, g, l)
	}
	dst = append(dst, `"event":`...)
	limit := 0
	if e.maxEvent > 0 {
		limit = max(e.maxEvent-(len(dst)-start)-1, jsonenc.MinObjectBytes)
	}
	dst, r := e.obj.AppendObject(dst, g, l, limit)
	r.Sanitized = r.Sanitized || sanitizedHost || fieldsSanitized
	r.Truncated = r.Truncated || fieldsCut
	return append(dst, '}'), r
}

// appendPlain appends s for a JSON string of a host name: printable ASCII but space, '"' and '\', anything else as
// '_', at most maxField bytes. It reports whether s had to change.
func appendPlain(dst []byte, s string) ([]byte, bool) {
	return header.AppendReplacing(dst, s, maxField, plainHostByte)
}

func plainHostByte(c byte) bool { return c > 0x20 && c < 0x7f && c != '"' && c != '\\' }
