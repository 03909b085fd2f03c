/* schedtest: the scheduling experiments of the course, run on the kernel's policies and
 * printed as tables (docs/scheduling.md explains them). `schedtest [a] [b] [c]`:
 *   (a) FIFO, SJF, STCF and RR: response and turnaround for a job mix. FIFO and RR run for
 *       real (FIFO is the kernel's RR with an infinite quantum); SJF and STCF need job
 *       lengths the kernel does not know, so they come from a 1 ms-step model, labelled so;
 *   (b) MLFQ: a job gaming the allotment with and without the accounting rule, and
 *       starvation with and without the priority boost;
 *   (c) lottery vs stride: CPU shares over windows of 10, 100 and 1000 slices for tickets
 *       100:50:250 (stride must be within 1% of 2:1:5 over 1000 slices).
 * The course's numbers assume one CPU: run it on one. Exit status 0 when all ran. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t khz;                /* TSC kHz */
static uint64_t deadline;           /* children run until this TSC value */
static uint64_t burst;              /* TSC per burst of a yielding job */
static long job_ms;                 /* CPU time of a job */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void spin_tsc(uint64_t n)
{
    uint64_t end = rdtsc() + n;
    while (rdtsc() < end)
        ;
}

static void die(const char *what)
{
    printf("schedtest: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Children: a job of job_ms CPU time; a CPU hog and a yielding job until deadline. */
static void job(void)
{
    long target = job_ms * 1000;
    while (cputime() < target) spin_tsc(khz / 2);
}
static void hog(void) { while (rdtsc() < deadline); }
static void yielder(void)
{
    while (rdtsc() < deadline) {
        spin_tsc(burst);
        yield();
    }
}

static int spawn(void (*fn)(void))
{
    int pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        fn();
        _exit(0);
    }
    return pid;
}

static void reap_all(void)
{
    while (wait(NULL) > 0)
        ;
}

/* The accounting of exited process pid; dies if it is not in the exit log. */
static struct procinfo exit_info(int pid)
{
    static struct procinfo log[PI_NEXITED];
    int n = getprocinfo(log, PI_NEXITED, PI_EXITED);
    for (int i = n - 1; i >= 0; i--)
        if (log[i].pid == pid) return log[i];
    printf("schedtest: pid %d not in the exit log\n", pid);
    exit(1);
}

static void set(int policy, int q, int flags, int boost)
{
    if (setsched(policy, q, flags, boost) < 0) die("setsched");
}

/* "12.3" from tenths. */
static const char *dec(long tenths, char *buf)
{
    snprintf(buf, 16, "%ld.%ld", tenths / 10, (tenths < 0 ? -tenths : tenths) % 10);
    return buf;
}

/* ---- (a) ---- */
#define NJOB 4
struct job { char name; int arrival, len; long first, done; };
enum { P_FIFO, P_SJF, P_STCF, P_RR };

/* Whether job i is a better choice than job b (index, -1 for none) under policy. */
static int better(int policy, const struct job *j, const int *rem, int i, int b)
{
    if (b < 0) return 1;
    if (policy == P_SJF) return j[i].len < j[b].len;
    if (policy == P_STCF) return rem[i] < rem[b];
    return j[i].arrival < j[b].arrival;
}

/* The mix in 1 ms steps, context switches free: first run and completion per job. RR
 * queues arrivals of a step before the job its slice expired on. */
static void simulate(int policy, int q, struct job *j, int n)
{
    int rem[NJOB], queue[64], qh = 0, qt = 0, cur = -1, slice = 0, left = n;
    for (int i = 0; i < n; i++) rem[i] = j[i].len, j[i].first = -1;
    for (int t = 0; left; t++) {
        for (int i = 0; i < n; i++)
            if (j[i].arrival == t && policy == P_RR) queue[qt++ % 64] = i;
        if (policy == P_RR) {
            if (cur >= 0 && (rem[cur] == 0 || slice == 0)) {
                if (rem[cur]) queue[qt++ % 64] = cur;
                cur = -1;
            }
            if (cur < 0 && qh != qt) cur = queue[qh++ % 64], slice = q;
        } else if (cur < 0 || rem[cur] == 0 || policy == P_STCF) {
            int b = policy == P_STCF && cur >= 0 && rem[cur] ? cur : -1;
            for (int i = 0; i < n; i++)
                if (j[i].arrival <= t && rem[i] && i != b && better(policy, j, rem, i, b))
                    b = i;
            cur = b;
        }
        if (cur < 0) continue;
        if (j[cur].first < 0) j[cur].first = t - j[cur].arrival;
        slice--;
        if (--rem[cur] == 0) j[cur].done = t + 1 - j[cur].arrival, left--;
    }
}

/* Runs the mix under the kernel's policy; times in ms. A fork costs tens of ms here, so
 * the jobs are created under FIFO (none runs while this process forks), then the policy
 * is set, which requeues them in creation order: that instant is their arrival, t = 0. */
static void measure(int policy, int q, struct job *j, int n)
{
    int pids[NJOB];
    set(SCHED_FIFO, 0, -1, 0);
    for (int i = 0; i < n; i++) {
        job_ms = j[i].len;
        pids[i] = spawn(job);
    }
    struct schedparams sp;
    set(policy, q, -1, 0);
    if (getsched(&sp) < 0) die("getsched");
    uint64_t t0_us = sp.set_us;
    reap_all();
    for (int i = 0; i < n; i++) {
        struct procinfo pi = exit_info(pids[i]);
        j[i].first = ((int64_t)(pi.create_us + pi.response_us - t0_us)) / 1000;
        j[i].done = ((int64_t)(pi.create_us + pi.turnaround_us - t0_us)) / 1000;
    }
}

static void row(const char *policy, const char *how, const struct job *j, int n)
{
    long rs = 0, ts = 0;
    char b1[16], b2[16];
    printf("  %-9s %-9s |", policy, how);
    for (int i = 0; i < n; i++) printf(" %4ld", j[i].first), rs += j[i].first;
    printf(" %6s |", dec(rs * 10 / n, b1));
    for (int i = 0; i < n; i++) printf(" %4ld", j[i].done), ts += j[i].done;
    printf(" %6s\n", dec(ts * 10 / n, b2));
}

static void averages(const char *example, const char *policy, int p, int q, struct job *j,
                     int n)
{
    long rs = 0, ts = 0;
    char b1[16], b2[16];
    simulate(p, q, j, n);
    for (int i = 0; i < n; i++) rs += j[i].first, ts += j[i].done;
    printf("  %-34s %-8s %8s %10s\n", example, policy, dec(rs * 10 / n, b1),
           dec(ts * 10 / n, b2));
}

static void part_a(void)
{
    static const struct job mix[NJOB] = { { 'A', 0, 100, 0, 0 }, { 'B', 0, 100, 0, 0 },
                                          { 'C', 0, 100, 0, 0 }, { 'D', 0, 10, 0, 0 } };
    struct job j[NJOB];
    printf("\n(a) FIFO, SJF, STCF, RR: jobs A, B, C = 100 ms and D = 10 ms of CPU, all "
           "arriving at 0 in that order\n"
           "    measured = run by the kernel (response = first run - arrival, turnaround "
           "= exit - arrival);\n"
           "    model = the same mix simulated in 1 ms steps with free switches (SJF, STCF "
           "are model only)\n\n");
    printf("  %-9s %-9s | %4s %4s %4s %4s %6s | %4s %4s %4s %4s %6s\n", "policy", "source",
           "A", "B", "C", "D", "avg", "A", "B", "C", "D", "avg");
    printf("  %-9s %-9s | %-26s | %s\n", "", "", "response (ms)", "turnaround (ms)");
    struct { const char *name; int p, q, real; } runs[] = {
        { "FIFO", P_FIFO, 0, SCHED_FIFO }, { "SJF", P_SJF, 0, -1 },
        { "STCF", P_STCF, 0, -1 }, { "RR 10ms", P_RR, 10, SCHED_RR },
    };
    for (unsigned r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        if (runs[r].real >= 0) {
            memcpy(j, mix, sizeof j);
            measure(runs[r].real, runs[r].q ? runs[r].q : 10, j, NJOB);
            row(runs[r].name, "measured", j, NJOB);
        }
        memcpy(j, mix, sizeof j);
        simulate(runs[r].p, runs[r].q, j, NJOB);
        row(runs[r].name, "model", j, NJOB);
    }
    printf("\n  The course's worked examples (model, ms):\n");
    printf("  %-34s %-8s %8s %10s\n", "example", "policy", "avg resp", "avg turn");
    struct job e1[3] = { { 'A', 0, 100, 0, 0 }, { 'B', 0, 10, 0, 0 }, { 'C', 0, 10, 0, 0 } };
    averages("convoy: A=100, B=C=10 at 0", "FIFO", P_FIFO, 0, e1, 3);
    averages("convoy: A=100, B=C=10 at 0", "SJF", P_SJF, 0, e1, 3);
    struct job e2[3] = { { 'A', 0, 100, 0, 0 }, { 'B', 10, 10, 0, 0 },
                         { 'C', 10, 10, 0, 0 } };
    averages("A=100 at 0, B=C=10 at 10", "SJF", P_SJF, 0, e2, 3);
    averages("A=100 at 0, B=C=10 at 10", "STCF", P_STCF, 0, e2, 3);
    struct job e3[3] = { { 'A', 0, 5, 0, 0 }, { 'B', 0, 5, 0, 0 }, { 'C', 0, 5, 0, 0 } };
    averages("A=B=C=5 at 0", "SJF", P_SJF, 0, e3, 3);
    averages("A=B=C=5 at 0", "RR(q=1)", P_RR, 1, e3, 3);
}

/* ---- (b) ---- */
/* Runs the yielders and one hog for ms under MLFQ with flags and boost; their CPU ms. */
static void mlfq_run(int flags, int boost_ms, int nyield, int burst_ms, int ms,
                     long *yield_ms, long *hog_ms, int *hog_level)
{
    int pids[4];
    set(SCHED_MLFQ, 20, flags, boost_ms);
    burst = (uint64_t)burst_ms * khz;
    deadline = rdtsc() + (uint64_t)ms * khz;
    pids[0] = spawn(hog);
    for (int i = 1; i <= nyield; i++) pids[i] = spawn(yielder);
    reap_all();
    struct procinfo h = exit_info(pids[0]);
    *hog_ms = (long)(h.cpu_us / 1000);
    *hog_level = h.level;
    *yield_ms = 0;
    for (int i = 1; i <= nyield; i++) *yield_ms += (long)(exit_info(pids[i]).cpu_us / 1000);
}

static void part_b(void)
{
    long y, h;
    int lvl;
    char b[16];
    printf("\n(b1) MLFQ gaming (levels 20/40/80 ms, no boost, 1 s): a gamer runs 15 ms of "
           "its 20 ms slice, then yields;\n     a CPU-bound hog runs throughout\n\n");
    printf("  %-34s %9s %9s %11s\n", "rule 4", "gamer ms", "hog ms", "gamer share");
    for (int acct = 0; acct <= 1; acct++) {
        mlfq_run(acct ? MLFQ_ACCOUNT : 0, 0, 1, 15, 1000, &y, &h, &lvl);
        printf("  %-34s %9ld %9ld %10s%%\n",
               acct ? "accounting on (allotment adds up)" : "accounting off (yield forgets)",
               y, h, dec(y + h ? y * 1000 / (y + h) : 0, b));
    }
    printf("\n(b2) MLFQ starvation (accounting off, 1 s): two interactive jobs (5 ms bursts, "
           "then yield) keep\n     the top level busy; a CPU-bound hog sinks below\n\n");
    printf("  %-34s %9s %9s %11s\n", "rule 5", "inter. ms", "hog ms", "hog share");
    for (int boost = 0; boost <= 1; boost++) {
        mlfq_run(boost ? MLFQ_BOOST : 0, 100, 2, 5, 1000, &y, &h, &lvl);
        printf("  %-34s %9ld %9ld %10s%%\n", boost ? "boost every S = 100 ms" : "no boost",
               y, h, dec(y + h ? h * 1000 / (y + h) : 0, b));
    }
}

/* ---- (c) ---- */
#define NSLICE 1000
static int trace[TRACE_MAX];
static const int tickets[3] = { 100, 50, 250 };

static void share_child(void)
{
    while (schedtrace(TRACE_COUNT, NULL, 0) < NSLICE + 16)
        spin_tsc(khz * 2);
}

/* Runs three CPU-bound children with tickets 100:50:250 under policy; fills trace with
 * the first NSLICE slices that went to them, as child indices 0-2. */
static void share_run(int policy)
{
    int pids[3];
    set(SCHED_RR, 10, -1, 0);
    schedtrace(TRACE_START, NULL, 0);        /* count 0: the children wait for the start */
    for (int i = 0; i < 3; i++) {
        pids[i] = spawn(share_child);
        if (settickets(pids[i], tickets[i]) < 0) die("settickets");
    }
    set(policy, 10, -1, 0);                  /* fresh passes: every process at 0 */
    if (schedtrace(TRACE_START, NULL, NSLICE + 16) < 0) die("schedtrace");
    reap_all();
    int n = schedtrace(TRACE_READ, trace, TRACE_MAX), k = 0;
    for (int i = 0; i < n && k < NSLICE; i++)
        for (int c = 0; c < 3; c++)
            if (trace[i] == pids[c]) trace[k++] = c;
    if (k < NSLICE) {
        printf("schedtest: only %d slices traced\n", k);
        exit(1);
    }
}

/* One row: mean share per child and the worst deviation from its target in any window. */
static void share_row(const char *policy, int w)
{
    long worst = 0, count[3] = { 0 };
    char b[4][16];
    for (int s = 0; s + w <= NSLICE; s += w) {
        long c[3] = { 0 };
        for (int i = s; i < s + w; i++) c[trace[i]]++;
        for (int p = 0; p < 3; p++) {
            long dev = c[p] * 1000 / w - tickets[p] * 1000 / 400;
            if (dev < 0) dev = -dev;
            if (dev > worst) worst = dev;
            count[p] += c[p];
        }
    }
    long total = count[0] + count[1] + count[2];
    printf("  %-8s %6d %7d %7s%% %7s%% %7s%% %10s\n", policy, w, NSLICE / w,
           dec(count[0] * 1000 / total, b[0]), dec(count[1] * 1000 / total, b[1]),
           dec(count[2] * 1000 / total, b[2]), dec(worst, b[3]));
}

/* The 1000-slice verdict: each share within 1 point of its target (1% of the slices). */
static int share_verdict(const char *policy)
{
    long c[3] = { 0 };
    int ok = 1;
    for (int i = 0; i < NSLICE; i++) c[trace[i]]++;
    for (int p = 0; p < 3; p++) {
        long dev = c[p] * 400 - (long)tickets[p] * NSLICE;    /* in 1/400 slices */
        if ((dev < 0 ? -dev : dev) * 100 > (long)NSLICE * 400) ok = 0;
    }
    printf("  %s over %d slices: A:B:C = %ld:%ld:%ld (target 250:125:625, 2:1:5), "
           "within 1%%: %s\n", policy, NSLICE, c[0], c[1], c[2], ok ? "yes" : "no");
    return ok;
}

static void part_c(void)
{
    static const int policies[2] = { SCHED_LOTTERY, SCHED_STRIDE };
    printf("\n(c) lottery vs stride: three CPU-bound jobs, tickets A:B:C = 100:50:250 "
           "(targets 25.0%% 12.5%% 62.5%%),\n    10 ms slices; share = slices won in each "
           "window, worst = largest |share - target| in any window\n\n");
    printf("  %-8s %6s %7s %8s %8s %8s %10s\n", "policy", "window", "windows", "A", "B", "C",
           "worst (pt)");
    for (int i = 0; i < 2; i++) {
        share_run(policies[i]);
        for (int w = 10; w <= NSLICE; w *= 10)
            share_row(sched_policy_names[policies[i]], w);
        share_verdict(sched_policy_names[policies[i]]);
    }
}

int main(int argc, char **argv)
{
    struct schedparams old;
    int a = argc == 1, b = argc == 1, c = argc == 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "a") == 0) a = 1;
        else if (strcmp(argv[i], "b") == 0) b = 1;
        else if (strcmp(argv[i], "c") == 0) c = 1;
        else {
            dprintf(2, "usage: schedtest [a] [b] [c]\n");
            return 2;
        }
    }
    if (getsched(&old) < 0) die("getsched");
    khz = old.tsc_khz;
    printf("schedtest: %d cpu(s)%s\n", old.ncpu,
           old.ncpu > 1 ? " (the course's numbers assume one: expect other shares)" : "");
    if (a) part_a();
    if (b) part_b();
    if (c) part_c();
    set(old.policy, old.quantum_ms, old.flags, old.boost_ms);
    printf("\nschedtest: done\n");
    return 0;
}
