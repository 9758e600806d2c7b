// Package leef is the leef format: it turns SLS logs into framed syslog messages whose MSG is an IBM QRadar LEEF
// event (LEEF 2.0 by default, LEEF 1.0 as an option), written from IBM's LEEF guide. It is pure: no I/O, no
// logging, no globals that change.
//
// # Message
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD LEEF:2.0|Vendor|Product|Version|EventID|x09|attributes
//	<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: LEEF:1.0|Vendor|Product|Version|EventID|attributes
//
// The syslog header (RFC 5424 or RFC 3164) and the framing are package header's. The LEEF header's fields are the
// constants of Options, checked by ValidateHeaderField, or the values a mapping chose for the record
// (AppendFrameHead), substituted and cut as record data; a chosen severity adds the sev attribute (1 to 10,
// header.SIEMSeverity) after the log group's attributes.
// LEEF 2.0 writes its DelimiterCharacter as the character itself when it is printable ASCII other than '|', else
// as x and its hex code (x09 for the default tab).
//
// # Attributes
//
// key=value pairs separated by the delimiter (a tab by default; always a tab in LEEF 1.0), in this order:
// __topic__ and __source__ (always, even empty), __tag__:<key> for each tag of the log group, devTime (the log's
// time as 13 digits of epoch milliseconds, which QRadar reads without devTimeFormat; left out for a log without
// time), then the contents in order. The SLS names are kept: no LEEF predefined attribute means the same.
//
// Keys are unique in a message (the guide: a key appears once; QRadar may ignore a repeated one's value): a key
// already written gets _<n> appended, n being its attribute's number in the message (1 for the first), until it
// is unique, so a content named __topic__ or devTime can never shadow siemship's. An empty key becomes U+FFFD.
//
// # Substitutes
//
// LEEF has no escape sequences. Whatever would end a field where it stands is replaced by a visible character of
// three UTF-8 bytes, so that no key or value can end the line, forge a message, move an attribute boundary or a
// header field, and the message is valid UTF-8 whose only byte below 0x20 is the tab that separates attributes
// (when it is the delimiter):
//
//   - C0 controls (0x00-0x1F, tab, LF and CR included) by their Control Pictures U+2400-U+241F (␀ ␉ ␊ ␍), DEL by ␡;
//   - each byte that is not part of valid UTF-8 by U+FFFD;
//   - in keys and values, the delimiter: an ASCII one by its fullwidth form (^ by ＾ U+FF3E, | by ｜ U+FF5C), a
//     non-ASCII one by U+FFFD;
//   - in keys, '=' (＝ U+FF1D) and '|' (｜); in header fields, '|'.
//
// Values keep '=' (a key ends at the first '=') and '|' (the header ends at its fifth or sixth '|'). Everything
// else, all valid UTF-8 included, is sent as it is. This is lossy: a substitute reads the same as the character
// itself in the record, and a renamed key the same as a record's key of that name. Result.Sanitized reports a
// record that needed any of it.
//
// # Size
//
// With MaxMessageBytes the SYSLOG-MSG is at most that long: the attributes are cut between characters, never
// inside a substitute; an attribute whose key does not fit is left out, so the cut message still parses and only
// its last value is shortened. Header fields are cut to 255 characters. Result.Truncated reports either.
package leef
