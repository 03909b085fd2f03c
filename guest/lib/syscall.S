/* System-call stubs of the process, memory and fd calls, and __syscall, the one entry
 * every stub jumps to (see stub.h). */
#include "guest/lib/stub.h"

    .text
    .globl __syscall
    .hidden __syscall
__syscall:
    movq %rcx, %r10
    call GATE_VA
    cmpq $-4095, %rax
    jae 1f
    ret
1:  negl %eax
    movl %eax, errno(%rip)
    movq $-1, %rax
    ret

STUB(_exit, SYS_exit)
STUB(fork, SYS_fork)
STUB(wait, SYS_wait)
STUB(exec, SYS_exec)
STUB(getpid, SYS_getpid)
STUB(getppid, SYS_getppid)
STUB(read, SYS_read)
STUB(write, SYS_write)
STUB(yield, SYS_yield)
STUB(uptime, SYS_uptime)
STUB(poweroff, SYS_poweroff)
STUB(kill, SYS_kill)
STUB(pipe, SYS_pipe)
STUB(dup, SYS_dup)
STUB(dup2, SYS_dup2)
STUB(close, SYS_close)
STUB(waitpid, SYS_waitpid)
STUB(sleep, SYS_sleep)
STUB(sbrk, SYS_sbrk)
STUB(mmap, SYS_mmap)
STUB(munmap, SYS_munmap)
STUB(setpgid, SYS_setpgid)
STUB(getpgid, SYS_getpgid)
STUB(setfg, SYS_setfg)
STUB(tsc_khz, SYS_tsc_khz)
STUB(tcgetattr, SYS_tcgetattr)
STUB(tcsetattr, SYS_tcsetattr)

/* rawsyscall(nr, a0, a1, a2, a3, a4, a5): any call by number, the kernel's result as it
 * is (-errno on error, errno untouched); for tests of the ABI itself. */
    .globl rawsyscall; .type rawsyscall, @function
rawsyscall:
    movq %rdi, %rax
    movq %rsi, %rdi
    movq %rdx, %rsi
    movq %rcx, %rdx
    movq %r8, %r10
    movq %r9, %r8
    movq 8(%rsp), %r9
    jmp GATE_VA

    .bss
    .globl errno
    .balign 4
errno:
    .zero 4

    .section .note.GNU-stack, "", @progbits
