/* Processes: the process table, creation (the first process, fork), the per-CPU scheduler
 * loop, sleep and wakeup, exit and wait, kill and the deaths by fault.
 *
 * Locking: one spinlock, ptable_lock, guards every process's state, parent and chan and
 * the run queue (sched.c). It is held across swtch: a thread that gives up the CPU takes
 * the lock, the scheduler releases it, and the other way round, so no other CPU sees a
 * process half switched. Process-part kernel code runs with interrupts off; only the idle
 * loop (and console_read's wait) enables them, so a tick never preempts the kernel, only
 * user code. A process runs on one CPU at a time, and may come back on another. */
#include "abi/syscall.h"
#include "guest/kernel/file.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

struct spinlock ptable_lock = { 0, -1 };
static struct proc procs[NPROC];
static struct proc *initproc;
static int nextpid = 1;
static struct cpusched cpusched[NCPU];
static volatile int sched_ready;     /* userinit has set up the gate: APs may join */

/* Sleeping processes hashed by channel, so a wakeup visits the sleepers of its channel
 * (of the same bucket) instead of all NPROC slots: ~350 emulated instructions saved per
 * wakeup, several per pipe round trip. Each bucket is a circular list in sleep order;
 * head.snext == NULL means empty and never used. Guarded by ptable_lock. */
#define NSLEEPQ 64
static struct proc sleepq[NSLEEPQ];   /* list heads: only snext/sprev are used */

static struct proc *sleepq_of(void *chan)
{
    uint64_t x = (uint64_t)chan;
    return &sleepq[((x >> 3) ^ (x >> 11)) & (NSLEEPQ - 1)];
}

static void sleepq_add(struct proc *p)
{
    struct proc *h = sleepq_of(p->chan);
    if (!h->snext) h->snext = h->sprev = h;
    p->snext = h;
    p->sprev = h->sprev;
    h->sprev->snext = p;
    h->sprev = p;
}

/* A SLEEPING process becomes RUNNABLE: off its sleep queue, onto a run queue. */
static void unsleep(struct proc *p)
{
    p->sprev->snext = p->snext;
    p->snext->sprev = p->sprev;
    p->snext = p->sprev = NULL;
    p->state = RUNNABLE;
    sched_enqueue(p);
}

static void forkret(void);

/* The process table's slot i (0 <= i < NPROC), for the scheduler's system calls. */
struct proc *proc_slot(int i)
{
    return &procs[i];
}

/* A fresh EMBRYO with its kernel stack laid out to start in forkret, or NULL. */
static struct proc *allocproc(void)
{
    struct proc *p;
    acquire(&ptable_lock, mycpuid());
    for (p = procs; p < procs + NPROC && p->state != UNUSED; p++)
        ;
    if (p == procs + NPROC) {
        release(&ptable_lock);
        return NULL;
    }
    p->state = EMBRYO;
    p->pid = nextpid++;
    sched_fork(myproc(), p);            /* creation time; tickets from the creator */
    release(&ptable_lock);
    /* Not zeroed (512 emulated rep elements): the stack is written before it is read. */
    if (!(p->kstack = kalloc_dirty())) {
        p->state = UNUSED;
        return NULL;
    }
    p->tf = (struct trapframe *)(p->kstack + KSTACK_SIZE) - 1;
    /* 8 bytes of padding: forkret starts with rsp = 8 mod 16, as after a call. */
    p->ctx = (struct context *)((char *)p->tf - 8) - 1;
    p->ctx->rip = (uint64_t)forkret;
    p->parent = NULL;
    p->chan = NULL;
    p->killed = p->xstatus = 0;
    p->pgid = p->kthread = 0;
    p->kfn = NULL;
    memset(p->ofile, 0, sizeof p->ofile);
    p->as.pml4 = NULL;
    p->as.nregion = 0;
    p->name[0] = '\0';
    return p;
}

/* Returns an EMBRYO that never ran to the free list. */
static void freeproc(struct proc *p)
{
    uvm_free(&p->as);
    kfree(p->kstack);
    p->kstack = NULL;
    p->pid = 0;
    p->state = UNUSED;
}

/* A new process's first code: the scheduler switched here holding ptable_lock. */
static void forkret(void)
{
    release(&ptable_lock);
    trap_return(myproc()->tf);
}

/* Switches from the current process (state already changed, ptable_lock held) to this
 * CPU's scheduler; returns when the process is picked again, maybe on another CPU. */
static void sched(void)
{
    struct proc *p = myproc();
    swtch(&p->ctx, ((struct cpusched *)mycpu()->sched)->scheduler);
}

