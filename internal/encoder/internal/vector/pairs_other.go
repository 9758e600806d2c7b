//go:build !amd64

package vector

import "github.com/siemship/siemship/internal/record"

// Available is false: copyPairs exists only on amd64.
var Available = false

func copyPairs(*byte, int, string, []record.Field, *Tables) (k, pairs int, all uint64) {
	panic("vector: copyPairs is amd64 only")
}
