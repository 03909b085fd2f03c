/* System-call stubs of the file-system block (50-79 of abi/syscall.h), as in syscall.S:
 * the number in %eax, the fourth argument moved to %r10, through the gate page; a result
 * in [-4095, -1] sets errno and returns -1. */
#include "abi/syscall.h"

#define STUB(name, nr) \
    .globl name; .type name, @function; name: movl $nr, %eax; jmp fs_syscall_entry

    .text
fs_syscall_entry:
    movq %rcx, %r10
    call GATE_VA
    cmpq $-4095, %rax
    jae 1f
    ret
1:  negl %eax
    movl %eax, errno(%rip)
    movq $-1, %rax
    ret

STUB(open, SYS_open)
STUB(lseek, SYS_lseek)
STUB(stat, SYS_stat)
STUB(fstat, SYS_fstat)
STUB(mkdir, SYS_mkdir)
STUB(rmdir, SYS_rmdir)
STUB(unlink, SYS_unlink)
STUB(link, SYS_link)
STUB(rename, SYS_rename)
STUB(fsync, SYS_fsync)
STUB(sync, SYS_sync)
STUB(getdents, SYS_getdents)
STUB(chdir, SYS_chdir)
STUB(getcwd_raw, SYS_getcwd)
STUB(ftruncate, SYS_ftruncate)
STUB(statfs, SYS_statfs)
STUB(diskio, SYS_diskio)
