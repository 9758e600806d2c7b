// Package refparse holds reference parsers for CEF and LEEF messages, written from the standards and nothing else.
// They are the oracle that siemship's CEF and LEEF encoders are fuzzed against, so they share no code with any
// encoder and are imported only by tests.
//
// Sources, cited in short comments next to each rule:
//
//   - [CEF]: OpenText (Micro Focus) "ArcSight Common Event Format (CEF) Implementation Standard", revisions 25 to 27,
//     chapter 1 (Header Information, Header Field Definitions, The Extension Field, Character Encoding) and
//     chapter 4 (User-Defined Extensions).
//   - [LEEF]: IBM QRadar "Log Event Extended Format (LEEF)" guide, version 2: LEEF event components (syslog header,
//     LEEF header, event attributes, Tables 1 and 2) and Best practices guidelines.
//   - The optional syslog prefix: RFC 5424 section 6, RFC 3164 section 4.1, and the LEEF guide's "Syslog header".
//
// # What the parsers return
//
// ParseCEF and ParseLEEF take one message without framing (no trailing LF). The optional syslog header before
// "CEF:" or "LEEF:" is returned verbatim in Prefix (with its separating space), so Prefix is always a prefix of the
// line. Header fields and pairs come back unescaped; pairs keep their order and duplicates.
//
// # Strictness
//
// The parsers are strict: whatever the standard does not allow is an error that wraps one of the Err values, with
// the byte offset in the line where it helps. In particular:
//
//   - a CR or LF anywhere ([CEF] Character Encoding: new lines only as \n or \r in extension values; a LEEF event
//     is one line), and invalid UTF-8 (both standards require UTF-8);
//   - a missing header field or header terminator, a version other than CEF:0, CEF:1, LEEF:1.0, LEEF:2.0;
//   - CEF: a backslash that does not start one of the standard's escapes (\| \\ in the header; \\ \= \n \r in the
//     extension), a severity outside Unknown, Low, Medium, High, Very-High and 0 to 10, an extension that does not
//     start with key=, a key that is not alphanumeric, an unescaped = that does not end a key. An unescaped | inside
//     a header field shifts the fields after it; the severity and key checks are what catch that;
//   - LEEF: a bad DelimiterCharacter, an attribute without = or with an empty key, a key containing | (the guide
//     says to avoid |; in a key it is the sign of a header field that held one).
//
// Length limits are facts to report, not rules to enforce: CEF.Overlong and LEEF.Overlong list the header fields
// longer than the standard allows.
//
// Deliberately not modelled: the [CEF] note that =, % and # in vulnerability strings mapped to deviceEventClassId
// "must be escaped" (the standard names no escape for them in the header, so \= there is an error here); keys that
// are not alphanumeric (ArcSight's own ad.* and _ keys violate the standard; other parsers accept them).
package refparse

import "errors"

// The errors the parsers wrap. Use errors.Is.
var (
	ErrLineBreak = errors.New("line break in message")
	ErrUTF8      = errors.New("invalid UTF-8")
	ErrPrefix    = errors.New("bad syslog prefix")
	ErrVersion   = errors.New("bad version")
	ErrHeader    = errors.New("bad header")
	ErrEscape    = errors.New("bad escape")
	ErrSeverity  = errors.New("bad severity")
	ErrExtension = errors.New("bad extension")
	ErrDelimiter = errors.New("bad delimiter")
	ErrAttribute = errors.New("bad attribute")
)

// Pair is one CEF extension pair or LEEF event attribute, unescaped.
type Pair struct {
	Key, Value string
}

// Overlong is a header field longer than its standard's limit, in characters (Unicode code points) after unescaping.
type Overlong struct {
	Field string // the standard's name for the field
	Len   int
	Max   int
}
