package vector

// Tables say which pairs CopyPairs copies. A byte b of a key stops the copy iff low[b&15] & key[b>>4] != 0, and
// of a value iff low[b&15] & value[b>>4] != 0: each bit of the tables stands for one set of low nibbles, and a
// high nibble's entry has the bits of the sets it flags (a VPSHUFB looks up 32 nibbles at once in each table).
// A key also stops it when it is empty, or when its first byte c is ASCII, it is shorter than 64 bytes and bit
// len(key) of lens[c] is set: a quick filter for a list of keys the caller writes otherwise.
//
// The assembly reads the fields at fixed offsets (tablesLens and the others below; TestTablesLayout checks them).
type Tables struct {
	lens            [128]uint64
	low, key, value [16]byte
	pad             byte // a byte neither class flags: what masked loads read past the end of a string
	_               [7]byte
}

// The offsets of Tables' fields, as the assembly uses them.
const (
	tablesLens  = 0
	tablesLow   = 1024
	tablesKey   = 1040
	tablesValue = 1056
	tablesPad   = 1072
)

// NewTables builds the tables that stop at the key bytes keyStop flags, the value bytes valueStop flags and the
// keys of stopKeys (and, by the filter, some others of the same first byte and length). It returns false when
// the two classes together need more than eight sets of low nibbles, or every byte is flagged.
func NewTables(keyStop, valueStop func(c byte) bool, stopKeys ...string) (*Tables, bool) {
	t := new(Tables)
	var sets []uint16 // the sets of low nibbles that have a bit, in bit order
	bit := func(set uint16) (byte, bool) {
		for i, s := range sets {
			if s == set {
				return 1 << i, true
			}
		}
		if len(sets) == 8 {
			return 0, false
		}
		sets = append(sets, set)
		return 1 << (len(sets) - 1), true
	}
	for _, c := range []struct {
		stop func(byte) bool
		hi   *[16]byte
	}{{keyStop, &t.key}, {valueStop, &t.value}} {
		for h := range 16 {
			var set uint16
			for l := range 16 {
				if c.stop(byte(h<<4 | l)) {
					set |= 1 << l
				}
			}
			if set == 0 {
				continue
			}
			b, ok := bit(set)
			if !ok {
				return nil, false
			}
			c.hi[h] = b
		}
	}
	for i, s := range sets {
		for l := range 16 {
			if s>>l&1 != 0 {
				t.low[l] |= 1 << i
			}
		}
	}
	pad, found := byte('a'), false
	for range 256 {
		if found = !keyStop(pad) && !valueStop(pad); found {
			break
		}
		pad++
	}
	if !found {
		return nil, false
	}
	t.pad = pad
	for _, k := range stopKeys {
		if k != "" && len(k) < 64 && k[0] < 128 {
			t.lens[k[0]] |= 1 << len(k)
		}
	}
	return t, true
}
