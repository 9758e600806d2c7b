// Package kv is the kv format: it turns SLS logs into framed syslog messages whose MSG is the ||key=value payload of
// Alibaba's Python sample. It is pure: no I/O, no logging, no globals that change.
//
// # Message
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD SP MSG
//
// The header (RFC 5424 by default, or RFC 3164) is package header's: PRI from facility and severity, TIMESTAMP
// from the log's __time__ and nanosecond part, fixed header fields. MSG never carries a BOM: receivers mishandle it
// (rsyslog keeps it in the message, JSON parsers and regexes break on it), and MSG-ANY without BOM is valid RFC 5424.
//
// # Payload
//
// MSG is the Python SDK's flattening, each pair preceded by the separator (default "||"):
//
//	||__topic__=t||__source__=s||__tag__:host=h9||k=v||msg=hello
//
// __topic__ and __source__ always (even when empty), then __tag__:<key> for each tag and the contents, in order.
// __time__ is the header TIMESTAMP, not a pair; __time_ns_part__ is not emitted (its microseconds are in the
// TIMESTAMP). Unlike Python's dict, a content key that repeats an earlier key does not overwrite it: both pairs
// are sent, in order.
//
// # Hostile content
//
// Keys and values are escaped so that, in every framing, nothing in them can end the line, forge a second
// message or shift a pair boundary, and so that ParsePayload returns exactly the original pairs:
//
//   - '\' becomes \\ ; LF, CR and TAB become \n, \r and \t; the other C0 controls (0x00-0x1F) and DEL (0x7F)
//     become \xHH with lower-case hex digits. The message therefore contains no byte below 0x20 and no 0x7F.
//   - Where the separator starts inside a key or value (or would start when the separator that follows a value is
//     appended), its first byte is escaped with '\' ("a||b" becomes "a\||b" with the default separator).
//   - '=' in a key becomes \= ; values keep '=' as is (a pair's key ends at its first unescaped '=').
//   - Each byte that is not part of a valid UTF-8 rune becomes \xHH too, so the message stays valid UTF-8 and
//     nothing is lost. Valid UTF-8 (including C1 controls, U+2028 and U+FFFD) is passed through unchanged.
//
// Result.Sanitized reports that a record needed any of these. The separator is 1..16 printable ASCII bytes
// without '\' or '=' and not starting with a letter or digit, so its escape never reads as \n, \r, \t or \x.
//
// # Size
//
// With MaxMessageBytes the SYSLOG-MSG (header, SD, SP and MSG, not the octet-count prefix or LF) is at most that
// long: the payload is cut at a rune boundary, never inside an escape sequence or separator. A pair whose key
// does not fit is left out entirely, so a truncated payload still parses and only its last value is shortened.
// Result.Truncated reports it; counting and logging are the caller's job.
//
// # Framing
//
// Every frame carries the framing in Options.Framing, which the sink chooses (message.Framing): the encoder writes
// it in place, so that a batch reaches the sink without another copy.
//
// crewjam/rfc5424 serves as the data model and the test oracle only; its Local0..Local7 constants are wrong.
package kv
