/* The scheduler core behind proc.c's seam (sched.h): per-CPU run queues, the choice of a
 * queue for a process that becomes runnable, stealing by idle CPUs, per-process
 * accounting (CPU time, switches, first run, exit) and the switch between policies. The
 * policies themselves (which process of a queue runs next, when to preempt) are in
 * sched_rr.c, sched_mlfq.c, sched_stride.c and sched_lottery.c.
 *
 * Locking: proc.c's ptable_lock guards the queues and every process's schedproc, except
 * what sched_tick touches (its own running process, read-only peeks at its queue). The
 * queues are per CPU for affinity (a process goes back to the CPU it last ran on) and so
 * that a CPU picks without looking at the others; one lock still covers them all. */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

struct schedconf sconf = { .policy = SCHED_RR, .quantum_ticks = 1,
                           .flags = MLFQ_ACCOUNT | MLFQ_BOOST, .boost_ticks = 100, .gen = 1 };
uint64_t tick_tsc;
struct schedproc sched_procs[NPROC];
struct proc *sched_proc_base;
static struct runq rqs[NCPU];
static const struct policy *const policies[SCHED_NPOLICY] = {
    &policy_rr, &policy_fifo, &policy_mlfq, &policy_stride, &policy_lottery,
};
static const char *const policy_names[SCHED_NPOLICY] = {
    "rr", "fifo", "mlfq", "stride", "lottery",
};
static const struct policy *pol = &policy_rr;
static uint64_t rand_state = 0x9e3779b97f4a7c15ULL;
static struct procinfo exited[PI_NEXITED];   /* ring of the last exits */
static unsigned nexited;

