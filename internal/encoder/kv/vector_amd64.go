package kv

import (
	"golang.org/x/sys/cpu"

	"github.com/siemship/siemship/internal/record"
)

// cpuVector says whether this CPU can run copyFieldsVector: AVX2, AVX-512 F, BW and VL (byte masks on 32-byte
// registers) and BMI2 (BZHI), with the OS saving the AVX-512 state.
var cpuVector = cpu.X86.HasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasBMI2

// vectorFields says whether copyFields uses copyFieldsVector; tests turn it off to check copyFieldsWords.
var vectorFields = cpuVector

// copyFieldsVector is copyFields in assembly (vector_amd64.s), 32 bytes at a time: it writes prefix+key+"="+value
// for each field into buf[:n] with masked loads and stores, so that no string needs a tail case, and classifies
// each byte with the nibble tables t. It stops before the first pair that needs escaping or does not fit in n
// bytes, and returns copyFields' results: the end of the pairs before it, their number, and highs when one of
// them has a non-ASCII byte, else 0. len(prefix) must be at most 32.
//
//go:noescape
func copyFieldsVector(buf *byte, n int, prefix string, fields []record.Field, t *nibbleTables) (k, pairs int, all uint64)
