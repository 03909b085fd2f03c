/* schedcheck: the scheduler's behaviours as a table of tests, like usertests: one line per
 * test and "schedcheck: N passed, M failed" last; exit status 0 only if M is 0. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { \
        printf("  check failed at line %d: %s\n", __LINE__, #cond); return 0; } } while (0)

static struct schedparams boot;     /* the policy at start, restored after each test */
static struct procinfo pi[64];

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void spin_ms(uint64_t ms)
{
    uint64_t end = rdtsc() + ms * boot.tsc_khz;
    while (rdtsc() < end)
        ;
}

/* The exit-log or live entry of pid, or NULL. */
static struct procinfo *info(int pid, int which)
{
    int n = getprocinfo(pi, 64, which);
    for (int i = n - 1; i >= 0; i--)
        if (pi[i].pid == pid) return &pi[i];
    return NULL;
}

static int policy_switch(void)
{
    struct schedparams sp;
    CHECK(setsched(SCHED_MLFQ, 20, MLFQ_ACCOUNT, 500) == boot.policy);
    CHECK(getsched(&sp) == 0);
    CHECK(sp.policy == SCHED_MLFQ && sp.quantum_ms == 20 && sp.flags == MLFQ_ACCOUNT);
    CHECK(sp.boost_ms == 500 && sp.level_quantum_ms[1] == 40);
    CHECK(setsched(SCHED_LOTTERY, 0, -1, 0) == SCHED_MLFQ);
    CHECK(getsched(&sp) == 0 && sp.policy == SCHED_LOTTERY && sp.quantum_ms == 20);
    return 1;
}

static int bad_arguments(void)
{
    CHECK(setsched(SCHED_NPOLICY, 0, -1, 0) == -1 && errno == EINVAL);
    CHECK(setsched(-2, 0, -1, 0) == -1 && errno == EINVAL);
    CHECK(setsched(SCHED_RR, -5, -1, 0) == -1 && errno == EINVAL);
    CHECK(setsched(SCHED_MLFQ, 0, 8, 0) == -1 && errno == EINVAL);
    CHECK(settickets(0, 0) == -1 && errno == EINVAL);
    CHECK(settickets(0, TICKETS_MAX + 1) == -1 && errno == EINVAL);
    CHECK(settickets(99999, 10) == -1 && errno == ESRCH);
    CHECK(settickets(-1, 10) == -1 && errno == ESRCH);
    CHECK(setlevel(0, MLFQ_NLEVEL) == -1 && errno == EINVAL);
    CHECK(getsched((struct schedparams *)0) == -1 && errno == EFAULT);
    CHECK(getsched((struct schedparams *)0xffff800000000000ULL) == -1 && errno == EFAULT);
    CHECK(getprocinfo((struct procinfo *)16, 4, PI_LIVE) == -1 && errno == EFAULT);
    CHECK(getprocinfo(pi, 4, 7) == -1 && errno == EINVAL);
    CHECK(getprocinfo(pi, -1, PI_LIVE) == -1 && errno == EINVAL);
    CHECK(schedtrace(TRACE_START, NULL, TRACE_MAX + 1) == -1 && errno == EINVAL);
    CHECK(schedtrace(99, NULL, 0) == -1 && errno == EINVAL);
    return 1;
}

static int self_in_table(void)
{
    struct procinfo *me = info(getpid(), PI_LIVE);
    CHECK(me != NULL);
    CHECK(me->state == PS_RUNNING && me->ppid == getppid());
    CHECK(strcmp(me->name, "schedcheck") == 0);
    CHECK(me->cpu >= 0 && (me->cpumask & (1u << me->cpu)) && me->nswitch >= 1);
    CHECK(me->response_us >= 0 && me->turnaround_us == -1);
    return 1;
}

static int accounting(void)
{
    int pid = fork();
    if (pid == 0) {
        while (cputime() < 50000) spin_ms(1);
        _exit(0);
    }
    CHECK(pid > 0 && wait(NULL) == pid);
    struct procinfo *e = info(pid, PI_EXITED);
    CHECK(e != NULL && e->state == PS_EXITED);
    CHECK(e->cpu_us >= 50000 && e->nswitch >= 1);
    CHECK(e->response_us >= 0 && e->turnaround_us >= e->response_us);
    CHECK((uint64_t)e->turnaround_us >= e->cpu_us);
    return 1;
}

/* A child yielding every 2 ms for 200 ms of CPU under MLFQ 50/100/200 ms: with the
 * accounting rule it sinks to the bottom however often it yields; without it, never.
 * The allotments are long because the guest cannot see steal time: were the host to
 * deschedule this vCPU for a whole allotment in the middle of a 2 ms spin, the child
 * would look as if it had used it up. */
static int level_after_yields(int flags)
{
    setsched(SCHED_MLFQ, 50, flags, 0);
    int pid = fork();
    if (pid == 0) {
        while (cputime() < 200000) {
            spin_ms(2);
            yield();
        }
        _exit(0);
    }
    if (pid < 0 || wait(NULL) != pid) return -1;
    struct procinfo *e = info(pid, PI_EXITED);
    return e ? e->level : -1;
}

