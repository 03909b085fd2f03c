/* System calls: the dispatch table, argument checks and the calls that are small enough
 * to live here (the process calls are in proc.c, exec in exec.c). Both gates land in
 * syscall_dispatch with the user's registers in a trapframe; arguments arrive in %rdi
 * %rsi %rdx %r10 %r8 %r9, the result leaves in %rax, negative errno on failure. */
#include "abi/syscall.h"
#include "guest/kernel/file.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

/* Every call takes the trapframe and reads its arguments from it under their own names. */
typedef long (*sysfn)(struct trapframe *tf);
#define ARG0 (tf->rdi)
#define ARG1 (tf->rsi)
#define ARG2 (tf->rdx)
#define ARG3 (tf->r10)

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
    fsys_sync_all();                      /* nothing committed is left behind */
    poweroff((int)(ARG0 & 0xff));
}

static long sys_read(struct trapframe *tf) { return sys_read_fd((int)ARG0, ARG1, ARG2); }
static long sys_write(struct trapframe *tf) { return sys_write_fd((int)ARG0, ARG1, ARG2); }
static long sys_close(struct trapframe *tf) { return sys_close_fd((int)ARG0); }
static long sys_dup(struct trapframe *tf) { return sys_dup_fd((int)ARG0); }
static long sys_dup2(struct trapframe *tf) { return sys_dup2_fd((int)ARG0, (int)ARG1); }
static long sys_pipe(struct trapframe *tf) { return pipe_create(ARG0); }
static long sys_sleep(struct trapframe *tf) { return proc_sleep_ms(ARG0); }
static long sys_sbrk(struct trapframe *tf) { return uvm_sbrk(&myproc()->as, (long)ARG0); }
static long sys_munmap(struct trapframe *tf) { return uvm_munmap(&myproc()->as, ARG0, ARG1); }
static long sys_setfg(struct trapframe *tf) { return consdev_setfg((int)ARG0); }
static long sys_getpgid(struct trapframe *tf) { return proc_getpgid((int)ARG0); }
static long sys_tsc_khz(struct trapframe *tf) { return (long)tsc_khz(); }

static long sys_waitpid(struct trapframe *tf)
{
    return proc_waitpid((int)ARG0, ARG1, (int)ARG2);
}

static long sys_mmap(struct trapframe *tf)
{
    return uvm_mmap(&myproc()->as, ARG0, ARG1, (int)ARG2, (int)ARG3);
}

static long sys_setpgid(struct trapframe *tf)
{
    return proc_setpgid((int)ARG0, (int)ARG1);
}

long sys_mark(struct trapframe *tf);              /* benchmark.c */

static const sysfn systab[NSYSCALL] = {
    [SYS_exit] = sys_exit,         [SYS_fork] = sys_fork,
    [SYS_wait] = sys_wait,         [SYS_exec] = sys_exec,
    [SYS_getpid] = sys_getpid,     [SYS_getppid] = sys_getppid,
    [SYS_read] = sys_read,         [SYS_write] = sys_write,
    [SYS_yield] = sys_yield,       [SYS_uptime] = sys_uptime,
    [SYS_poweroff] = sys_poweroff, [SYS_kill] = sys_kill,
    /* 13-39: fds, pipes, memory, process groups */
    [SYS_pipe] = sys_pipe,         [SYS_dup] = sys_dup,
    [SYS_dup2] = sys_dup2,         [SYS_close] = sys_close,
    [SYS_waitpid] = sys_waitpid,   [SYS_sleep] = sys_sleep,
    [SYS_sbrk] = sys_sbrk,         [SYS_mmap] = sys_mmap,
    [SYS_munmap] = sys_munmap,     [SYS_setpgid] = sys_setpgid,
    [SYS_setfg] = sys_setfg,       [SYS_tsc_khz] = sys_tsc_khz,
    [SYS_getpgid] = sys_getpgid, [SYS_tcgetattr] = sys_tcgetattr, [SYS_tcsetattr] = sys_tcsetattr,
    /* 40-49: scheduling (sched_sys.c) */
    [SYS_setsched] = sys_setsched, [SYS_getsched] = sys_getsched,
    [SYS_settickets] = sys_settickets, [SYS_setlevel] = sys_setlevel,
    [SYS_getprocinfo] = sys_getprocinfo, [SYS_schedtrace] = sys_schedtrace,
    [SYS_cputime] = sys_cputime,
    /* 80-95: everything else */
    [SYS_mark] = sys_mark,
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
    else if (nr >= SYS_FS_FIRST && nr <= SYS_FS_LAST)
        tf->rax = fsys_syscall(nr, tf);
    else
        tf->rax = -ENOSYS;
    if (p->killed) proc_exit(128 + p->killed);
}
