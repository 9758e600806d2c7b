// Package cef is the cef format: it turns SLS logs into framed syslog messages whose MSG is an ArcSight Common Event
// Format (CEF) event, written to the CEF Implementation Standard (OpenText/Micro Focus, revision 27). It is pure:
// no I/O, no logging, no globals that change.
//
// # Message
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD CEF:0|Vendor|Product|Version|EventClass|Name|Severity|Extension
//	<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: CEF:0|...
//
// The syslog header is package header's (RFC 5424 or RFC 3164). The CEF header: Vendor, Product and Version are
// constants (default "Alibaba Cloud", "SLS", "1"); the Device Event Class ID and the Name are constants or, by
// default, the log group's topic; the Severity is a constant 0..10. A mapping may choose any of them per record
// (AppendFrameHead, message.Head): the values are escaped and cut as record data, an empty one keeps the setting,
// and a chosen syslog severity gives the CEF Severity (header.SIEMSeverity). headFor is the one place that decides.
//
// # Extension
//
//	rt=1795425745147 slsTopic=t slsSource=s slsTagk=v key=value ...
//
// rt is the log's time in milliseconds since the epoch (left out for a log without a time); then the group's topic,
// source and tags, and the log's contents in order, duplicates kept. Keys: a key that is alphanumeric is sent as is
// (dictionary keys such as msg or suser included), except the dictionary keys reserved for the SIEM (eventId, ...);
// every other byte becomes x and two upper-case hex digits ("userIdentity.type" -> "userIdentityx2Etype"), so that
// the SLS key can always be recovered (see keys.go for the rule and its inverse).
//
// # Hostile content
//
// Header fields escape '\' and '|'; extension values escape '\' and '=' and send LF and CR as \n and \r, as the
// standard says, so no value can end the message, move a pair boundary or shift a header field. What the standard
// cannot carry is replaced by a visible character (escape.go): other control bytes and DEL by their Unicode Control
// Pictures (TAB by U+2409), line breaks in header fields likewise, invalid UTF-8 by U+FFFD. The message is therefore
// valid UTF-8 without a byte below 0x20 or 0x7F. Result.Sanitized reports a record that needed any of this.
//
// # Limits
//
// Header fields are cut to the standard's limits (vendor and product 63, version 31, event class 1023, name 512
// characters) between two characters, never inside an escape. With MaxMessageBytes the extension is cut before a
// pair whose key does not fit, or inside the last value between two characters or escapes, so the cut message still
// parses and only its last value is shortened; if the header itself would leave less than 32 bytes for the
// extension, the event class and name are cut further. Result.Truncated reports either.
package cef
