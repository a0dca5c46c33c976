#include "textflag.h"

// func ratioAVX2(y, x []float64, eps float64)
// y[i] = x[i] / (y[i] + eps)
TEXT ·ratioAVX2(SB), NOSPLIT, $0-56
	MOVQ         y_base+0(FP), DI
	MOVQ         y_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	VBROADCASTSD eps+48(FP), Y0
	XORQ         AX, AX
	MOVQ         CX, DX
	ANDQ         $-8, DX

ratio8:
	CMPQ    AX, DX
	JGE     ratio1
	VADDPD  (DI)(AX*8), Y0, Y1
	VADDPD  32(DI)(AX*8), Y0, Y2
	VMOVUPD (SI)(AX*8), Y3
	VMOVUPD 32(SI)(AX*8), Y4
	VDIVPD  Y1, Y3, Y3
	VDIVPD  Y2, Y4, Y4
	VMOVUPD Y3, (DI)(AX*8)
	VMOVUPD Y4, 32(DI)(AX*8)
	ADDQ    $8, AX
	JMP     ratio8

ratio1:
	CMPQ   AX, CX
	JGE    ratiodone
	VMOVSD (DI)(AX*8), X1
	VADDSD X0, X1, X1
	VMOVSD (SI)(AX*8), X2
	VDIVSD X1, X2, X2
	VMOVSD X2, (DI)(AX*8)
	INCQ   AX
	JMP    ratio1

ratiodone:
	VZEROUPPER
	RET

// func divideAVX2(dst, x, y []float64)
// dst[i] = x[i] / y[i]
TEXT ·divideAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), BX
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX

div8:
	CMPQ    AX, DX
	JGE     div1
	VMOVUPD (SI)(AX*8), Y1
	VMOVUPD 32(SI)(AX*8), Y2
	VDIVPD  (BX)(AX*8), Y1, Y1
	VDIVPD  32(BX)(AX*8), Y2, Y2
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD Y2, 32(DI)(AX*8)
	ADDQ    $8, AX
	JMP     div8

div1:
	CMPQ   AX, CX
	JGE    divdone
	VMOVSD (SI)(AX*8), X1
	VDIVSD (BX)(AX*8), X1, X1
	VMOVSD X1, (DI)(AX*8)
	INCQ   AX
	JMP    div1

divdone:
	VZEROUPPER
	RET
