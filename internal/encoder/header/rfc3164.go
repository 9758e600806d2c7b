package header

import (
	"slices"
	"sync/atomic"
	"time"
)

// rfc3164Len is the length of an RFC 3164 TIMESTAMP, "Mmm dd hh:mm:ss".
const rfc3164Len = 15

const monthNames = "JanFebMarAprMayJunJulAugSepOctNovDec"

// appendRFC3164 appends the RFC 3164 TIMESTAMP of an SLS log (§4.1.2): "Mmm dd hh:mm:ss" with the day padded by a
// space ("Aug  7"), no year, no fraction and no zone, in loc. RFC 3164 has no NILVALUE: a log without a time
// (sec and ns both zero) gets the time it is encoded, as a relay would stamp it (§4.3.3). In UTC it writes the
// digits itself, as appendTimestamp does; another zone goes through package time.
func appendRFC3164(dst []byte, sec, ns uint32, loc *time.Location, cache *atomic.Uint64) []byte {
	var total uint64
	if sec == 0 && ns == 0 {
		total = uint64(time.Now().Unix())
	} else {
		total = uint64(sec) + uint64(ns/1e9)
	}
	var m, d, rem uint32
	if loc == time.UTC {
		days := total / 86400
		rem = uint32(total - days*86400)
		if c := cache.Load(); c>>32 == days+1 {
			m, d = uint32(c)>>5&15, uint32(c)&31
		} else {
			var y uint32
			y, m, d = Civil(days)
			cache.Store((days+1)<<32 | uint64(y)<<9 | uint64(m)<<5 | uint64(d))
		}
	} else {
		t := time.Unix(int64(total), 0).In(loc)
		m, d = uint32(t.Month()), uint32(t.Day())
		rem = uint32(t.Hour()*3600 + t.Minute()*60 + t.Second())
	}
	dst = slices.Grow(dst, rfc3164Len)
	n := len(dst)
	dst = dst[:n+rfc3164Len]
	b := dst[n : n+rfc3164Len]
	copy(b, monthNames[3*(m-1):3*m])
	b[3] = ' '
	Put2(b[4:], d)
	if d < 10 {
		b[4] = ' '
	}
	b[6] = ' '
	Put2(b[7:], rem/3600)
	b[9] = ':'
	Put2(b[10:], rem/60%60)
	b[12] = ':'
	Put2(b[13:], rem%60)
	return dst
}
