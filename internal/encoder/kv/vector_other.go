//go:build !amd64

package kv

import "github.com/siemship/siemship/internal/record"

// cpuVector and vectorFields are false: copyFieldsVector exists only on amd64.
var cpuVector, vectorFields = false, false

func copyFieldsVector(*byte, int, string, []record.Field, *nibbleTables) (k, pairs int, all uint64) {
	panic("kv: copyFieldsVector is amd64 only")
}
