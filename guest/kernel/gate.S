/* The `syscall` instruction's kernel entry (LSTAR): builds a struct trapframe on the
 * process's kernel stack, runs syscall_dispatch, returns with sysretq (or iretq when the
 * return address is not a canonical user address: sysretq would fault in kernel mode with
 * the user's stack, the known sysret hazard).
 *
 * At entry: %rcx = user rip, %r11 = user rflags, IF/DF/TF/AC cleared by SFMASK, still on
 * the user stack with the user's GS base. struct cpu is at %gs:0 after swapgs:
 * %gs:8 kstack_top (the running process's kernel stack), %gs:16 scratch for the user rsp. */
#include "guest/kernel/trapframe.h"

#define USER_CS 0x2b                /* kernel.h's USER_CS and USER_DS (checked in gate.c) */
#define USER_DS 0x23

    .text
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:16
    movq %gs:8, %rsp
    pushq $USER_DS                  /* ss */
    pushq %gs:16                    /* rsp */
    pushq %r11                      /* rflags */
    pushq $USER_CS                  /* cs */
    pushq %rcx                      /* rip */
    pushq $0                        /* error */
    pushq $0x100                    /* vector: not a CPU vector, "system call" */
    TF_PUSH_REGS
    .cfi_startproc simple           /* a backtrace ends in the user's context (TF_CFI) */
    TF_CFI
    movq %rsp, %rdi
    call syscall_dispatch
    .cfi_endproc
    /* Return: the process may have been switched out and back in meanwhile, on another
     * CPU; %rsp is still its trapframe. */
    cli
    movq TF_RIP(%rsp), %rcx
    shrq $47, %rcx
    jnz 1f
    TF_POP_REGS
    movq TF_HW(TF_RIP)(%rsp), %rcx
    movq TF_HW(TF_RFLAGS)(%rsp), %r11
    movq TF_HW(TF_RSP)(%rsp), %rsp  /* user rsp: no kernel stack from here on */
    swapgs
    sysretq
1:  movq %rsp, %rdi
    jmp trap_return
