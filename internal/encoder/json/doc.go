// Package jsonenc is the json format: it turns SLS logs into one JSON object each, sent as the MSG of a syslog
// message (RFC 5424 or RFC 3164 header from package header) or bare, one object per frame (NDJSON with LF
// framing). It is pure: no I/O, no logging, no globals that change. The package is named jsonenc, not json, so
// that jsonenc.NewEncoder is not read as encoding/json's NewEncoder, and its tests can use encoding/json.
//
// # Object
//
// One flat object per log, every value a string but __time__'s, keys in this order:
//
//	{"__time__":"2026-11-23T09:22:25.147976960Z","__topic__":"t","__source__":"s","__tag__:host":"h9","k":"v"}
//
// __time__ is the log's time in UTC, RFC 3339 with all nine fractional digits (null for a log with time 0 and no
// nanosecond part); then __topic__ and __source__ (always, even when empty), __tag__:<key> for each tag of the
// group, and the contents in the producer's order. These are SLS's own names, as in the kv format.
//
// # Keys
//
// Keys are unique (see renames): a repeated key is sent as key#2 (key#3, ...), never dropped or merged.
//
// # Escaping
//
// Strings are escaped as RFC 8259 requires: '"' and '\' as \" and \\, C0 controls as \b \f \n \r \t or \u00XX;
// also DEL as \u007f, and U+2028 and U+2029 as \u2028 and \u2029 (as encoding/json does, for JavaScript
// consumers). A message is therefore valid UTF-8 without any control byte, and with LF framing the only LF is the
// frame's. Each byte that is not part of valid UTF-8 becomes \ufffd: JSON strings cannot carry it, so that is
// lossy. Result.Sanitized reports a control character, invalid UTF-8 or a renamed key.
//
// # Size
//
// With a limit (Header.MaxMessageBytes, or AppendObject's) an object that does not fit is cut at a member
// boundary or inside the last member's string value at a rune boundary, never inside an escape sequence, and
// closed with "__truncated__":true, so it is still valid JSON. Result.Truncated reports it.
//
// docs/format.md (## json) is the user's description of all this.
package jsonenc
