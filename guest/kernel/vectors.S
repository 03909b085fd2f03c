/* The 256 interrupt entry stubs and the common entry/exit. Each stub is 16 bytes (so the
 * IDT entry of vector v is vectors + 16 v), pushes a zero error code when the CPU did
 * not push one, then the vector. alltraps completes struct trapframe (trapframe.h) and
 * calls trap(tf); trapret restores one. swapgs happens exactly when the saved CS is a
 * user selector: the kernel runs with MSR_GS_BASE = its struct cpu. */

#include "guest/kernel/trapframe.h"

    .text
    .p2align 12                 /* idt_init relies on it: see trap.c */
    .globl vectors
vectors:
    .set v, 0
    .rept 256
    .p2align 4
    .if (v == 8) || (v >= 10 && v <= 14) || (v == 17) || (v == 21) || (v == 29) || (v == 30)
    .else
    pushq $0
    .endif
    .if v < 128
    .byte 0x6a, v               /* pushq $v (imm8, sign-extended) */
    .else
    .byte 0x68                  /* pushq $v (imm32) */
    .long v
    .endif
    jmp alltraps
    .set v, v + 1
    .endr

/* A debugger's backtrace from a handler crosses here into the interrupted context
 * (TF_CFI), described from the complete frame until its registers are popped. */
alltraps:
    testb $3, TF_HW(TF_CS)(%rsp)
    jz 1f
    swapgs
1:  TF_PUSH_REGS
    .cfi_startproc simple
    TF_CFI
    cld
    movq %rsp, %rdi
    call trap
    .globl trapret
trapret:
    TF_POP_REGS cfi=1
    .cfi_endproc
    testb $3, TF_HW(TF_CS)(%rsp)
    jz 1f
    swapgs
1:  addq $TF_HW(TF_RIP), %rsp   /* vector and error */
    iretq

/* trap_return(tf): continue on tf's stack, through trapret. */
    .globl trap_return
trap_return:
    movq %rdi, %rsp
    jmp trapret
