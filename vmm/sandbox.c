/* The sandbox: each thread of the VMM, once set up, confines itself with a seccomp-bpf
 * allow-list for its role (libseccomp), so that a guest that takes over a device model or
 * an exit handler gets only the system calls that thread already makes.
 *
 * Everything a thread opens -- /dev/kvm, the VM and vCPU fds, the disk images, eventfds,
 * timerfds, the GDB socket, the --stats file -- is opened by the main thread before any
 * thread is sandboxed; afterwards no thread can open, exec, create sockets, map executable
 * memory or make an ioctl that is not in its table. Filters are per thread and inherited
 * by threads created later: the main thread enters its sandbox after it has started every
 * other thread (vmm/main.c), each other thread as its first action.
 *
 * A forbidden call raises SIGSYS (SCMP_ACT_TRAP, never a silent kill): the handler names
 * the call and the thread's role on stderr, restores the terminal and exits with
 * VMM_EXIT_SANDBOX (124). It must be async-signal-safe, so the names of the system calls
 * are resolved once, before the first filter is loaded.
 *
 * glibc makes calls of its own behind the functions the VMM uses: malloc maps and unmaps
 * arenas (mmap, munmap, madvise, brk), a thread's exit calls madvise and exit, stdio
 * writes with write and sizes its buffer with fstat, pthread_kill uses getpid, tgkill and
 * rt_sigprocmask, die() ends with exit_group. Those are in every role's `common` list. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "abi/machine.h"
#include "vmm/sandbox.h"
#include "vmm/terminal.h"
#include "vmm/vm.h"

#define END -1
#define SYSCALL_NAMES 512

/* A role's filter: `common` and its own calls with any arguments; mmap and mprotect
 * without PROT_EXEC; tgkill to this process; ioctl only with the terminal's requests and
 * the role's own. */
struct role {
    const char *name;        /* in the violation message */
    const char *selftest;    /* MINIVMM_SANDBOX_SELFTEST=<this> */
    const int *calls;
    const unsigned long *ioctls;
};

/* ---- the allow-lists ---- */

/* Every role: locks, memory for malloc (never executable), signals (the vCPU kick, the
 * SIGSYS handler's return), the clock, stopping the machine (vm_stop kicks vCPUs with
 * pthread_kill: tgkill, to this process only) and dying (die: write, exit_group). */
static const int common[] = {
    SCMP_SYS(futex), SCMP_SYS(sched_yield),
    SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(madvise),   /* mmap, mprotect: below */
    SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(restart_syscall),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(getpid), SCMP_SYS(gettid),                   /* tgkill: below */
    SCMP_SYS(write),
    SCMP_SYS(exit), SCMP_SYS(exit_group),
    END
};

/* The terminal's raw mode is restored on every exit path, from any thread. */
static const unsigned long terminal_ioctls[] = { TCGETS, TCSETS, TCSETSW, TCSETSF, END };

/* vCPU: KVM_RUN, and what the exit handlers do -- interrupt lines (KVM_IRQ_LINE), the
 * UART's output to stdout (poll: can it take a byte now?), QueueNotify's eventfd when the
 * ioeventfd was refused (write), the doorbell's counts (read of its eventfds), the PIT's
 * timerfd, the guest's stats marks (pread of KVM's stats fds), crash reports and the
 * debugger's gate (registers, guest debug). */
static const int vcpu_calls[] = {
    SCMP_SYS(read), SCMP_SYS(pread64), SCMP_SYS(timerfd_settime),
    SCMP_SYS(poll), SCMP_SYS(ppoll),
    END
};
static const unsigned long vcpu_ioctls[] = {
    KVM_RUN, KVM_IRQ_LINE, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
    KVM_GET_FPU, KVM_SET_FPU, KVM_GET_VCPU_EVENTS, KVM_SET_GUEST_DEBUG,
    END
};

/* A disk's I/O thread: io_uring, the eventfds (notify, stop, irqfd), and the synchronous
 * path of power-cut injection (pread/pwrite, fdatasync). */
static const int io_calls[] = {
    SCMP_SYS(io_uring_enter), SCMP_SYS(read),
    SCMP_SYS(pread64), SCMP_SYS(preadv), SCMP_SYS(pwrite64), SCMP_SYS(pwritev),
    SCMP_SYS(fdatasync), SCMP_SYS(fsync),
    END
};
static const unsigned long no_ioctls[] = { END };

/* --mmu shadow where the host's KVM shadows our shadow tables (PVM, npt=0): a vCPU drops
 * KVM's copy by deleting and adding one memslot (vmm/mmu.c, resync). Only then. */
static const unsigned long memslot_ioctls[] = { KVM_SET_USER_MEMORY_REGION, END };
static bool vcpu_memslots;

/* The event loop: epoll, stdin, timerfds, the signalfd, eventfds; the PIT's and the UART's
 * interrupt lines; the console's queued output (poll, write). */
static const int evloop_calls[] = {
    SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl), SCMP_SYS(poll),
    SCMP_SYS(read), SCMP_SYS(timerfd_settime),
    END
};
static const unsigned long evloop_ioctls[] = { KVM_IRQ_LINE, END };

/* The GDB server: one TCP connection at a time on the socket it listens on, the event
 * eventfd, and the vCPUs' registers and debug state. */
static const int gdb_calls[] = {
    SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(accept), SCMP_SYS(accept4),
    SCMP_SYS(read), SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(setsockopt),
    SCMP_SYS(close),
    END
};
static const unsigned long gdb_ioctls[] = {
    KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_FPU, KVM_SET_FPU,
    KVM_GET_VCPU_EVENTS, KVM_SET_GUEST_DEBUG,
    END
};