void scheduler(void)
{
    struct cpu *c = mycpu();
    struct cpusched *cs = &cpusched[c->id];
    c->sched = cs;
    for (;;) {
        acquire(&ptable_lock, c->id);
        struct proc *p = sched_pick(c->id);
        if (!p) {
            release(&ptable_lock);
            sti_hlt();              /* the lock is free, interrupts wake us */
            continue;
        }
        p->state = RUNNING;
        c->proc = p;
        c->kstack_top = (uint64_t)p->kstack + KSTACK_SIZE;
        tss_set_rsp0(c->kstack_top);
        write_cr3(p->as.pml4_pa);
        swtch(&cs->scheduler, p->ctx);
        sched_switched_out(c->id, p);   /* accounting; c->proc is still p */
        /* Off the process's table: it may exit on another CPU and free it. */
        write_cr3(kernel_pml4_pa);
        c->proc = NULL;
        release(&ptable_lock);
    }
}

void yield(void)
{
    struct proc *p = myproc();
    acquire(&ptable_lock, mycpuid());
    p->state = RUNNABLE;
    sched_enqueue(p);
    sched();
    release(&ptable_lock);
}

void sleep(void *chan)
{
    struct proc *p = myproc();
    if (p->killed && !p->kthread) return;     /* the caller's loop sees it and gives up */
    p->chan = chan;
    p->state = SLEEPING;
    sleepq_add(p);
    sched();
    p->chan = NULL;
}

void wakeup_locked(void *chan)
{
    struct proc *h = sleepq_of(chan);
    if (!h->snext) return;
    for (struct proc *p = h->snext, *n; p != h; p = n) {
        n = p->snext;
        if (p->chan == chan) unsleep(p);
    }
}

void sleep_on(void *chan, struct spinlock *lk)
{
    if (lk == &ptable_lock) {
        sleep(chan);
        return;
    }
    acquire(&ptable_lock, mycpuid());
    release(lk);
    sleep(chan);
    release(&ptable_lock);
    acquire(lk, mycpuid());
}

void wakeup(void *chan)
{
    acquire(&ptable_lock, mycpuid());
    wakeup_locked(chan);
    release(&ptable_lock);
}

/* console_sleep_hook: called with lk held and no input. Taking ptable_lock before
 * dropping lk means the wakeup (which needs ptable_lock) cannot slip in between. Without
 * a process (kernel code before init), wait for the next interrupt instead. */
static void console_sleep(void *chan, struct spinlock *lk)
{
    int cpu = mycpuid();
    if (!myproc()) {
        release(lk);
        sti_hlt();
        acquire(lk, cpu);
        return;
    }
    acquire(&ptable_lock, cpu);
    release(lk);
    sleep(chan);
    release(&ptable_lock);
    acquire(lk, mycpuid());
}

/* console_wakeup_hook, in the UART interrupt. */
static void console_wakeup(void *chan)
{
    acquire(&ptable_lock, mycpuid());
    wakeup_locked(chan);
    release(&ptable_lock);
}

int proc_fork(void)
{
    struct proc *p = myproc(), *np = allocproc();
    if (!np) return -EAGAIN;
    int r = uvm_init(&np->as);
    if (r == 0) r = uvm_copy(&np->as, &p->as);
    if (r < 0) {
        freeproc(np);
        return r;
    }
    write_cr3(p->as.pml4_pa);           /* the parent's pages just became read-only */
    fd_fork(np, p);
    *np->tf = *p->tf;
    np->tf->rax = 0;                    /* fork returns 0 in the child */
    np->pgid = p->pgid;
    memcpy(np->name, p->name, sizeof np->name);
    acquire(&ptable_lock, mycpuid());
    np->parent = p;
    /* A signal that reached the parent while the child was still an EMBRYO (not
     * signalable) would miss the child: kill(-pgid) racing a fork in the group left a
     * survivor. The child takes it too (Linux aborts such a fork instead). */
    if (p->killed) np->killed = p->killed;
    np->state = RUNNABLE;
    sched_enqueue(np);
    release(&ptable_lock);
    return np->pid;
}

void proc_exit(int status)
{
    struct proc *p = myproc();
    if (p == initproc) panic("init exited with status %d", status);
    fd_close_all(p);                         /* may wake pipe readers and writers */
    write_cr3(kernel_pml4_pa);               /* before its page tables go */
    uvm_free(&p->as);
    acquire(&ptable_lock, mycpuid());
    for (struct proc *q = procs; q < procs + NPROC; q++)
        if (q->parent == p) {
            q->parent = initproc;
            if (q->state == ZOMBIE) wakeup_locked(initproc);
        }
    p->xstatus = status;
    p->state = ZOMBIE;
    wakeup_locked(p->parent);
    sched();
    panic("exit: zombie %d ran again", p->pid);
}

