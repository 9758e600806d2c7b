package leef

import (
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/vector"
)

// vectorPairs says whether appendPlainContents copies the contents with vector.CopyPairs; tests turn it off to
// check the Go path, which is the whole path on CPUs without AVX-512.
var vectorPairs = vector.Available

// pairTables returns the tables that stop vector.CopyPairs at the first content that key or value would change:
// an ASCII byte they replace (non-ASCII text passes; the caller checks its UTF-8). It returns nil for a non-ASCII
// delimiter, which the tables cannot find: then the Go path copies the contents.
func pairTables(key, value *textClass) *vector.Tables {
	if key.delim != 0 || value.delim != 0 {
		return nil
	}
	t, ok := vector.NewTables(func(c byte) bool { return c < utf8.RuneSelf && key.ascii[c] != subNone },
		func(c byte) bool { return c < utf8.RuneSelf && value.ascii[c] != subNone })
	if !ok {
		return nil
	}
	return t
}
