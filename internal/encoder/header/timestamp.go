package header

import (
	"slices"
	"sync/atomic"
)

// appendTimestamp appends the RFC 5424 TIMESTAMP of an SLS log: NILVALUE "-" when sec and ns are both zero
// (no time at all), otherwise time.Unix(sec, ns) in UTC as YYYY-MM-DDThh:mm:ss.uuuuuuZ with exactly six
// fractional digits, truncated (not rounded) to the microsecond. It writes the digits itself: time.Format costs
// an allocation and ~100 ns per record.
//
// cache, if not nil, remembers the last date computed (records of a batch share their day): it holds
// (days+1)<<32 | year<<9 | month<<5 | day and is safe for concurrent use.
func appendTimestamp(dst []byte, sec, ns uint32, cache *atomic.Uint64) []byte {
	if sec == 0 && ns == 0 {
		return append(dst, '-')
	}
	total := uint64(sec) + uint64(ns/1e9) // time.Unix normalises a nanosecond part above one second the same way
	micro := (ns % 1e9) / 1e3
	days := total / 86400
	rem := uint32(total - days*86400)
	var y, m, d, c uint32
	var cached uint64
	if cache != nil {
		cached = cache.Load()
	}
	if cached>>32 == days+1 {
		c = uint32(cached)
		y, m, d = c>>9, c>>5&15, c&31
	} else {
		y, m, d = Civil(days)
		if cache != nil {
			cache.Store((days+1)<<32 | uint64(y)<<9 | uint64(m)<<5 | uint64(d))
		}
	}

	dst = slices.Grow(dst, timestampLen)
	n := len(dst)
	dst = dst[:n+timestampLen]
	b := dst[n : n+timestampLen]
	Put2(b[0:], y/100)
	Put2(b[2:], y%100)
	b[4] = '-'
	Put2(b[5:], m)
	b[7] = '-'
	Put2(b[8:], d)
	b[10] = 'T'
	Put2(b[11:], rem/3600)
	b[13] = ':'
	Put2(b[14:], rem/60%60)
	b[16] = ':'
	Put2(b[17:], rem%60)
	b[19] = '.'
	Put2(b[20:], micro/10000)
	Put2(b[22:], micro/100%100)
	Put2(b[24:], micro%100)
	b[26] = 'Z'
	return dst
}

// timestampLen is the length of a non-nil TIMESTAMP written by appendTimestamp.
const timestampLen = 27

// Civil converts days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm, unsigned because
// SLS times are never before 1970). The encoders that write a date of their own (json's __time__) use it with Put2.
func Civil(days uint64) (year, month, day uint32) {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return uint32(y), uint32(m), uint32(d)
}

const twoDigits = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// Put2 writes v < 100 as two decimal digits to b[0] and b[1].
func Put2(b []byte, v uint32) {
	_ = b[1]
	b[0] = twoDigits[2*v]
	b[1] = twoDigits[2*v+1]
}
