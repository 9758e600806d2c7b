// Package header writes the syslog header in front of every message, whatever the payload format: RFC 5424
// (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA `) or RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOSTNAME
// TAG: `), inside the framing the sink asked for, and bounds the message to MaxMessageBytes. It also holds the rules
// of the header's parts (facility and severity names, header field limits, STRUCTURED-DATA) that config checks
// settings with. It is pure: no I/O, no logging.
package header
