package message

import (
	"fmt"
	"strings"
)

// Framing is how one SYSLOG-MSG is delimited on the wire.
type Framing int

const (
	// FramingOctet is octet counting, "<len> <msg>" (RFC 6587 §3.4.1, mandatory in RFC 5425 for TLS).
	FramingOctet Framing = iota
	// FramingLF is non-transparent framing, "<msg>\n" (RFC 6587 §3.4.2): Splunk, QRadar, Logstash, syslog-ng network().
	FramingLF
	// FramingNone is the bare message, one per UDP datagram (RFC 5426).
	FramingNone
)

// ParseFraming accepts "octet" (also "octet-counting", "octet-counted"), "lf" (also "newline",
// "non-transparent") and "none".
func ParseFraming(s string) (Framing, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "octet", "octet-counting", "octet-counted":
		return FramingOctet, nil
	case "lf", "newline", "non-transparent":
		return FramingLF, nil
	case "none":
		return FramingNone, nil
	}
	return 0, fmt.Errorf("unknown framing %q (use octet or lf)", s)
}

// String returns the name ParseFraming accepts.
func (f Framing) String() string {
	switch f {
	case FramingOctet:
		return "octet"
	case FramingLF:
		return "lf"
	case FramingNone:
		return "none"
	}
	return fmt.Sprintf("Framing(%d)", int(f))
}

// Open appends the room the frame needs before its message (for octet counting, a prefix of the usual width)
// and returns dst. The message follows; Close completes the frame.
func (f Framing) Open(dst []byte) []byte {
	if f == FramingOctet {
		dst = append(dst, "000 "...)
	}
	return dst
}

// Close completes the frame that Open began at dst[start]: the octet count, or the LF. It returns dst, which
// octet counting may have lengthened or shortened by moving the message.
func (f Framing) Close(dst []byte, start int) []byte {
	switch f {
	case FramingOctet:
		dst = finishOctet(dst, start)
	case FramingLF:
		dst = append(dst, '\n')
	}
	return dst
}

// octetPrefixReserve is the room Open leaves for "<len> " before it knows the length: three digits and a
// space fit messages of 100..999 bytes without moving them.
const octetPrefixReserve = 4

// finishOctet writes the "<len> " prefix into the reserved room at dst[start:start+octetPrefixReserve] for the
// message that follows it, moving the message when the prefix needs another width. It never allocates when dst
// has spare capacity for the move.
func finishOctet(dst []byte, start int) []byte {
	msgStart := start + octetPrefixReserve
	n := len(dst) - msgStart
	if n >= 100 && n <= 999 { // the usual case: the reserved room fits, the space is already there
		p := dst[start : start+3]
		p[0], p[1], p[2] = byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10)
		return dst
	}
	var digits [20]byte
	d := len(digits)
	for v := n; ; v /= 10 {
		d--
		digits[d] = byte('0' + v%10)
		if v < 10 {
			break
		}
	}
	width := len(digits) - d + 1 // digits and SP
	switch {
	case width > octetPrefixReserve:
		extra := width - octetPrefixReserve
		for range extra {
			dst = append(dst, 0)
		}
		copy(dst[start+width:], dst[msgStart:msgStart+n])
	case width < octetPrefixReserve:
		copy(dst[start+width:], dst[msgStart:])
		dst = dst[:start+width+n]
	}
	copy(dst[start:], digits[d:])
	dst[start+width-1] = ' '
	return dst
}
