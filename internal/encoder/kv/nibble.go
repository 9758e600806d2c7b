package kv

// nibbleTables classify a byte by its two halves, for copyFieldsVector: the byte needs escaping iff
// low[b&15] & key[b>>4] (in keys) or low[b&15] & value[b>>4] (in values) is not zero. Each kind of byte that
// needs escaping has a bit: bit 0 the C0 controls (high nibble 0 or 1, any low nibble), then one bit for each of
// DEL, '\', the separator's first byte and, in keys only, '='. The high nibbles 8..15 (non-ASCII) are in no
// class. A VPSHUFB looks up 32 nibbles at once in each table.
type nibbleTables struct {
	low, key, value [16]byte
}

// newNibbleTables builds the tables for a separator whose first byte is sep (printable ASCII).
func newNibbleTables(sep byte) *nibbleTables {
	t := new(nibbleTables)
	for lo := range t.low {
		t.low[lo] = 1
	}
	t.key[0], t.key[1] = 1, 1
	t.value[0], t.value[1] = 1, 1
	for i, c := range []byte{0x7f, '\\', sep, '='} {
		bit := byte(2) << i
		t.low[c&15] |= bit
		t.key[c>>4] |= bit
		if c != '=' {
			t.value[c>>4] |= bit
		}
	}
	return t
}
