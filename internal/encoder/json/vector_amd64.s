#include "textflag.h"

// Adapted from kv's copyFieldsVector: the same 32-byte steps with masked loads and stores and the same nibble
// classification, for JSON members ,"key":"value" instead of prefix+key=value.
//
// Registers: DI writes, SI reads, CX = bytes left of the string, DX = bytes this step, AX and BX scratch,
// R8 = buf, R10 = &fields[i], R11 = fields left, R12 = buf+n, R13 = members.
// Y2 = low-nibble classes, Y3 = high-nibble classes, Y5 = 0x0f and Y6 = 'a' in every byte, Y7 = classes found in
// this member, Y8 = OR of this member's bytes, Y9 = of the members accepted. K1 = this step's bytes. R14 (g) and
// X15 (zero) of the Go ABI are left alone. Until done, the result slot k+48(FP) holds the address after the last
// member accepted; done turns it into an offset.

// COPYSTEP copies the next min(CX, 32) bytes from SI to DI and ORs their classes into Y7 and the bytes
// themselves into Y8. A masked load does not fault on the bytes it skips; they read as 'a', which is in no class.
#define COPYSTEP \
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
	VPSHUFB Y10, Y3, Y10 \
	VPAND Y10, Y11, Y10 \
	VPOR Y10, Y7, Y7 \
	VPOR Y0, Y8, Y8 \
	ADDQ DX, SI \
	ADDQ DX, DI \
	SUBQ DX, CX

// func copyMembersVector(buf *byte, n int, fields []record.Field, t *nibbleTables) (k, count int, all uint64)
TEXT ·copyMembersVector(SB), NOSPLIT, $0-72
	MOVQ buf+0(FP), DI
	MOVQ DI, R8
	MOVQ DI, k+48(FP)
	MOVQ n+8(FP), R12
	ADDQ DI, R12
	MOVQ fields_base+16(FP), R10
	MOVQ fields_len+24(FP), R11
	MOVQ t+40(FP), AX
	VBROADCASTI128 0(AX), Y2
	VBROADCASTI128 16(AX), Y3
	MOVL $0x0f, AX
	VPBROADCASTB AX, Y5
	MOVL $0x61, AX
	VPBROADCASTB AX, Y6
	VPXOR Y9, Y9, Y9
	XORQ R13, R13
	TESTQ R11, R11
	JZ done

member:
	// The member must fit: DI + len(key) + len(value) + 6 <= R12.
	MOVQ 8(R10), CX
	LEAQ 6(CX), BX
	ADDQ 24(R10), BX
	ADDQ DI, BX
	CMPQ BX, R12
	JA done
	MOVW $0x222c, (DI) // ,"
	ADDQ $2, DI
	MOVQ 0(R10), SI
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8

key:
	COPYSTEP
	JNZ key
	MOVW $0x3a22, (DI) // ":
	MOVB $0x22, 2(DI)  // "
	ADDQ $3, DI
	MOVQ 16(R10), SI
	MOVQ 24(R10), CX

value:
	COPYSTEP
	JNZ value
	MOVB $0x22, (DI) // "
	INCQ DI
	VPTEST Y7, Y7
	JNZ done
	VPOR Y8, Y9, Y9
	MOVQ DI, k+48(FP)
	INCQ R13
	ADDQ $32, R10
	DECQ R11
	JNZ member

done:
	MOVQ k+48(FP), AX
	SUBQ R8, AX
	MOVQ AX, k+48(FP)
	MOVQ R13, count+56(FP)
	VPMOVMSKB Y9, AX
	XORQ BX, BX
	TESTL AX, AX
	JZ 2(PC)
	MOVQ $0x8080808080808080, BX
	MOVQ BX, all+64(FP)
	VZEROUPPER
	RET
