package leef

import (
	"github.com/siemship/siemship/internal/encoder/internal/chars"
	"github.com/siemship/siemship/internal/record"
)

// keyRun remembers, for AppendGroup, the content keys that appendPlainContents found new in a log of the group,
// in order, with their fingerprints in the small keySet. The logs of a group usually repeat their keys, and after
// the same group attributes (and devTime, or not) a key that follows the same keys as in that log is new again:
// it is added to the set with its remembered fingerprint, without a hash or a lookup.
type keyRun struct {
	keys    [smallKeys]string
	fps     [smallKeys]uint8
	n       int  // keys[:n] and fps[:n] are set
	devTime bool // whether the log had devTime before its contents
}

// start readies r for a log with devTime or without: the keys it holds stand only after the same attributes.
func (r *keyRun) start(devTime bool) {
	if r.devTime != devTime {
		r.n, r.devTime = 0, devTime
	}
}

// same returns how many of the first m keys of fields are those of r, in order (m <= r.n). Keys of 8 to 16 bytes,
// the usual ones, are compared a word at a time without a call.
func (r *keyRun) same(fields []record.Field, m int) int {
	for i := range m {
		a, b := r.keys[i], fields[i].Key
		n := len(a)
		if n != len(b) {
			return i
		}
		if n >= 8 && n <= 16 {
			if chars.Load64(a, 0) != chars.Load64(b, 0) || chars.Load64(a, n-8) != chars.Load64(b, n-8) {
				return i
			}
		} else if a != b {
			return i
		}
	}
	return m
}