/* A status pointer that cannot take the status fails before a child is reaped. */
static int status_writable(struct uvm *as, uint64_t uva)
{
    return uvm_translate(as, uva, 1) && uvm_translate(as, uva + sizeof(int) - 1, 1);
}

int proc_wait(uint64_t status_uva)
{
    return (int)proc_waitpid(-1, status_uva, 0);
}

long proc_waitpid(int pid, uint64_t status_uva, int options)
{
    struct proc *p = myproc();
    if ((pid < -1 || pid == 0) || (options & ~WNOHANG)) return -EINVAL;
    if (status_uva && !status_writable(&p->as, status_uva)) return -EFAULT;
    acquire(&ptable_lock, mycpuid());
    for (;;) {
        int havekids = 0;
        for (struct proc *q = procs; q < procs + NPROC; q++) {
            if (q->parent != p || (pid > 0 && q->pid != pid)) continue;
            havekids = 1;
            if (q->state != ZOMBIE) continue;
            int cpid = q->pid, status = q->xstatus;
            q->parent = NULL;
            freeproc(q);
            release(&ptable_lock);
            if (status_uva) copyout(&p->as, status_uva, &status, sizeof status);
            return cpid;
        }
        if (!havekids || p->killed || (options & WNOHANG)) {
            release(&ptable_lock);
            return !havekids ? -ECHILD : p->killed ? -EINTR : 0;
        }
        sleep(p);
    }
}

/* Timed sleepers wait on &ticks; the tick wakes them only once the earliest deadline is
 * due, so an idle timer costs one comparison per tick. */
static volatile uint64_t timer_next = ~0ULL;   /* guarded by ptable_lock for writes */

long proc_sleep_ms(uint64_t ms)
{
    struct proc *p = myproc();
    uint64_t hz = tick_hz ? tick_hz : 1;
    if (ms > 1000ULL * 1000 * 1000 * 1000) return -EINVAL;
    uint64_t deadline = ticks + (ms * hz + 999) / 1000;
    acquire(&ptable_lock, mycpuid());
    while (ticks < deadline && !p->killed) {
        if (deadline < timer_next) timer_next = deadline;
        sleep((void *)&ticks);
    }
    release(&ptable_lock);
    return p->killed ? -EINTR : 0;
}

/* On CPU 0's tick (it counts ticks): wakes the timed sleepers once one is due. */
static void timer_wakeups(void)
{
    if (ticks < timer_next) return;
    acquire(&ptable_lock, mycpuid());
    timer_next = ~0ULL;                 /* the sleepers set it again as they go back */
    wakeup_locked((void *)&ticks);
    release(&ptable_lock);
}

/* Marks p killed by sig (the first signal wins) and wakes it if it sleeps. */
static void signal_locked(struct proc *p, int sig)
{
    if (!sig) return;
    if (!p->killed) p->killed = sig;
    if (p->state == SLEEPING) unsleep(p);
}

static int signalable(const struct proc *p)
{
    return p->state != UNUSED && p->state != ZOMBIE && p->state != EMBRYO && !p->kthread;
}

int proc_kill(int pid, int sig)
{
    if (sig < 0 || sig >= NSIG_CODE) return -EINVAL;
    if (pid == 0) pid = -myproc()->pgid;         /* the caller's own group */
    if (pid == 1 || pid == -1) return -EPERM;
    int found = 0;
    acquire(&ptable_lock, mycpuid());
    for (struct proc *p = procs; p < procs + NPROC; p++) {
        if (!signalable(p) || p->pid == 1) continue;
        if (pid > 0 ? p->pid != pid : (pid == 0 || p->pgid != -pid)) continue;
        signal_locked(p, sig);
        found = 1;
    }
    release(&ptable_lock);
    return found ? 0 : -ESRCH;
}

long proc_setpgid(int pid, int pgid)
{
    struct proc *me = myproc();
    if (pgid < 0) return -EINVAL;
    long r = -ESRCH;
    acquire(&ptable_lock, mycpuid());
    for (struct proc *p = procs; p < procs + NPROC; p++) {
        if (!signalable(p) || (pid ? p->pid != pid : p != me)) continue;
        if (p != me && p->parent != me) {
            r = -EPERM;
            break;
        }
        p->pgid = pgid ? pgid : p->pid;
        r = p->pgid;
        break;
    }
    release(&ptable_lock);
    return r;
}

long proc_getpgid(int pid)
{
    if (pid == 0) return myproc()->pgid;
    long r = -ESRCH;
    acquire(&ptable_lock, mycpuid());
    for (struct proc *p = procs; p < procs + NPROC; p++)
        if (p->pid == pid && signalable(p)) r = p->pgid;
    release(&ptable_lock);
    return r;
}

/* A kernel thread's first code: like forkret, but into its body instead of user mode. */
static void kthread_entry(void)
{
    release(&ptable_lock);
    myproc()->kfn();
    panic("kernel thread %s returned", myproc()->name);
}