static int mlfq_accounting_rule(void)
{
    CHECK(level_after_yields(MLFQ_ACCOUNT) == MLFQ_NLEVEL - 1);
    CHECK(level_after_yields(0) == 0);
    return 1;
}

static int mlfq_setlevel(void)
{
    CHECK(setsched(SCHED_MLFQ, 10, MLFQ_ACCOUNT, 0) >= 0);
    CHECK(setlevel(0, 2) == 0);
    CHECK(info(getpid(), PI_LIVE)->level == 2);
    CHECK(setlevel(getpid(), 0) == 0);
    CHECK(info(getpid(), PI_LIVE)->level == 0);
    return 1;
}

static void spin_until_traced(void)
{
    while (schedtrace(TRACE_COUNT, NULL, 0) < 90) spin_ms(2);
    _exit(0);
}

/* Stride is exact: over 80 slices tickets 100:50:250 get 20:10:50 (one slice of slack). */
static int stride_shares(void)
{
    static const int tickets[3] = { 100, 50, 250 }, want[3] = { 20, 10, 50 };
    static int trace[TRACE_MAX];
    int pids[3], count[3] = { 0 };
    if (boot.ncpu > 1) return 1;       /* per-CPU queues: the shares hold per CPU */
    setsched(SCHED_RR, 10, -1, 0);
    schedtrace(TRACE_START, NULL, 0);
    for (int i = 0; i < 3; i++) {
        if ((pids[i] = fork()) == 0) spin_until_traced();
        CHECK(pids[i] > 0 && settickets(pids[i], tickets[i]) == 0);
    }
    CHECK(setsched(SCHED_STRIDE, 10, -1, 0) >= 0);
    CHECK(schedtrace(TRACE_START, NULL, 90) == 0);
    while (wait(NULL) > 0)
        ;
    int n = schedtrace(TRACE_READ, trace, TRACE_MAX), k = 0;
    for (int i = 0; i < n && k < 80; i++)
        for (int c = 0; c < 3; c++)
            if (trace[i] == pids[c]) count[c]++, k++;
    CHECK(k == 80);
    for (int c = 0; c < 3; c++) CHECK(count[c] >= want[c] - 1 && count[c] <= want[c] + 1);
    return 1;
}

/* Two CPU-bound processes on two CPUs run at the same time: one of them sees both
 * running, on different CPUs, in one snapshot of the process table. */
static void parallel_child(int other)
{
    uint64_t end = rdtsc() + 3000 * boot.tsc_khz;
    while (rdtsc() < end) {
        int n = getprocinfo(pi, 64, PI_LIVE), a = -1, b = -1;
        for (int i = 0; i < n; i++)
            if (pi[i].state == PS_RUNNING && pi[i].pid == getpid()) a = pi[i].cpu;
            else if (pi[i].state == PS_RUNNING && pi[i].pid == other) b = pi[i].cpu;
        if (a >= 0 && b >= 0 && a != b) {
            printf("  pids %d and %d running on cpus %d and %d at once\n", getpid(), other,
                   a, b);
            spin_ms(200);                      /* let the other one see it too */
            _exit(0);
        }
        spin_ms(5);
    }
    _exit(1);
}

static int smp_parallel(void)
{
    if (boot.ncpu < 2) return 1;
    CHECK(setsched(SCHED_RR, 10, -1, 0) >= 0);
    int a = fork();
    if (a == 0) parallel_child(getpid() + 1);  /* pids are sequential: its sibling's */
    int b = fork();
    if (b == 0) parallel_child(a);
    CHECK(a > 0 && b == a + 1);
    int s1 = -1, s2 = -1;
    CHECK(wait(&s1) > 0 && wait(&s2) > 0);
    CHECK(s1 == 0 || s2 == 0);
    int ps = fork();                           /* their accounting, for the host test */
    if (ps == 0) {
        char *argv[] = { "/bin/ps", "-e", NULL };
        exec(argv[0], argv);
        _exit(127);
    }
    CHECK(ps > 0 && wait(&s1) == ps && s1 == 0);
    return 1;
}

static const struct { const char *name; int (*fn)(void); } tests[] = {
    { "policy_switch", policy_switch },
    { "bad_arguments", bad_arguments },
    { "self_in_table", self_in_table },
    { "accounting", accounting },
    { "mlfq_accounting_rule", mlfq_accounting_rule },
    { "mlfq_setlevel", mlfq_setlevel },
    { "stride_shares", stride_shares },
    { "smp_parallel", smp_parallel },
};

int main(void)
{
    int pass = 0, fail = 0;
    if (getsched(&boot) < 0) return 1;
    for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        int ok = tests[i].fn();
        setsched(boot.policy, boot.quantum_ms, boot.flags, boot.boost_ms);
        printf("%s: %s\n", tests[i].name, ok ? "ok" : "FAILED");
        ok ? pass++ : fail++;
    }
    printf("schedcheck: %d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}
