/* Round robin and FIFO: one list per CPU; RR preempts after sconf.quantum_ticks ticks
 * when another process waits, FIFO (an infinite quantum) only when the process blocks,
 * yields or exits. */
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

static void rr_enqueue(struct runq *rq, struct proc *p)
{
    rq_push(rq, 0, p);
}

static struct proc *rr_pick(struct runq *rq)
{
    struct proc *p = rq_pop(rq, 0);
    if (p) p->slice = sconf.quantum_ticks;
    return p;
}

/* A used-up slice with nobody waiting is renewed: no switch back to itself. */
static int rr_tick(struct runq *rq, struct proc *p)
{
    if (--p->slice > 0) return 0;
    if (!__atomic_load_n(&rq->head[0], __ATOMIC_RELAXED)) {
        p->slice = sconf.quantum_ticks;
        return 0;
    }
    return 1;
}

static int fifo_tick(struct runq *rq, struct proc *p) { return 0; }
static void rr_stopped(struct proc *p, uint64_t used) {}
static void rr_reset(struct proc *p) {}

const struct policy policy_rr = {
    "rr", rr_enqueue, rr_pick, rr_tick, rr_stopped, rr_reset,
};
const struct policy policy_fifo = {
    "fifo", rr_enqueue, rr_pick, fifo_tick, rr_stopped, rr_reset,
};
