/* The scheduling system calls (block 40-49 of abi/syscall.h) and the slice trace that
 * schedtest reads: every argument from the user is checked here before it reaches the
 * scheduler. */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

#define ARG0 (tf->rdi)
#define ARG1 (tf->rsi)
#define ARG2 (tf->rdx)
#define ARG3 (tf->r10)
/* An int argument: the C ABI leaves the upper half of its register undefined. */
#define INT(a) ((long)(int)(a))
#define MAX_QUANTUM_MS 10000
#define MAX_BOOST_MS   100000

void sched_set(int policy, int quantum_ticks, int flags, int boost_ticks);
void sched_procinfo(struct proc *p, struct procinfo *pi, uint64_t now);
int sched_exited(struct procinfo *out, int n);
void sched_adjust(struct proc *p, int tickets, int level);

static int trace_buf[TRACE_MAX];
static int trace_n, trace_cap;             /* guarded by ptable_lock */
static struct spinlock info_lock = { 0, -1 };
static struct procinfo info[NPROC > PI_NEXITED ? NPROC : PI_NEXITED];  /* info_lock */

/* At every pick, with ptable_lock held. */
void trace_slice(int pid)
{
    if (trace_n < trace_cap) trace_buf[trace_n++] = pid;
}

static int ms_to_ticks(long ms)
{
    return (int)((ms * (long)tick_hz + 999) / 1000);
}

/* setsched(policy or -1, quantum ms or 0, flags or -1, boost ms or 0): the old policy. */
long sys_setsched(struct trapframe *tf)
{
    long policy = INT(ARG0), q = INT(ARG1), flags = INT(ARG2), boost = INT(ARG3);
    if (policy < -1 || policy >= SCHED_NPOLICY || q < 0 || q > MAX_QUANTUM_MS ||
        flags < -1 || flags > (MLFQ_ACCOUNT | MLFQ_BOOST) || boost < 0 ||
        boost > MAX_BOOST_MS)
        return -EINVAL;
    acquire(&ptable_lock, mycpuid());
    int old = sconf.policy;
    sched_set(policy < 0 ? old : (int)policy, q ? ms_to_ticks(q) : sconf.quantum_ticks,
              flags < 0 ? sconf.flags : (int)flags,
              boost ? ms_to_ticks(boost) : sconf.boost_ticks);
    release(&ptable_lock);
    return old;
}

static int ticks_to_ms(int t)
{
    return (int)((uint64_t)t * 1000 / (tick_hz ? tick_hz : 100));
}

long sys_getsched(struct trapframe *tf)
{
    struct schedparams sp = { .policy = sconf.policy,
        .quantum_ms = ticks_to_ms(sconf.quantum_ticks), .flags = sconf.flags,
        .boost_ms = ticks_to_ms(sconf.boost_ticks), .ncpu = ncpu,
        .tick_hz = (int32_t)tick_hz, .tsc_khz = tsc_khz(),
        .set_us = tsc_to_us(sconf.set_tsc) };
    for (int l = 0; l < MLFQ_NLEVEL; l++)
        sp.level_quantum_ms[l] = ticks_to_ms(sconf.quantum_ticks << l);
    return copyout(&myproc()->as, ARG0, &sp, sizeof sp);
}

/* The live process pid (0: the caller); ptable_lock held. */
static struct proc *find(long pid)
{
    if (pid == 0) return myproc();
    for (int i = 0; i < NPROC; i++) {
        struct proc *p = proc_slot(i);
        if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE &&
            p->state != EMBRYO)
            return p;
    }
    return NULL;
}

/* Tickets (level < 0) or the MLFQ level (tickets < 0) of a process. */
static long adjust(long pid, int tickets, int level)
{
    if (pid < 0) return -ESRCH;
    acquire(&ptable_lock, mycpuid());
    struct proc *p = find(pid);
    if (p) sched_adjust(p, tickets, level);
    release(&ptable_lock);
    return p ? 0 : -ESRCH;
}

long sys_settickets(struct trapframe *tf)
{
    long n = INT(ARG1);
    if (n < 1 || n > TICKETS_MAX) return -EINVAL;
    return adjust(INT(ARG0), (int)n, -1);
}

long sys_setlevel(struct trapframe *tf)
{
    long l = INT(ARG1);
    if (l < 0 || l >= MLFQ_NLEVEL) return -EINVAL;
    return adjust(INT(ARG0), -1, (int)l);
}

/* getprocinfo(buf, n, which): a snapshot taken under ptable_lock, then copied out. */
long sys_getprocinfo(struct trapframe *tf)
{
    uint64_t uva = ARG0;
    long n = INT(ARG1), which = INT(ARG2);
    if ((which != PI_LIVE && which != PI_EXITED) || n < 0) return -EINVAL;
    int cpu = mycpuid(), k = 0;
    acquire(&info_lock, cpu);
    acquire(&ptable_lock, cpu);
    if (which == PI_EXITED) {
        k = sched_exited(info, n < PI_NEXITED ? (int)n : PI_NEXITED);
    } else {
        uint64_t now = rdtsc();
        for (int i = 0; i < NPROC && k < n; i++) {
            struct proc *p = proc_slot(i);
            if (p->state != UNUSED) sched_procinfo(p, &info[k++], now);
        }
    }
    release(&ptable_lock);
    int r = k ? copyout(&myproc()->as, uva, info, (uint64_t)k * sizeof info[0]) : 0;
    release(&info_lock);
    return r < 0 ? r : k;
}

/* schedtrace(op, pids, n): TRACE_START n, TRACE_COUNT, TRACE_READ (stops) into pids. */
long sys_schedtrace(struct trapframe *tf)
{
    long op = INT(ARG0), n = INT(ARG2);
    uint64_t uva = ARG1;
    if (op == TRACE_COUNT) return __atomic_load_n(&trace_n, __ATOMIC_RELAXED);
    if (n < 0) return -EINVAL;
    if (op == TRACE_START) {
        if (n > TRACE_MAX) return -EINVAL;
        acquire(&ptable_lock, mycpuid());
        trace_n = 0;
        trace_cap = (int)n;
        release(&ptable_lock);
        return 0;
    }
    if (op != TRACE_READ) return -EINVAL;
    acquire(&ptable_lock, mycpuid());
    trace_cap = trace_n;                     /* stops recording */
    int k = trace_n < n ? trace_n : (int)n;
    release(&ptable_lock);
    int r = k ? copyout(&myproc()->as, uva, trace_buf, (uint64_t)k * sizeof(int)) : 0;
    return r < 0 ? r : k;
}

long sys_cputime(struct trapframe *tf)
{
    struct schedproc *s = SP(myproc());
    return (long)tsc_to_us(s->cpu_tsc + (s->oncpu ? rdtsc() - s->run_start : 0));
}