struct proc *kthread_start(const char *name, void (*fn)(void))
{
    struct proc *p = allocproc();
    if (!p) return NULL;
    p->ctx->rip = (uint64_t)kthread_entry;
    p->kthread = 1;
    p->kfn = fn;
    p->as.pml4_pa = kernel_pml4_pa;         /* runs on the kernel's table */
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof p->name; i++) p->name[i] = name[i];
    p->name[i] = '\0';
    acquire(&ptable_lock, mycpuid());
    p->parent = initproc;
    p->state = RUNNABLE;
    sched_enqueue(p);
    release(&ptable_lock);
    return p;
}

/* What a CPU exception in user mode means for the process: a signal-like code and words. */
static int fault_code(uint64_t vector, const char **what)
{
    switch (vector) {
    case 0:  *what = "divide error"; return SIGFPE_CODE;
    case 1:  *what = "debug trap"; return SIGTRAP_CODE;
    case 3:  *what = "breakpoint"; return SIGTRAP_CODE;
    case 6:  *what = "invalid opcode"; return SIGILL_CODE;
    case 13: *what = "general protection fault"; return SIGSEGV_CODE;
    case 14: *what = "page fault"; return SIGSEGV_CODE;
    case 16: case 19: *what = "floating-point exception"; return SIGFPE_CODE;
    case 17: *what = "alignment check"; return SIGSEGV_CODE;
    default: *what = "exception"; return SIGSEGV_CODE;
    }
}

/* user_fault_hook: the process dies with 128 + code, and one line says why. */
void proc_fault(struct trapframe *tf)
{
    struct proc *p = myproc();
    if (!p) panic("user fault %lu with no process, rip %p", tf->vector, (void *)tf->rip);
    const char *what;
    int code = fault_code(tf->vector, &what);
    if (tf->vector == 14)
        kprintf("pid %d (%s): killed: page fault at 0x%lx rip 0x%lx\n", p->pid, p->name,
                read_cr2(), tf->rip);
    else
        kprintf("pid %d (%s): killed: %s (vector %lu, error 0x%lx) rip 0x%lx\n", p->pid,
                p->name, what, tf->vector, tf->error, tf->rip);
    proc_exit(128 + code);
}

/* tick_hook: preempts user code when its slice is used up; kernel code runs on. */
void proc_tick(struct trapframe *tf)
{
    struct proc *p = myproc();
    if (mycpuid() == 0) timer_wakeups();
    if ((tf->cs & 3) != 3 || !p) return;
    if (p->killed) proc_exit(128 + p->killed);
    if (sched_tick(p)) yield();
}

/* Starts init (init=PATH or /bin/init) with the command from /chosen as its arguments,
 * then becomes the boot CPU's scheduler. `gate=trap|syscall` overrides the gate. */
void userinit(void)
{
    static char gate[16], path[EXEC_PATHMAX] = "/bin/init";
    char *argv[EXEC_MAXARG + 1];
    int argc = 0;
    bootinfo.syscall_gate =
        gate_init(cmdline_value("gate", gate, sizeof gate) ? gate : bootinfo.syscall_gate);
    user_fault_hook = proc_fault;
    vm_pf_init();
    tick_hook = proc_tick;
    console_sleep_hook = console_sleep;
    console_wakeup_hook = console_wakeup;
    sched_init();
    cmdline_value("init", path, sizeof path);
    argv[argc++] = path;
    for (int i = 0; i < bootinfo.ncommand && argc < EXEC_MAXARG; i++)
        argv[argc++] = (char *)bootinfo.command[i];
    argv[argc] = NULL;
    struct proc *p = allocproc();
    if (!p) panic("userinit: out of memory");
    int r = exec_load(p, path, argv, argc);
    if (r == -ENOENT) panic("no init: %s not found", path);
    if (r < 0) panic("no init: %s: exec failed (error %d)", path, -r);
    struct file *con = file_alloc(&console_fileops, NULL, 1, 1);
    if (!con) panic("userinit: no console file");
    p->ofile[0] = con;
    p->ofile[1] = file_dup(con);
    p->ofile[2] = file_dup(con);
    p->pgid = p->pid;
    initproc = p;
    acquire(&ptable_lock, mycpuid());
    p->state = RUNNABLE;
    sched_enqueue(p);
    release(&ptable_lock);
    consdev_init();
    __atomic_store_n(&sched_ready, 1, __ATOMIC_RELEASE);
    scheduler();
}

void ap_enter_scheduler(void)
{
    while (!__atomic_load_n(&sched_ready, __ATOMIC_ACQUIRE))
        pause();
    gate_init_cpu();
    scheduler();
}
