package leef

import (
	"bytes"
	"hash/maphash"
)

// keySet holds the keys already written in one message, to keep keys unique: a small open-addressing hash table
// whose entries point into the message itself. An entry is the top 32 bits of the key's hash, then the key's
// offset from the start of the attributes plus one (a key ends at its '=', since keys never contain one; the
// offset fits: SLS logs are far below 4 GiB); 0 is an empty slot. Up to smallKeys keys it lives in small, on the
// caller's stack; beyond, in big, allocated (records of many fields only).
type keySet struct {
	small [2 * smallKeys]uint64
	big   []uint64
	mask  uint64
	n     int // keys added: the attributes of the message so far
}

// smallKeys is the number of keys the set holds without allocating, at a load of at most one half.
const smallKeys = 32

// slots returns the table. (A slice of small kept in the struct would make the compiler move every keySet to
// the heap.)
func (k *keySet) slots() []uint64 {
	if k.big != nil {
		return k.big
	}
	return k.small[:]
}

// reset empties k for a message of up to n attributes.
func (k *keySet) reset(n int) {
	k.n = 0
	if n <= smallKeys {
		k.small = [2 * smallKeys]uint64{}
		k.big = nil
		k.mask = uint64(len(k.small) - 1)
		return
	}
	size := 2 * smallKeys
	for size < 2*n {
		size *= 2
	}
	k.big = make([]uint64, size)
	k.mask = uint64(size - 1)
}

// copyFrom makes k a copy of src that has room for extra more keys.
func (k *keySet) copyFrom(src *keySet, extra int) {
	if src.n+extra <= smallKeys && src.big == nil {
		*k = *src
		return
	}
	k.reset(src.n + extra)
	for _, e := range src.slots() {
		if e != 0 {
			k.insert(e)
		}
	}
	k.n = src.n
}

// insert puts entry e, whose key is not in k yet, in the first free slot from its hash on.
func (k *keySet) insert(e uint64) {
	slots := k.slots()
	for i := (e >> 32) & k.mask; ; i = (i + 1) & k.mask {
		if slots[i] == 0 {
			slots[i] = e
			return
		}
	}
}

// find looks key (at dst[start:end], not yet followed by '=') up among the keys written at dst[base:]. It returns
// whether it is there, and else the entry to add with add.
func (k *keySet) find(seed maphash.Seed, dst []byte, base, start, end int) (found bool, entry uint64) {
	key := dst[start:end]
	h := maphash.Bytes(seed, key) >> 32 << 32
	slots := k.slots()
	for i := (h >> 32) & k.mask; ; i = (i + 1) & k.mask {
		e := slots[i]
		if e == 0 {
			return false, h | uint64(start-base+1)
		}
		if e&^0xffffffff == h {
			other := dst[base+int(uint32(e))-1:]
			if eq := bytes.IndexByte(other, '='); eq == len(key) && bytes.Equal(other[:eq], key) {
				return true, 0
			}
		}
	}
}

// add records a key that find did not find.
func (k *keySet) add(entry uint64) {
	k.insert(entry)
	k.n++
}
