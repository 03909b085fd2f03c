/* MLFQ, the five rules of OSTEP ch. 8: (1) a higher level runs first; (2) round robin
 * within a level; (3) a new job enters at the top; (4) a job that used up its allotment
 * at a level (here: the level's quantum, sconf.quantum_ticks << level) moves down one
 * level; with MLFQ_ACCOUNT the use adds up however many times it gave up the CPU, without
 * it giving up the CPU early forgets it (the gameable rule 4b); (5) with MLFQ_BOOST every
 * S = sconf.boost_ticks all jobs return to the top. Time is measured with the TSC, not in
 * ticks, so a job that always stops just before a tick is still charged. A boost costs
 * nothing per process: levels are stamped with the boost epoch (ticks / S) and a stale
 * stamp means level 0. */
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

#define LAST (MLFQ_NLEVEL - 1)

static uint64_t quantum_tsc(int level)
{
    return ((uint64_t)sconf.quantum_ticks << level) * tick_tsc;
}

/* Slack for the tick's phase: a slice that ends within 1/8 tick of a tick ends there. */
static int used_up(uint64_t used, int level)
{
    return used + tick_tsc / 8 >= quantum_tsc(level);
}

static void boost_check(struct proc *p, uint64_t epoch)
{
    if (SP(p)->epoch == epoch) return;
    SP(p)->epoch = epoch;
    SP(p)->level = 0;
    SP(p)->allot_used = 0;
}

static void mlfq_enqueue(struct runq *rq, struct proc *p)
{
    boost_check(p, mlfq_epoch());
    rq_push(rq, SP(p)->level, p);
}

/* Rule 5 for a queue: lower levels are appended to the top list in their order. */
static void boost_queue(struct runq *rq, uint64_t epoch)
{
    rq->epoch = epoch;
    for (int l = 1; l < MLFQ_NLEVEL; l++) {
        struct proc *p;
        while ((p = rq_pop(rq, l)) != NULL) {
            boost_check(p, epoch);
            rq_push(rq, 0, p);
        }
    }
    for (struct proc *p = rq->head[0]; p; p = p->next) boost_check(p, epoch);
}

static struct proc *mlfq_pick(struct runq *rq)
{
    uint64_t e = mlfq_epoch();
    if (rq->epoch != e) boost_queue(rq, e);
    for (int l = 0; l < MLFQ_NLEVEL; l++) {
        struct proc *p = rq_pop(rq, l);
        if (p) return p;
    }
    return NULL;
}

/* Preempt at the end of the quantum if anyone else waits, or as soon as a job waits at
 * a higher level (rule 1). */
static int mlfq_tick(struct runq *rq, struct proc *p)
{
    boost_check(p, mlfq_epoch());
    int lvl = SP(p)->level;
    for (int l = 0; l < lvl; l++)
        if (__atomic_load_n(&rq->head[l], __ATOMIC_RELAXED)) return 1;
    uint64_t used = rdtsc() - SP(p)->run_start;
    if (!used_up(SP(p)->allot_used + used, lvl)) return 0;
    /* Alone on the CPU it runs on (charged, and demoted, when it stops); otherwise it
     * goes, since its demotion may put another job level with or above it. */
    return __atomic_load_n(&rq->n, __ATOMIC_RELAXED) > 0;
}

/* Rule 4 (or 4a/4b without MLFQ_ACCOUNT): charge the run to the level's allotment. */
static void mlfq_stopped(struct proc *p, uint64_t used)
{
    boost_check(p, mlfq_epoch());
    if (!(sconf.flags & MLFQ_ACCOUNT) && !SP(p)->preempted) {
        SP(p)->allot_used = 0;                  /* gave up the CPU: forgiven */
        return;
    }
    SP(p)->allot_used += used;
    if (SP(p)->level < LAST && used_up(SP(p)->allot_used, SP(p)->level)) {
        SP(p)->level++;
        SP(p)->allot_used = 0;
    } else if (SP(p)->level == LAST && used_up(SP(p)->allot_used, LAST)) {
        SP(p)->allot_used = 0;                  /* bottom: a new quantum, RR */
    }
}

static void mlfq_reset(struct proc *p) {}

const struct policy policy_mlfq = {
    "mlfq", mlfq_enqueue, mlfq_pick, mlfq_tick, mlfq_stopped, mlfq_reset,
};
