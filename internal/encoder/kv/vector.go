package kv

import (
	"github.com/siemship/siemship/internal/encoder/internal/vector"
)

// vectorFields says whether copyFields uses vector.CopyPairs; tests turn it off to check copyFieldsWords, the
// whole path on CPUs without AVX-512.
var vectorFields = vector.Available

// pairTables returns the tables that stop vector.CopyPairs at the first pair that needs escaping: a C0 control,
// DEL, '\' or the separator's first byte, and '=' in keys (byteTables' classes but clPlain and clHigh; non-ASCII
// text passes, the caller checks its UTF-8).
func pairTables(sep byte) *vector.Tables {
	stop := func(c byte) bool { return c < 0x20 || c == 0x7f || c == '\\' || c == sep }
	t, ok := vector.NewTables(func(c byte) bool { return stop(c) || c == '=' }, stop)
	if !ok {
		return nil // not for a printable ASCII separator; the words path then copies the pairs
	}
	return t
}
