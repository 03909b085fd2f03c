/* System calls: the dispatch table, argument checks and the calls that are small enough
 * to live here (the process calls are in proc.c, exec in exec.c). Both gates land in
 * syscall_dispatch with the user's registers in a trapframe; arguments arrive in %rdi
 * %rsi %rdx %r10 %r8 %r9, the result leaves in %rax, negative errno on failure. */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

/* Every call takes the trapframe and reads its arguments from it under their own names. */
typedef long (*sysfn)(struct trapframe *tf);
#define ARG0 (tf->rdi)
#define ARG1 (tf->rsi)
#define ARG2 (tf->rdx)

static long sys_exit(struct trapframe *tf)
{
    proc_exit((int)(ARG0 & 0xff));
}

static long sys_fork(struct trapframe *tf) { return proc_fork(); }
static long sys_wait(struct trapframe *tf) { return proc_wait(ARG0); }
static long sys_getpid(struct trapframe *tf) { return myproc()->pid; }
static long sys_kill(struct trapframe *tf) { return proc_kill((int)ARG0, (int)ARG1); }
static long sys_exec(struct trapframe *tf) { return exec(ARG0, ARG1); }

static long sys_getppid(struct trapframe *tf)
{
    struct proc *pp = myproc()->parent;
    return pp ? pp->pid : 0;
}

static long sys_yield(struct trapframe *tf)
{
    yield();
    return 0;
}

static long sys_uptime(struct trapframe *tf)
{
    return (long)(ticks * 1000 / (tick_hz ? tick_hz : 1));
}

static long sys_poweroff(struct trapframe *tf)
{
    if (myproc()->pid != 1) return -EPERM;
    poweroff((int)(ARG0 & 0xff));
}

/* Console output straight from the user's pages (no bounce buffer): each page-sized piece
 * is checked, then written. A fault part-way returns what was written before it. */
static long sys_write(struct trapframe *tf)
{
    uint64_t fd = ARG0, uva = ARG1, n = ARG2;
    if (fd != 1 && fd != 2) return -EBADF;
    const struct uvm *as = &myproc()->as;
    uint64_t done = 0;
    while (done < n) {
        const char *k = uvm_translate(as, uva + done, 0);
        if (!k) return done ? (long)done : -EFAULT;
        uint64_t chunk = PAGE_SIZE - ((uva + done) & (PAGE_SIZE - 1));
        if (chunk > n - done) chunk = n - done;
        console_write(k, chunk);
        done += chunk;
    }
    return (long)done;
}

/* Console input into the user's page: blocks for at least one byte, returns at most up to
 * the end of the first page of the buffer. */
static long sys_read(struct trapframe *tf)
{
    uint64_t fd = ARG0, uva = ARG1, n = ARG2;
    if (fd != 0) return -EBADF;
    if (n == 0) return 0;
    char *k = uvm_translate(&myproc()->as, uva, 1);
    if (!k) return -EFAULT;
    uint64_t room = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
    return (long)console_read(k, n < room ? n : room);
}

static const sysfn systab[NSYSCALL] = {
    [SYS_exit] = sys_exit,         [SYS_fork] = sys_fork,
    [SYS_wait] = sys_wait,         [SYS_exec] = sys_exec,
    [SYS_getpid] = sys_getpid,     [SYS_getppid] = sys_getppid,
    [SYS_read] = sys_read,         [SYS_write] = sys_write,
    [SYS_yield] = sys_yield,       [SYS_uptime] = sys_uptime,
    [SYS_poweroff] = sys_poweroff, [SYS_kill] = sys_kill,
    /* 40-49: scheduling (sched_sys.c) */
    [SYS_setsched] = sys_setsched, [SYS_getsched] = sys_getsched,
    [SYS_settickets] = sys_settickets, [SYS_setlevel] = sys_setlevel,
    [SYS_getprocinfo] = sys_getprocinfo, [SYS_schedtrace] = sys_schedtrace,
    [SYS_cputime] = sys_cputime,
};

/* Runs the call in tf->rax on the current process, result in tf->rax. A process killed
 * meanwhile dies here instead of returning to user mode. */
void syscall_dispatch(struct trapframe *tf)
{
    struct proc *p = myproc();
    uint64_t nr = tf->rax;
    sysfn fn;
    p->tf = tf;
    if (nr < NSYSCALL && (fn = systab[nr]))
        tf->rax = fn(tf);
    else
        tf->rax = -ENOSYS;
    if (p->killed) proc_exit(128 + p->killed);
}
