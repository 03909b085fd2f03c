/* Limits of the process part of the kernel, in one place. */
#ifndef GUEST_KERNEL_PARAM_H
#define GUEST_KERNEL_PARAM_H

#define NPROC          64          /* process table slots */
#define KSTACK_SIZE    4096        /* one page of kernel stack per process */
#define NOFILE         16          /* open fds per process */
#define NFILE          128         /* open files in the system */
#define NMMAP          8           /* anonymous mappings per process */
#define USTACK_MAX     (8ULL << 20)  /* the stack grows on demand down to this size */
#define SCHED_SLICE_MS 10          /* round-robin time slice */
#define PROC_NAME_LEN  16

/* User address-space layout (lower half). Page 0 stays unmapped; the gate is at GATE_VA. */
#define USER_IMAGE_MIN 0x10000ULL              /* lowest address an ELF segment may use */
#define USER_STACK_TOP 0x7ffffffff000ULL       /* last user page stays unmapped */
#define USER_STACK_MIN (USER_STACK_TOP - 0x10000000ULL)  /* 256 MiB kept free for the stack */
#define USER_IMAGE_MAX 0x100000000000ULL       /* image and heap below 16 TiB */
#define USER_MMAP_BASE USER_IMAGE_MAX          /* anonymous mappings from here ... */
#define USER_MMAP_END  USER_STACK_MIN          /* ... to the stack's reserve */
/* The stack: [USER_STACK_TOP - USTACK_MAX, USER_STACK_TOP); the page below stays unmapped
 * (the guard), as does all of [USER_STACK_MIN, that page). */

#endif
