//go:build !amd64

package jsonenc

import "github.com/siemship/siemship/internal/record"

// cpuVector and vectorMembers are false: copyMembersVector exists only on amd64.
var cpuVector, vectorMembers = false, false

func copyMembersVector(*byte, int, []record.Field, *nibbleTables) (k, count int, all uint64) {
	panic("jsonenc: copyMembersVector is amd64 only")
}
