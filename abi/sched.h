/* The scheduling ABI shared by the guest kernel and user programs: policy numbers, flags
 * and the structures that setsched/getsched/getprocinfo/schedtrace exchange. */
#ifndef ABI_SCHED_H
#define ABI_SCHED_H
#include <stdint.h>

/* Policies (setsched's first argument; boot: sched=rr|fifo|mlfq|stride|lottery). */
#define SCHED_RR       0   /* round robin, quantum in ms (rounded to ticks) */
#define SCHED_FIFO     1   /* round robin with an infinite quantum: runs until it blocks */
#define SCHED_MLFQ     2   /* multi-level feedback queue (OSTEP ch. 8) */
#define SCHED_STRIDE   3   /* stride: pass += BIG / tickets per slice; lowest pass runs */
#define SCHED_LOTTERY  4   /* lottery: a seeded PRNG draws a ticket per slice */
#define SCHED_NPOLICY  5

/* MLFQ flags (setsched's third argument). */
#define MLFQ_ACCOUNT   1   /* rule 4: allotment used up at a level demotes, however often
                            * the job gave up the CPU; off: giving up the CPU resets it */
#define MLFQ_BOOST     2   /* rule 5: every boost period S all jobs go to the top */
#define MLFQ_NLEVEL    3

#define TICKETS_DEFAULT 100
#define TICKETS_MAX    10000

struct schedparams {
    int32_t policy;
    int32_t quantum_ms;      /* RR/stride/lottery slice; MLFQ top-level quantum */
    int32_t flags;           /* MLFQ_* */
    int32_t boost_ms;        /* MLFQ boost period S */
    int32_t level_quantum_ms[MLFQ_NLEVEL];  /* MLFQ quantum per level (= its allotment) */
    int32_t ncpu;
    int32_t tick_hz;
    uint64_t tsc_khz;        /* for rdtsc-timed user loops */
    uint64_t set_us;         /* when the policy was last set (procinfo's create_us clock) */
};

/* getprocinfo's third argument: live processes, or the last PI_NEXITED that exited. */
#define PI_LIVE        0
#define PI_EXITED      1
#define PI_NEXITED     32

/* Process states as getprocinfo reports them. */
#define PS_EMBRYO      1
#define PS_SLEEPING    2
#define PS_RUNNABLE    3
#define PS_RUNNING     4
#define PS_ZOMBIE      5
#define PS_EXITED      6

struct procinfo {
    int32_t pid, ppid;
    int32_t state;           /* PS_* */
    int32_t cpu;             /* the CPU it last ran on, -1 if never */
    uint32_t cpumask;        /* every CPU it ran on (bit i = CPU i) */
    int32_t tickets;
    int32_t level;           /* MLFQ level, 0 = top */
    uint32_t nswitch;        /* times it was switched in */
    uint64_t cpu_us;         /* CPU time (kernel and user) */
    uint64_t age_us;         /* since creation (live) or creation to exit (exited) */
    int64_t response_us;     /* first run - creation; -1 if it never ran */
    int64_t turnaround_us;   /* exit - creation; -1 while alive */
    uint64_t create_us;      /* creation, in microseconds of the TSC (rdtsc / tsc_khz) */
    char name[16];
};

/* schedtrace ops: the pid of each slice (every pick of a process) on every CPU. */
#define TRACE_START    1   /* clear and record up to n slices (n <= TRACE_MAX) */
#define TRACE_COUNT    2   /* slices recorded so far */
#define TRACE_READ     3   /* stop; copy up to n pids out; returns how many */
#define TRACE_MAX      4096

#endif
