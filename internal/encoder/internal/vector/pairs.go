package vector

import "github.com/siemship/siemship/internal/record"

// CopyPairs writes fields into buf as sep+key+"="+value each, from the first on, until one does not fit in
// len(buf) bytes or Tables stop it (a key or value byte, an empty key, a key of the filter). It returns the end
// of the pairs it copied, their number, and whether one of them has a non-ASCII byte (the caller checks UTF-8).
// It may write anywhere in buf, also past k. Call it only where Available, with len(buf) > 0 and len(sep) <= 32.
func CopyPairs(buf []byte, sep string, fields []record.Field, t *Tables) (k, pairs int, nonASCII bool) {
	k, pairs, all := copyPairs(&buf[0], len(buf), sep, fields, t)
	return k, pairs, all != 0
}