/* The main thread, once every thread runs: join them, stop the disks (fdatasync, close
 * the image and the ring), send the console's last queued output (poll), write --stats
 * to the file it opened before (KVM's stats fds by pread; stdio's fstat for the buffer). */
static const int main_calls[] = {
    SCMP_SYS(poll), SCMP_SYS(close), SCMP_SYS(fdatasync), SCMP_SYS(pread64), SCMP_SYS(fstat),
    SCMP_SYS(newfstatat), SCMP_SYS(lseek),
    END
};

static const struct role roles[SANDBOX_ROLES] = {
    [SANDBOX_MAIN] = { "main", "main", main_calls, no_ioctls },
    [SANDBOX_VCPU] = { "vCPU", "vcpu", vcpu_calls, vcpu_ioctls },
    [SANDBOX_IO] = { "disk I/O", "io", io_calls, no_ioctls },
    [SANDBOX_EVLOOP] = { "event loop", "evloop", evloop_calls, evloop_ioctls },
    [SANDBOX_GDB] = { "GDB server", "gdb", gdb_calls, gdb_ioctls },
};

/* ---- the mechanism ---- */

static bool disabled;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char names[SYSCALL_NAMES][32];    /* resolved before any filter, read by on_sigsys */
static const char *selftest;
static __thread int thread_role = -1;

void sandbox_disable(void)
{
    disabled = true;
    fputs("vmm: sandbox off (--no-sandbox): every thread may make any system call\n", stderr);
}

bool sandbox_enabled(void)
{
    return !disabled;
}

static void put(char *buf, size_t *n, size_t max, const char *s)
{
    while (*s && *n < max)
        buf[(*n)++] = *s++;
}

static void put_number(char *buf, size_t *n, size_t max, unsigned long v, unsigned base)
{
    char digits[24];
    int i = 0;
    do
        digits[i++] = "0123456789abcdef"[v % base];
    while ((v /= base) && i < (int)sizeof digits);
    while (i > 0 && *n < max)
        buf[(*n)++] = digits[--i];
}

static void on_sigsys(int sig, siginfo_t *si, void *ucontext)
{
    const ucontext_t *uc = ucontext;
    char msg[256];
    size_t n = 0, max = sizeof msg - 1;
    int nr = si->si_syscall;
    put(msg, &n, max, "vmm: sandbox: the ");
    put(msg, &n, max, thread_role >= 0 ? roles[thread_role].name : "?");
    put(msg, &n, max, " thread made a forbidden system call: ");
    put(msg, &n, max, nr >= 0 && nr < SYSCALL_NAMES && names[nr][0] ? names[nr] : "?");
    put(msg, &n, max, " (");
    put_number(msg, &n, max, (unsigned long)nr, 10);
    put(msg, &n, max, ")");
    if (nr == SYS_ioctl) {
        put(msg, &n, max, " request 0x");
        put_number(msg, &n, max, (unsigned long)uc->uc_mcontext.gregs[REG_RSI] & 0xffffffff, 16);
    }
    msg[n++] = '\n';
    terminal_restore();
    if (write(STDERR_FILENO, msg, n) < 0) {
        /* nothing more to say: stderr is gone */
    }
    _exit(VMM_EXIT_SANDBOX);
}

static void init(void)
{
    for (int nr = 0; nr < SYSCALL_NAMES; nr++) {
        char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (s)
            snprintf(names[nr], sizeof names[nr], "%s", s);
        free(s);
    }
    selftest = getenv("MINIVMM_SANDBOX_SELFTEST");
    struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0)
        die("sandbox: SIGSYS handler: %s", strerror(errno));
}

static int allow_ioctls(scmp_filter_ctx ctx, const unsigned long *reqs)
{
    int rc = 0;
    for (const unsigned long *r = reqs; rc == 0 && *r != (unsigned long)END; r++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, *r));
    return rc;
}

static int build(scmp_filter_ctx ctx, const struct role *r)
{
    int rc = 0;
    for (const int *c = common; rc == 0 && *c != END; c++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, *c, 0);
    for (const int *c = r->calls; rc == 0 && *c != END; c++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, *c, 0);
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
    if (rc == 0)
        rc = allow_ioctls(ctx, terminal_ioctls);
    if (rc == 0)
        rc = allow_ioctls(ctx, r->ioctls);
    if (rc == 0 && r == &roles[SANDBOX_VCPU] && vcpu_memslots)
        rc = allow_ioctls(ctx, memslot_ioctls);
    return rc;
}

void sandbox_allow_vcpu_memslots(void)
{
    vcpu_memslots = true;
}

void sandbox_enter(enum sandbox_role role)
{
    if (disabled)
        return;
    pthread_once(&once, init);
    const struct role *r = &roles[role];
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("sandbox: %s thread: PR_SET_NO_NEW_PRIVS: %s", r->name, strerror(errno));
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx)
        die("sandbox: %s thread: seccomp_init failed", r->name);
    int rc = build(ctx, r);
    if (rc < 0)
        die("sandbox: %s thread: building the filter: %s", r->name, strerror(-rc));
    thread_role = role;
    rc = seccomp_load(ctx);
    if (rc < 0)
        die("sandbox: %s thread: loading the filter: %s (--no-sandbox runs without it)",
            r->name, strerror(-rc));
    seccomp_release(ctx);
    /* The test hook (tests/integration/test_sandbox.py): a call no role may make. */
    if (selftest && strcmp(selftest, r->selftest) == 0)
        syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}