static uint64_t parse_u64(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

static int sched_policy_by_name(const char *name)
{
    for (int i = 0; i < SCHED_NPOLICY; i++)
        if (strcmp(name, policy_names[i]) == 0) return i;
    return -1;
}

/* sched=POLICY, quantum=MS and seed=N from the command line. */
void sched_init(void)
{
    char v[24];
    uint64_t khz = tsc_khz();
    tick_tsc = khz * 1000 / (tick_hz ? tick_hz : 100);
    sconf.quantum_ticks = (int)((uint64_t)tick_hz * SCHED_SLICE_MS / 1000);
    if (sconf.quantum_ticks < 1) sconf.quantum_ticks = 1;
    sconf.boost_ticks = (int)tick_hz;             /* S = 1 s */
    if (cmdline_value("sched", v, sizeof v)) {
        int p = sched_policy_by_name(v);
        if (p < 0) kprintf("sched: unknown policy \"%s\", using rr\n", v);
        else sconf.policy = p;
    }
    if (cmdline_value("quantum", v, sizeof v) && parse_u64(v) > 0)
        sconf.quantum_ticks = (int)((parse_u64(v) * tick_hz + 999) / 1000);
    if (cmdline_value("seed", v, sizeof v) && parse_u64(v))
        rand_state = parse_u64(v);
    pol = policies[sconf.policy];
    sched_proc_base = proc_slot(0);
    tlb_init();
    kprintf("sched: policy %s, quantum %d ms\n", pol->name,
            (int)((uint64_t)sconf.quantum_ticks * 1000 / (tick_hz ? tick_hz : 100)));
}

uint64_t tsc_to_us(uint64_t tsc)
{
    uint64_t khz = tsc_khz();
    return khz ? tsc / khz * 1000 + tsc % khz * 1000 / khz : 0;
}

/* xorshift64*: deterministic for a given seed, so lottery runs repeat. */
uint64_t sched_rand(void)
{
    rand_state ^= rand_state >> 12;
    rand_state ^= rand_state << 25;
    rand_state ^= rand_state >> 27;
    return rand_state * 0x2545f4914f6cdd1dULL;
}

uint64_t mlfq_epoch(void)
{
    if (!(sconf.flags & MLFQ_BOOST) || sconf.boost_ticks <= 0) return 0;
    return ticks / (uint64_t)sconf.boost_ticks;
}

void rq_push(struct runq *rq, int level, struct proc *p)
{
    p->next = NULL;
    if (rq->tail[level]) rq->tail[level]->next = p;
    else rq->head[level] = p;
    rq->tail[level] = p;
}

struct proc *rq_pop(struct runq *rq, int level)
{
    struct proc *p = rq->head[level];
    if (p) rq_unlink(rq, level, NULL, p);
    return p;
}

/* Removes p, whose predecessor in the list is prev (NULL: p is the head). */
void rq_unlink(struct runq *rq, int level, struct proc *prev, struct proc *p)
{
    if (prev) prev->next = p->next;
    else rq->head[level] = p->next;
    if (rq->tail[level] == p) rq->tail[level] = prev;
    p->next = NULL;
}

/* Brings p's policy state up to the current policy (after a setsched). */
static void refresh(struct proc *p)
{
    if (SP(p)->gen == sconf.gen) return;
    SP(p)->gen = sconf.gen;
    SP(p)->level = 0;
    SP(p)->allot_used = 0;
    SP(p)->epoch = mlfq_epoch();
    pol->reset(p);
}

void sched_fork(struct proc *parent, struct proc *child)
{
    struct schedproc *s = SP(child);
    *s = (struct schedproc){ .cpu = -1, .tickets = TICKETS_DEFAULT, .gen = sconf.gen - 1 };
    if (parent) s->tickets = SP(parent)->tickets;
    s->t_create = rdtsc();
    refresh(child);
}

/* The end of p's run on its CPU: CPU time, and the policy's charge (MLFQ allotment). */
static void stop(struct proc *p)
{
    if (!SP(p)->oncpu) return;
    uint64_t used = rdtsc() - SP(p)->run_start;
    SP(p)->oncpu = 0;
    SP(p)->cpu_tsc += used;
    if (SP(p)->gen == sconf.gen) pol->stopped(p, used);
    SP(p)->preempted = 0;
}

/* Processes on cpu's queue or running there, p itself not counted. */
static int load(int cpu, const struct proc *p)
{
    const struct runq *rq = &rqs[cpu];
    return rq->n + (rq->cur != NULL && rq->cur != p);
}

/* The queue p joins: the CPU it last ran on, unless that one is busy and another is
 * idle (then the idle one, woken by IPI); a new process goes to the least loaded. */
static int place(struct proc *p)
{
    int best = 0;
    for (int i = 1; i < ncpu; i++)
        if (load(i, p) < load(best, p)) best = i;
    int c = SP(p)->cpu;
    if (c < 0 || c >= ncpu) return best;
    if (load(c, p) > 0 && load(best, p) == 0) return best;
    return c;
}

void sched_enqueue(struct proc *p)
{
    stop(p);                                   /* a running process that yields */
    refresh(p);
    int c = place(p);
    struct runq *rq = &rqs[c];
    int wake = c != mycpuid() && load(c, p) == 0;
    SP(p)->cpu = c;
    pol->enqueue(rq, p);
    rq->n++;
    if (wake) lapic_send_ipi(cpus[c].apic_id, T_WAKE);
}

/* The queue with the most waiting work, other than cpu's; NULL if none is worth
 * stealing from (a queued process there waits behind a running one, or two wait). */
static struct runq *victim(int cpu)
{
    struct runq *v = NULL;
    for (int i = 0; i < ncpu; i++) {
        struct runq *rq = &rqs[i];
        if (i == cpu || rq->n == 0 || (rq->n == 1 && !rq->cur)) continue;
        if (!v || rq->n > v->n) v = rq;
    }
    return v;
}

struct proc *sched_pick(int cpu)
{
    struct runq *rq = &rqs[cpu], *from = rq;
    struct proc *p = rq->n ? pol->pick(rq) : NULL;
    if (!p && (from = victim(cpu)) != NULL)
        p = pol->pick(from);                   /* migration: an idle CPU steals */
    if (!p) return NULL;
    from->n--;
    struct schedproc *s = SP(p);
    s->cpu = cpu;
    s->cpumask |= 1u << cpu;
    s->run_start = rdtsc();
    if (!s->t_first) s->t_first = s->run_start;
    s->oncpu = 1;
    s->nswitch++;
    rq->cur = p;
    trace_slice(p->pid);
    return p;
}

/* Fills *pi from p (ptable_lock held). */
void sched_procinfo(struct proc *p, struct procinfo *pi, uint64_t now)
{
    static const int8_t states[] = { [EMBRYO] = PS_EMBRYO, [SLEEPING] = PS_SLEEPING,
        [RUNNABLE] = PS_RUNNABLE, [RUNNING] = PS_RUNNING, [ZOMBIE] = PS_ZOMBIE };
    const struct schedproc *s = SP(p);
    *pi = (struct procinfo){ .pid = p->pid, .ppid = p->parent ? p->parent->pid : 0,
        .cpu = s->cpu, .cpumask = s->cpumask, .tickets = s->tickets, .level = s->level,
        .nswitch = s->nswitch, .turnaround_us = -1 };
    pi->state = (unsigned)p->state < sizeof states ? states[p->state] : 0;
    pi->cpu_us = tsc_to_us(s->cpu_tsc + (s->oncpu ? now - s->run_start : 0));
    pi->age_us = tsc_to_us(now - s->t_create);
    pi->create_us = tsc_to_us(s->t_create);
    pi->response_us = s->t_first ? (int64_t)tsc_to_us(s->t_first - s->t_create) : -1;
    memcpy(pi->name, p->name, sizeof pi->name < PROC_NAME_LEN ? sizeof pi->name
                                                               : PROC_NAME_LEN);
    pi->name[sizeof pi->name - 1] = '\0';
}

/* Copies up to n of the last exits, oldest first; returns how many. */
int sched_exited(struct procinfo *out, int n)
{
    unsigned have = nexited < PI_NEXITED ? nexited : PI_NEXITED;
    int k = 0;
    for (unsigned i = nexited - have; i < nexited && k < n; i++)
        out[k++] = exited[i % PI_NEXITED];
    return k;
}

void sched_switched_out(int cpu, struct proc *p)
{
    stop(p);
    rqs[cpu].cur = NULL;
    if (p->state != ZOMBIE) return;
    uint64_t now = rdtsc();
    struct procinfo *pi = &exited[nexited++ % PI_NEXITED];
    sched_procinfo(p, pi, now);
    pi->state = PS_EXITED;
    pi->turnaround_us = (int64_t)pi->age_us;
}

int sched_tick(struct proc *p)
{
    if (SP(p)->gen != sconf.gen) return 1;      /* policy changed: re-queue under it */
    int r = pol->tick(&rqs[SP(p)->cpu], p);
    if (r) SP(p)->preempted = 1;
    return r;
}

/* Switches every queue to policy (ptable_lock held): drains them, then re-enqueues each
 * process under the new policy; running ones keep their CPU with fresh policy state. */
void sched_set(int policy, int quantum_ticks, int flags, int boost_ticks)
{
    struct proc *all = NULL, **tailp = &all;
    for (int c = 0; c < ncpu; c++)
        for (int l = 0; l < MLFQ_NLEVEL; l++) {
            struct proc *p;
            while ((p = rq_pop(&rqs[c], l)) != NULL) {
                *tailp = p;
                tailp = &p->next;
            }
            rqs[c].n = 0;
        }
    *tailp = NULL;
    sconf.policy = policy;
    sconf.quantum_ticks = quantum_ticks;
    sconf.flags = flags;
    sconf.boost_ticks = boost_ticks;
    sconf.gen++;
    sconf.set_tsc = rdtsc();
    pol = policies[policy];
    for (int c = 0; c < NCPU; c++) {
        rqs[c].epoch = 0;
        rqs[c].vpass = 0;
        if (rqs[c].cur) refresh(rqs[c].cur);   /* runs on under the new policy */
    }
    while (all) {
        struct proc *p = all;
        all = p->next;
        sched_enqueue(p);
    }
}

/* Sets p's tickets (if >= 1) or MLFQ level (if >= 0); a queued p is taken out and put
 * back, since its level or pass decides its place. */
void sched_adjust(struct proc *p, int tickets, int level)
{
    struct schedproc *s = SP(p);
    struct runq *rq = NULL;
    refresh(p);
    if (p->state == RUNNABLE && !s->oncpu && s->cpu >= 0) {
        struct runq *q = &rqs[s->cpu];
        for (int l = 0; l < MLFQ_NLEVEL && !rq; l++)
            for (struct proc *prev = NULL, *x = q->head[l]; x; prev = x, x = x->next)
                if (x == p) {
                    rq_unlink(q, l, prev, p);
                    rq = q;
                    break;
                }
    }
    if (tickets >= 1) s->tickets = tickets;
    if (level >= 0) {
        s->level = level;
        s->allot_used = 0;
    }
    if (rq) pol->enqueue(rq, p);
}
