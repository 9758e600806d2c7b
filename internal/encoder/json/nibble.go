package jsonenc

// nibbleTables classify a byte by its two halves, for copyMembersVector: the byte needs escaping in a JSON
// string iff low[b&15] & high[b>>4] is not zero. Each kind of byte that needs escaping has a bit: bit 0 the C0
// controls (high nibble 0 or 1, any low nibble), then one bit each for DEL, '\' and '"'. The high nibbles 8..15
// (non-ASCII) are in no class. A VPSHUFB looks up 32 nibbles at once in each table.
type nibbleTables struct {
	low, high [16]byte
}

// jsonNibbles are the tables of JSON strings.
var jsonNibbles = func() *nibbleTables {
	t := new(nibbleTables)
	for lo := range t.low {
		t.low[lo] = 1
	}
	t.high[0], t.high[1] = 1, 1
	for i, c := range []byte{0x7f, '\\', '"'} {
		bit := byte(2) << i
		t.low[c&15] |= bit
		t.high[c>>4] |= bit
	}
	return t
}()

// special reports what the tables say about byte c.
func (t *nibbleTables) special(c byte) bool { return t.low[c&15]&t.high[c>>4] != 0 }
