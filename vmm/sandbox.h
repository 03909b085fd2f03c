/* The sandbox: a seccomp-bpf allow-list per thread role, installed by each thread as its
 * first action (docs/security.md). */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H
#include <stdbool.h>

enum sandbox_role {
    SANDBOX_MAIN,      /* after start-up: joins the threads, stops the disks, writes --stats */
    SANDBOX_VCPU,      /* KVM_RUN and the exit handlers */
    SANDBOX_IO,        /* a disk's io_uring thread */
    SANDBOX_EVLOOP,    /* the event loop: console input, timers, signals, doorbell */
    SANDBOX_GDB,       /* the GDB server */
    SANDBOX_ROLES
};

/* --no-sandbox: sandbox_enter does nothing (said once on stderr, and in --stats). */
void sandbox_disable(void);
bool sandbox_enabled(void);

/* Before the vCPUs start: their filter also allows KVM_SET_USER_MEMORY_REGION (--mmu shadow
 * on a host whose KVM shadows the shadow: vmm/mmu.c's resync). */
void sandbox_allow_vcpu_memslots(void);

/* Confine the calling thread to what its role needs, for the rest of its life: no new
 * privileges, and a filter under which any other system call prints
 * "vmm: sandbox: the ROLE thread made a forbidden system call: NAME (NR)" and exits with
 * VMM_EXIT_SANDBOX. Threads created afterwards inherit the filter, so a thread sandboxes
 * itself only after it has created every thread it will. */
void sandbox_enter(enum sandbox_role role);

#endif
