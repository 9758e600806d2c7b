package jsonenc

import (
	"golang.org/x/sys/cpu"

	"github.com/siemship/siemship/internal/record"
)

// cpuVector says whether this CPU can run copyMembersVector: AVX2, AVX-512 F, BW and VL (byte masks on 32-byte
// registers) and BMI2 (BZHI), with the OS saving the AVX-512 state (as vector.CopyPairs needs).
var cpuVector = cpu.X86.HasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasBMI2

// vectorMembers says whether copyMembers uses copyMembersVector; tests turn it off to check copyMembersWords.
var vectorMembers = cpuVector

// copyMembersVector is copyMembersWords in assembly (vector_amd64.s), 32 bytes at a time: it writes
// ,"key":"value" for each field into buf[:n] with masked loads and stores, so that no string needs a tail case,
// and classifies each byte with the nibble tables t. It stops before the first member that needs escaping or
// does not fit in n bytes, and returns the end of the members before it, their number, and highs when one of
// them has a non-ASCII byte, else 0. It does not look for repeated keys.
//
//go:noescape
func copyMembersVector(buf *byte, n int, fields []record.Field, t *nibbleTables) (k, count int, all uint64)
