package config

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// CursorKind says where a shard without a checkpoint starts.
type CursorKind int

// Cursor kinds; they map to the SDK's BEGIN_CURSOR, END_CURSOR and SPECIAL_TIMER_CURSOR.
const (
	CursorBegin CursorKind = iota // oldest retained data
	CursorEnd                     // only data arriving from now on
	CursorTime                    // data received by SLS at or after Unix
)

// CursorStart is the parsed SLS_CURSOR_START. The zero value is CursorBegin.
type CursorStart struct {
	Kind CursorKind
	Unix int64 // seconds since the epoch of the server receive time; only for CursorTime
}

// maxUnixSeconds rejects numbers that are most likely milliseconds (it is the year 5138 in seconds).
const maxUnixSeconds = 99_999_999_999

var errCursor = errors.New("must be begin, end, an RFC 3339 time such as 2026-01-02T15:04:05Z, or unix seconds")

// Decode implements envconfig.Decoder. It accepts begin, end (any case), an RFC 3339 time (fractions are cut to
// whole seconds) or non-negative unix seconds.
func (c *CursorStart) Decode(v string) error {
	switch strings.ToLower(v) {
	case "begin":
		*c = CursorStart{Kind: CursorBegin}
		return nil
	case "end":
		*c = CursorStart{Kind: CursorEnd}
		return nil
	}
	if v != "" && strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > maxUnixSeconds {
			return errors.New("unix seconds too large (milliseconds?); " + errCursor.Error())
		}
		*c = CursorStart{Kind: CursorTime, Unix: n}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return errCursor
	}
	if t.Unix() < 0 {
		return errors.New("time before 1970; " + errCursor.Error())
	}
	*c = CursorStart{Kind: CursorTime, Unix: t.Unix()}
	return nil
}

// From returns the value of GetCursor's from parameter (and of the consumer's cursor start): begin, end or unix
// seconds.
func (c CursorStart) From() string {
	switch c.Kind {
	case CursorBegin:
		return "begin"
	case CursorEnd:
		return "end"
	default:
		return strconv.FormatInt(c.Unix, 10)
	}
}

// String returns begin, end or the time in RFC 3339 (UTC); it decodes back to the same value.
func (c CursorStart) String() string {
	switch c.Kind {
	case CursorBegin:
		return "begin"
	case CursorEnd:
		return "end"
	default:
		return time.Unix(c.Unix, 0).UTC().Format(time.RFC3339)
	}
}
