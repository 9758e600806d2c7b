package leef

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// keySet holds the keys already written in one message, to keep keys unique. It points into the message itself:
// a key is found by its offset from the start of the attributes (it ends at its '=', since keys never contain
// one; offsets fit in 32 bits: SLS logs are far below 4 GiB).
//
// Up to smallKeys keys it lives on the caller's stack: a list of offsets and of one-byte fingerprints, read eight
// to a word and all compared with a new key's at once without a branch (0xff marks a free place; no fingerprint is 0xff),
// behind a 64-bit filter that skips the comparison for most new keys; a key whose fingerprint matches is compared
// byte for byte. Beyond, it is an open-addressing hash table, allocated (records of many fields only), whose
// entries are the top 32 bits of the key's hash and the offset plus one (0 is an empty slot), and which hashes
// every byte of a key, so that a record of many keys cannot make them collide.
type keySet struct {
	fps  [smallKeys]uint8  // small: the fingerprints, key i's at i, 0xff where none
	seen uint64            // small: bit fp%64 set for each fingerprint fp, to skip comparing most new keys
	offs [smallKeys]uint32 // small: the offsets
	big  []uint64          // the hash table, nil while the set is small
	mask uint64            // len(big)-1
	n    int               // keys added: the attributes of the message so far
}

// smallKeys is the number of keys the set holds without allocating.
const smallKeys = 32

// reset empties k for a message of up to n attributes.
func (k *keySet) reset(n int) {
	k.n = 0
	if n <= smallKeys {
		k.fps = [smallKeys]uint8{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		k.seen = 0
		k.big = nil
		return
	}
	size := 2 * smallKeys
	for size < 2*n {
		size *= 2
	}
	k.big = make([]uint64, size)
	k.mask = uint64(size - 1)
}

// copyFrom makes k a copy of src, a small set, that has room for extra more keys, and reports whether it could:
// a small set cannot become a big one, whose keys are hashed otherwise.
func (k *keySet) copyFrom(src *keySet, extra int) bool {
	if src.n+extra > smallKeys || src.big != nil {
		return false
	}
	*k = *src
	return true
}

// find looks key (at dst[start:end], not yet followed by '=') up among the keys written at dst[base:]. It returns
// whether it is there, and else the entry to add with add.
func (k *keySet) find(seed uint64, dst []byte, base, start, end int) (found bool, entry uint64) {
	return k.lookup(keyHash(seed, dst[start:end], k.big != nil), dst, base, start, end)
}

// lookup is find with the key's hash, keyHash(seed, key, k.big != nil), which the caller may have computed from
// the key as it was before it was copied to dst.
func (k *keySet) lookup(h uint64, dst []byte, base, start, end int) (found bool, entry uint64) {
	if k.big == nil {
		fp := min(h>>56, 0xfe)
		pat := fp * ones
		if k.seen&(1<<(fp%64)) != 0 && equalBytes(k.fpWord(0), pat)|equalBytes(k.fpWord(1), pat)|
			equalBytes(k.fpWord(2), pat)|equalBytes(k.fpWord(3), pat) != 0 {
			for j := range smallKeys / 8 {
				for z := equalBytes(k.fpWord(j), pat); z != 0; z &= z - 1 {
					if sameKey(dst, base, k.offs[8*j+bits.TrailingZeros64(z)/8], start, end) {
						return true, 0
					}
				}
			}
		}
		return false, uint64(start-base)<<8 | fp
	}
	h = h >> 32 << 32
	for i := (h >> 32) & k.mask; ; i = (i + 1) & k.mask {
		e := k.big[i]
		if e == 0 {
			return false, h | uint64(start-base+1)
		}
		if e&^0xffffffff == h && sameKey(dst, base, uint32(e)-1, start, end) {
			return true, 0
		}
	}
}

// fpWord returns the fingerprints of keys 8j to 8j+7, little-endian.
func (k *keySet) fpWord(j int) uint64 { return binary.LittleEndian.Uint64(k.fps[8*j:]) }

// equalBytes has 0x80 in each byte where w and pat are equal, and 0 elsewhere (exact per byte: no carry crosses
// a byte).
func equalBytes(w, pat uint64) uint64 {
	x := w ^ pat
	return ^((x&lows + lows) | x) & highs
}

// sameKey reports whether the key at offset off from base (ended by '=') is dst[start:end].
func sameKey(dst []byte, base int, off uint32, start, end int) bool {
	other := dst[base+int(off):]
	eq := bytes.IndexByte(other, '=')
	return eq == end-start && bytes.Equal(other[:eq], dst[start:end])
}

// add records a key that lookup did not find, with the entry it returned.
func (k *keySet) add(entry uint64) {
	if k.big == nil {
		k.fps[k.n] = uint8(entry)
		k.seen |= 1 << (entry % 64)
		k.offs[k.n] = uint32(entry >> 8)
		k.n++
		return
	}
	for i := (entry >> 32) & k.mask; ; i = (i + 1) & k.mask {
		if k.big[i] == 0 {
			k.big[i] = entry
			break
		}
	}
	k.n++
}

// keyHash hashes a key (a string, or the bytes it was copied to: both hash alike): with all, eight bytes at a time
// (the words taken as in textClass.scan), each multiplied in, then murmur3's finalizer; without, only the length
// and the first and last word, each multiplied once (the small set's hash, a few instructions). It is not
// hash/maphash, which costs a call and more on keys this short; with a random seed per encoder a record cannot
// choose its collisions, and equal hashes are compared byte for byte anyway.
func keyHash[T string | []byte](seed uint64, b T, all bool) uint64 {
	n := len(b)
	var first, last uint64
	switch {
	case n >= 8:
		first, last = word64(b, 0), word64(b, n-8)
	case n >= 4:
		first, last = uint64(word32(b, 0)), uint64(word32(b, n-4))
	case n > 0:
		first = uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16
	}
	if !all || n <= 16 {
		// The top half of a product depends on every bit of its factor: it is the part the set uses.
		return (first^seed)*0x9e3779b97f4a7c15 ^ (last+uint64(n))*0xc2b2ae3d27d4eb4f
	}
	h := seed ^ uint64(n)*0x9e3779b97f4a7c15
	for i := 0; i < n-8; i += 8 {
		h = bits.RotateLeft64((h^word64(b, i))*0xbf58476d1ce4e5b9, 31)
	}
	h = bits.RotateLeft64((h^last)*0xbf58476d1ce4e5b9, 31)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// word64 reads b[i:i+8] little-endian.
func word64[T string | []byte](b T, i int) uint64 {
	b = b[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// word32 reads b[i:i+4] little-endian.
func word32[T string | []byte](b T, i int) uint32 {
	b = b[i : i+4]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
