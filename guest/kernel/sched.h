/* The scheduler's interface: what proc.c calls (the seam between the process part and the
 * policies), the per-process scheduling state embedded in struct proc, and the small
 * interface each policy file (sched_rr.c, sched_mlfq.c, sched_stride.c, sched_lottery.c)
 * implements for sched.c. Every call holds ptable_lock except sched_tick. */
#ifndef GUEST_KERNEL_SCHED_H
#define GUEST_KERNEL_SCHED_H
#include <stdint.h>
#include "abi/sched.h"

struct proc;
struct trapframe;

/* Per-process scheduling state and accounting, beside the process table: SP(p) is the
 * one of process p (sched_procs[p's slot]). TSC values. */
struct schedproc {
    int cpu;                 /* run queue it belongs to / last ran on; -1 if never */
    uint32_t cpumask;        /* CPUs it ran on */
    int oncpu;               /* running: run_start is valid */
    int preempted;           /* the last stop was a tick preemption, not giving up the CPU */
    uint32_t gen;            /* policy generation its state below belongs to */
    uint64_t epoch;          /* MLFQ boost epoch of its level */
    int level;               /* MLFQ level */
    int tickets;
    uint64_t pass;           /* stride */
    uint64_t allot_used;     /* MLFQ: TSC used at this level */
    uint64_t t_create, t_first, run_start, cpu_tsc;
    uint32_t nswitch;
};

extern struct schedproc sched_procs[];
extern struct proc *sched_proc_base;             /* proc_slot(0) */
#define SP(p) (&sched_procs[(p) - sched_proc_base])

/* ---- What proc.c calls (with ptable_lock held unless said otherwise) ---- */
void sched_init(void);                           /* boot CPU, before the first process */
void sched_fork(struct proc *parent, struct proc *child);  /* parent NULL for init */
void sched_enqueue(struct proc *p);              /* p became RUNNABLE */
struct proc *sched_pick(int cpu);                /* next to run on cpu (dequeued), or NULL */
void sched_switched_out(int cpu, struct proc *p);  /* back in cpu's scheduler after p ran */
int sched_tick(struct proc *p);                  /* no lock; non-zero: preempt p */

/* ---- Inside the scheduler (sched*.c) ---- */
/* A CPU's run queue: up to MLFQ_NLEVEL FIFO lists linked through proc->next. */
struct runq {
    struct proc *head[MLFQ_NLEVEL], *tail[MLFQ_NLEVEL];
    int n;                   /* queued */
    struct proc *cur;        /* running here, or NULL */
    uint64_t epoch;          /* MLFQ: boost epoch its levels belong to */
    uint64_t vpass;          /* stride: pass of the last pick (the queue's virtual time) */
};

struct policy {
    const char *name;
    void (*enqueue)(struct runq *rq, struct proc *p);
    struct proc *(*pick)(struct runq *rq);       /* dequeue the next; NULL if empty */
    int (*tick)(struct runq *rq, struct proc *p);  /* no lock: preempt p now? */
    /* p stopped after using used TSC; at the switch or when it re-enters the queue. */
    void (*stopped)(struct proc *p, uint64_t used);
    void (*reset)(struct proc *p);               /* fresh state under this policy */
};
extern const struct policy policy_rr, policy_fifo, policy_mlfq, policy_stride,
    policy_lottery;

/* The current configuration (sched.c); writes hold ptable_lock. */
struct schedconf {
    int policy;
    int quantum_ticks;       /* RR/stride/lottery slice; MLFQ top level */
    int flags;               /* MLFQ_* */
    int boost_ticks;
    uint32_t gen;            /* bumped on every setsched */
    uint64_t set_tsc;        /* when */
};
extern struct schedconf sconf;
extern uint64_t tick_tsc;                         /* TSC counts per tick */

void rq_push(struct runq *rq, int level, struct proc *p);
struct proc *rq_pop(struct runq *rq, int level);
void rq_unlink(struct runq *rq, int level, struct proc *prev, struct proc *p);
uint64_t mlfq_epoch(void);                       /* current boost epoch */
uint64_t tsc_to_us(uint64_t tsc);
uint64_t sched_rand(void);                       /* lottery's seeded PRNG */

/* sched_sys.c: the trace of slices, filled at every pick. */
void trace_slice(int pid);
/* The system calls of block 40-49 (syscall.c's table points at them). */
long sys_setsched(struct trapframe *tf);
long sys_getsched(struct trapframe *tf);
long sys_settickets(struct trapframe *tf);
long sys_setlevel(struct trapframe *tf);
long sys_getprocinfo(struct trapframe *tf);
long sys_schedtrace(struct trapframe *tf);
long sys_cputime(struct trapframe *tf);

/* ---- What sched_sys.c needs from proc.c ---- */
struct proc *proc_slot(int i);                   /* &procs[i], 0 <= i < NPROC */

/* ---- tlb.c: TLB shootdown ---- */
/* Flushes the TLB entries of the address space whose PML4 is at pml4_pa on every CPU
 * that has it loaded (this one directly, others by IPI, waiting for them). Call with no
 * spinlock held: a CPU spinning with interrupts masked cannot answer. */
void tlb_shootdown(uint64_t pml4_pa);
void tlb_init(void);                             /* registers the IPI handler */
uint64_t tlb_ipis_received(int cpu);

#endif
