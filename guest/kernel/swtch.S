/* Kernel-thread switch: the callee-saved registers in the order of struct context
 * (proc.h), the rest being saved by the C caller. */

/* void swtch(struct context **save, struct context *load)
 * Saves the callee-saved registers on the current stack, stores that stack pointer in
 * *save, and resumes the thread whose registers are at load. */
    .text
    .globl swtch
swtch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
