/* The scheduling policy behind a small interface (proc.h): which runnable process runs
 * next and when a running one is preempted. Round robin for now: one FIFO run queue shared
 * by all CPUs, a fixed time slice. Other policies (MLFQ, stride, lottery) and per-CPU
 * queues replace these four functions; proc.c only calls them. */
#include "guest/kernel/proc.h"

static struct proc *head, *tail;    /* guarded by ptable_lock */
static int slice_ticks;

void sched_init(void)
{
    slice_ticks = (int)((uint64_t)tick_hz * SCHED_SLICE_MS / 1000);
    if (slice_ticks < 1) slice_ticks = 1;
}

void sched_enqueue(struct proc *p)
{
    p->next = NULL;
    if (tail) tail->next = p;
    else head = p;
    tail = p;
}

struct proc *sched_pick(int cpu)
{
    struct proc *p = head;
    if (!p) return NULL;
    head = p->next;
    if (!head) tail = NULL;
    p->slice = slice_ticks;
    return p;
}

/* Called on the CPU running p, without the lock: only that CPU touches p->slice. */
int sched_tick(struct proc *p)
{
    return --p->slice <= 0;
}
