/* Lottery scheduling: every slice, a number drawn from the kernel's seeded PRNG
 * (sched_rand; boot option seed=N) picks the winning ticket among the queued processes'
 * tickets. Fair only in expectation: short windows stray from the ticket shares. */
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

static void lottery_enqueue(struct runq *rq, struct proc *p)
{
    rq_push(rq, 0, p);
}

static struct proc *lottery_pick(struct runq *rq)
{
    uint64_t total = 0;
    for (struct proc *p = rq->head[0]; p; p = p->next) total += (uint64_t)SP(p)->tickets;
    if (!total) return NULL;
    uint64_t win = sched_rand() % total;
    struct proc *prev = NULL, *p = rq->head[0];
    for (; p->next && win >= (uint64_t)SP(p)->tickets; prev = p, p = p->next)
        win -= (uint64_t)SP(p)->tickets;
    rq_unlink(rq, 0, prev, p);
    p->slice = sconf.quantum_ticks;
    return p;
}

/* Every used-up slice is a new draw while others wait. */
static int lottery_tick(struct runq *rq, struct proc *p)
{
    if (--p->slice > 0) return 0;
    if (!__atomic_load_n(&rq->head[0], __ATOMIC_RELAXED)) {
        p->slice = sconf.quantum_ticks;
        return 0;
    }
    return 1;
}

static void lottery_stopped(struct proc *p, uint64_t used) {}
static void lottery_reset(struct proc *p) {}

const struct policy policy_lottery = {
    "lottery", lottery_enqueue, lottery_pick, lottery_tick, lottery_stopped, lottery_reset,
};
