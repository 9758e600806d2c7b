// Package chars holds the byte-level helpers the format encoders share: the little-endian word loads of their
// word-at-a-time scans, and the cut of UTF-8 text at a character boundary. They are small enough to be inlined
// where they are called.
package chars

// Load32 reads s[i:i+4] little-endian; the compiler merges it into one load.
func Load32(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// Load64 reads s[i:i+8] little-endian; the compiler merges it into one load.
func Load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// AppendRun appends run, valid UTF-8 text that needs no escaping, to dst, or as much of it as keeps dst within
// limit bytes, cut at a character boundary; it reports whether all of run fit.
func AppendRun(dst []byte, run string, limit int) ([]byte, bool) {
	if len(dst)+len(run) <= limit {
		return append(dst, run...), true
	}
	n := max(limit-len(dst), 0)
	for n > 0 && run[n]&0xc0 == 0x80 {
		n--
	}
	return append(dst, run[:n]...), false
}

// Constants of the word-at-a-time (SWAR) scans: Ones has 0x01 in every byte, Highs 0x80, Lows 0x7f.
const (
	Ones  = 0x0101010101010101
	Highs = 0x8080808080808080
	Lows  = 0x7f7f7f7f7f7f7f7f
)
