#include "textflag.h"

// Registers: DI writes, SI reads, CX = bytes left of the string, DX = bytes this step, AX and BX scratch,
// R8 = buf, R9 = len(sep), R10 = &fields[i], R11 = fields left, R12 = buf+n, R13 = pairs.
// Y1 = sep, Y2 = low-nibble sets, Y3 and Y4 = high-nibble entries of keys and of values, Y5 = 0x0f and Y6 =
// the pad byte in every byte, Y7 = sets found in this pair, Y8 = OR of this pair's bytes, Y9 = of the pairs
// accepted. K1 = this step's bytes, K7 = the separator's. R14 (g) and X15 (zero) of the Go ABI are left alone.
// Until done, the result slot k+64(FP) holds the address after the last pair accepted; done turns it into an
// offset. The offsets into Tables are tablesLens and the others of tables.go.

// COPYSTEP copies the next min(CX, 32) bytes from SI to DI and ORs their sets (HI: Y3 or Y4) into Y7 and the
// bytes themselves into Y8. A masked load does not fault on the bytes it skips; they read as the pad byte, which
// is in no set.
#define COPYSTEP(HI) \
	MOVL $-1, AX \
	MOVQ $32, DX \
	CMPQ CX, $32 \
	JAE 3(PC) \
	BZHIL CX, AX, AX \
	MOVQ CX, DX \
	KMOVD AX, K1 \
	VMOVDQU Y6, Y0 \
	VMOVDQU8 (SI), K1, Y0 \
	VMOVDQU8 Y0, K1, (DI) \
	VPSRLW $4, Y0, Y10 \
	VPAND Y5, Y10, Y10 \
	VPAND Y5, Y0, Y11 \
	VPSHUFB Y11, Y2, Y11 \
	VPSHUFB Y10, HI, Y10 \
	VPAND Y10, Y11, Y10 \
	VPOR Y10, Y7, Y7 \
	VPOR Y0, Y8, Y8 \
	ADDQ DX, SI \
	ADDQ DX, DI \
	SUBQ DX, CX

// func copyPairs(buf *byte, n int, sep string, fields []record.Field, t *Tables) (k, pairs int, all uint64)
TEXT ·copyPairs(SB), NOSPLIT, $0-88
	MOVQ buf+0(FP), DI
	MOVQ DI, R8
	MOVQ DI, k+64(FP)
	MOVQ n+8(FP), R12
	ADDQ DI, R12
	MOVQ sep_base+16(FP), SI
	MOVQ sep_len+24(FP), R9
	MOVQ fields_base+32(FP), R10
	MOVQ fields_len+40(FP), R11
	MOVQ t+56(FP), AX
	VBROADCASTI128 1024(AX), Y2
	VBROADCASTI128 1040(AX), Y3
	VBROADCASTI128 1056(AX), Y4
	VPBROADCASTB 1072(AX), Y6
	MOVL $0x0f, AX
	VPBROADCASTB AX, Y5
	VPXOR Y9, Y9, Y9
	MOVL $-1, AX
	BZHIL R9, AX, AX
	KMOVD AX, K7
	VMOVDQU8.Z (SI), K7, Y1
	XORQ R13, R13
	TESTQ R11, R11
	JZ done

pair:
	// The pair must fit: DI + len(sep) + len(key) + 1 + len(value) <= R12.
	MOVQ 8(R10), CX
	LEAQ 1(R9)(CX*1), BX
	ADDQ 24(R10), BX
	ADDQ DI, BX
	CMPQ BX, R12
	JA done
	// The key must not be empty, nor pass the filter of lens: first byte ASCII, length below 64, its bit set.
	MOVQ 0(R10), SI
	TESTQ CX, CX
	JZ done
	CMPQ CX, $64
	JAE copy
	MOVBLZX (SI), AX
	CMPL AX, $128
	JAE copy
	MOVQ t+56(FP), BX
	MOVQ (BX)(AX*8), BX
	BTQ CX, BX
	JCS done

copy:
	VMOVDQU8 Y1, K7, (DI)
	ADDQ R9, DI
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8

key:
	COPYSTEP(Y3)
	JNZ key
	MOVB $0x3d, (DI)
	INCQ DI
	MOVQ 16(R10), SI
	MOVQ 24(R10), CX

value:
	COPYSTEP(Y4)
	JNZ value
	VPTEST Y7, Y7
	JNZ done
	VPOR Y8, Y9, Y9
	MOVQ DI, k+64(FP)
	INCQ R13
	ADDQ $32, R10
	DECQ R11
	JNZ pair

done:
	MOVQ k+64(FP), AX
	SUBQ R8, AX
	MOVQ AX, k+64(FP)
	MOVQ R13, pairs+72(FP)
	VPMOVMSKB Y9, AX
	XORQ BX, BX
	TESTL AX, AX
	JZ 2(PC)
	MOVQ $0x8080808080808080, BX
	MOVQ BX, all+80(FP)
	VZEROUPPER
	RET
