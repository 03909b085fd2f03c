/* Limits of the process part of the kernel, in one place. */
#ifndef GUEST_KERNEL_PARAM_H
#define GUEST_KERNEL_PARAM_H

#define NPROC          64          /* process table slots */
#define KSTACK_SIZE    4096        /* one page of kernel stack per process */
#define USTACK_PAGES   8           /* user stack mapped at exec (eagerly, for now) */
#define SCHED_SLICE_MS 10          /* round-robin time slice */
#define PROC_NAME_LEN  16

/* User address-space layout (lower half). Page 0 stays unmapped; the gate is at GATE_VA. */
#define USER_IMAGE_MIN 0x10000ULL              /* lowest address an ELF segment may use */
#define USER_STACK_TOP 0x7ffffffff000ULL       /* last user page stays unmapped */
#define USER_STACK_MIN (USER_STACK_TOP - 0x10000000ULL)  /* 256 MiB kept free for the stack */
#define USER_IMAGE_MAX USER_STACK_MIN

#endif
