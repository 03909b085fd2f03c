/* The 256 interrupt entry stubs and the common entry/exit. Each stub is 16 bytes (so the
 * IDT entry of vector v is vectors + 16 v), pushes a zero error code when the CPU did
 * not push one, then the vector. alltraps completes struct trapframe (kernel.h) and
 * calls trap(tf); trapret restores one. swapgs happens exactly when the saved CS is a
 * user selector: the kernel runs with MSR_GS_BASE = its struct cpu. */

/* trapframe offsets: 15 registers, then vector, error, rip, cs. */
#define TF_CS (18 * 8)

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

alltraps:
    testb $3, 24(%rsp)          /* saved CS, above vector and error */
    jz 1f
    swapgs
1:  pushq %r15
    pushq %r14
    pushq %r13
    pushq %r12
    pushq %r11
    pushq %r10
    pushq %r9
    pushq %r8
    pushq %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rbx
    pushq %rax
    cld
    movq %rsp, %rdi
    call trap
    .globl trapret
trapret:
    popq %rax
    popq %rbx
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    popq %r8
    popq %r9
    popq %r10
    popq %r11
    popq %r12
    popq %r13
    popq %r14
    popq %r15
    testb $3, 24(%rsp)
    jz 1f
    swapgs
1:  addq $16, %rsp              /* vector and error */
    iretq

/* trap_return(tf): continue on tf's stack, through trapret. */
    .globl trap_return
trap_return:
    movq %rdi, %rsp
    jmp trapret
