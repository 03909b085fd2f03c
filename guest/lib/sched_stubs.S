/* System-call stubs of the scheduling calls (40-49, abi/syscall.h), beside syscall.S's
 * and made the same way: number in %eax, fourth argument moved to %r10, through the gate;
 * a result in [-4095, -1] sets errno and returns -1. */
#include "abi/syscall.h"

#define STUB(name, nr) \
    .globl name; .type name, @function; name: movl $nr, %eax; jmp sched_syscall

    .text
sched_syscall:
    movq %rcx, %r10
    call GATE_VA
    cmpq $-4095, %rax
    jae 1f
    ret
1:  negl %eax
    movl %eax, errno(%rip)
    movq $-1, %rax
    ret

STUB(setsched, SYS_setsched)
STUB(getsched, SYS_getsched)
STUB(settickets, SYS_settickets)
STUB(setlevel, SYS_setlevel)
STUB(getprocinfo, SYS_getprocinfo)
STUB(schedtrace, SYS_schedtrace)
STUB(cputime, SYS_cputime)

    .section .note.GNU-stack, "", @progbits
