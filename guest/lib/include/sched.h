/* The scheduling system calls (abi/sched.h has the policies, flags and structures). On
 * error they return -1 and set errno. */
#ifndef ULIB_SCHED_H
#define ULIB_SCHED_H
#include "abi/sched.h"

/* Switches the policy at run time: policy -1, quantum_ms 0, flags -1 or boost_ms 0 keep
 * the current value. Returns the previous policy. */
int setsched(int policy, int quantum_ms, int flags, int boost_ms);
int getsched(struct schedparams *out);
int settickets(int pid, int tickets);       /* pid 0: the caller; 1..TICKETS_MAX */
int setlevel(int pid, int level);           /* MLFQ level 0 (top) .. MLFQ_NLEVEL-1 */
/* Fills up to n entries: which = PI_LIVE (the process table) or PI_EXITED (the last
 * PI_NEXITED exits, oldest first). Returns the number filled. */
int getprocinfo(struct procinfo *buf, int n, int which);
/* TRACE_START (record the pid of up to n slices), TRACE_COUNT, TRACE_READ (stop, copy
 * up to n pids into pids; returns how many). */
int schedtrace(int op, int *pids, int n);
long cputime(void);                         /* the caller's CPU time in microseconds */

static const char *const sched_policy_names[SCHED_NPOLICY] = {
    "rr", "fifo", "mlfq", "stride", "lottery",
};

#endif
