package jsonenc

import "github.com/siemship/siemship/internal/encoder/header"

// timeMember is the first member of every object, `{"__time__":` and the time (appendTime), or `{"__time__":null`
// for a log without a time. Its length is fixed: timeMemberLen, or len(nullTimeMember).
const (
	timeMemberStart = `{"__time__":`
	nullTimeMember  = timeMemberStart + "null"
	timeMemberLen   = len(timeMemberStart) + timeLen
)

// timeLen is the length of a time as appendTime writes it, quotes included:
// "YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ".
const timeLen = 32

// dateCache remembers the date and time to the second that appendTime wrote last: the records of a group usually
// share their second, or at least their day. The zero value is empty. It belongs to one goroutine.
type dateCache struct {
	secs uint64   // seconds since 1970 + 1 of text; 0: empty
	text [19]byte // YYYY-MM-DDThh:mm:ss
}

// appendTimeMember appends the object's opening brace and its __time__ member for a log of time sec and nanosecond
// part ns (nothing when both are zero: then null).
func appendTimeMember(dst []byte, sec, ns uint32, c *dateCache) []byte {
	if sec == 0 && ns == 0 {
		return append(dst, nullTimeMember...)
	}
	dst = append(dst, timeMemberStart...)
	return appendTime(dst, sec, ns, c)
}

// appendTime appends time.Unix(sec, ns) in UTC as a quoted RFC 3339 string with all nine fractional digits,
// "2026-11-23T09:22:25.147976960Z": fixed width, so that the strings sort as the times do, and nothing of the
// SLS nanosecond part lost. A nanosecond part of a second or more carries into the seconds, as time.Unix does. It
// writes the digits itself (time.Time.AppendFormat costs about 100 ns), with the syslog header's date arithmetic
// (header.Civil, header.Put2); c, if not nil, caches the date and time to the second.
func appendTime(dst []byte, sec, ns uint32, c *dateCache) []byte {
	total := uint64(sec) + uint64(ns/1e9)
	frac := ns % 1e9
	days := total / 86400
	rem := uint32(total - days*86400)
	n := len(dst)
	dst = append(dst, `"0000-00-00T00:00:00.000000000Z"`...)
	b := dst[n+1 : n+timeLen-1]
	if c != nil && c.secs == total+1 {
		copy(b, c.text[:])
	} else {
		if c != nil && c.secs != 0 && (c.secs-1)/86400 == days {
			copy(b, c.text[:10])
		} else {
			y, m, d := header.Civil(days)
			header.Put2(b[0:], y/100)
			header.Put2(b[2:], y%100)
			header.Put2(b[5:], m)
			header.Put2(b[8:], d)
		}
		header.Put2(b[11:], rem/3600)
		header.Put2(b[14:], rem/60%60)
		header.Put2(b[17:], rem%60)
		if c != nil {
			c.secs = total + 1
			copy(c.text[:], b[:19])
		}
	}
	b[20] = byte('0' + frac/1e8)
	header.Put2(b[21:], frac/1e6%100)
	header.Put2(b[23:], frac/1e4%100)
	header.Put2(b[25:], frac/100%100)
	header.Put2(b[27:], frac%100)
	return dst
}
