/* Stride scheduling: each process has stride = STRIDE_BIG / tickets and a pass; the
 * lowest pass runs for one slice and its pass grows by its stride (whatever part of the
 * slice it used, so yielding early buys nothing). A process joining a queue starts no
 * lower than the queue's current pass, so a sleeper cannot bank CPU time. */
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

#define STRIDE_BIG (1u << 20)

static void stride_enqueue(struct runq *rq, struct proc *p)
{
    if (SP(p)->pass < rq->vpass) SP(p)->pass = rq->vpass;
    rq_push(rq, 0, p);
}

/* The lowest pass; on a tie the one queued first. */
static struct proc *stride_pick(struct runq *rq)
{
    struct proc *best = NULL, *bprev = NULL, *prev = NULL;
    for (struct proc *p = rq->head[0]; p; prev = p, p = p->next)
        if (!best || SP(p)->pass < SP(best)->pass) best = p, bprev = prev;
    if (!best) return NULL;
    rq_unlink(rq, 0, bprev, best);
    rq->vpass = SP(best)->pass;
    best->slice = sconf.quantum_ticks;
    return best;
}

static int stride_tick(struct runq *rq, struct proc *p)
{
    if (--p->slice > 0) return 0;
    if (!__atomic_load_n(&rq->head[0], __ATOMIC_RELAXED)) {
        p->slice = sconf.quantum_ticks;
        SP(p)->pass += STRIDE_BIG / (uint64_t)SP(p)->tickets;   /* alone: still charged */
        return 0;
    }
    return 1;
}

static void stride_stopped(struct proc *p, uint64_t used)
{
    SP(p)->pass += STRIDE_BIG / (uint64_t)SP(p)->tickets;
}

static void stride_reset(struct proc *p)
{
    SP(p)->pass = 0;
}

const struct policy policy_stride = {
    "stride", stride_enqueue, stride_pick, stride_tick, stride_stopped, stride_reset,
};
