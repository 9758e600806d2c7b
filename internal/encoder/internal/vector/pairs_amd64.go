package vector

import (
	"golang.org/x/sys/cpu"

	"github.com/siemship/siemship/internal/record"
)

// Available says whether this CPU runs CopyPairs: AVX2, AVX-512 F, BW and VL (byte masks on 32-byte registers)
// and BMI2 (BZHI), with the OS saving the AVX-512 state.
var Available = cpu.X86.HasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasBMI2

// copyPairs is CopyPairs in assembly (pairs_amd64.s), on buf[:n] (n > 0): masked loads and stores, so that no
// string needs a tail case, and the nibble tables of t for each byte. all is 0x8080808080808080 when a pair copied
// has a non-ASCII byte, else 0.
//
//go:noescape
func copyPairs(buf *byte, n int, sep string, fields []record.Field, t *Tables) (k, pairs int, all uint64)
