/* osbench [-n SCALE] [ROW...]: the cost of the kernel's basic operations, timed with rdtsc
 * (the TSC frequency comes from the kernel, tsc_khz()). One line per row:
 *     osbench NAME ns=NANOSECONDS_PER_OPERATION iters=N mark=ID
 * Rows: null_syscall, pipe_roundtrip, ctxswitch, fork_exit_wait, fork_exec_wait,
 * demand_zero_fault, cow_fault. SCALE multiplies every row's iteration count (default 1).
 * Each timed loop is bracketed by the marks ID (start) and ID | 0x80 (end), ID = 0x0b0000 |
 * (row index + 1) << 8: under `vmm --stats FILE` they give the emulated kernel instructions
 * and KVM counters of that loop alone (bench/run.py, docs/measuring.md). */
#include <mark.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "abi/machine.h"
#include "abi/syscall.h"

#define MARK_BASE 0x0b0000u

static uint64_t khz;
static unsigned row_mark;          /* the running row's start mark id */
static const char *row_name;       /* and its name, for --stats */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void report(const char *name, uint64_t cycles, long iters)
{
    uint64_t ns = iters ? cycles * 1000000 / khz / (uint64_t)iters : 0;
    printf("osbench %s ns=%lu iters=%ld mark=0x%x\n", name, (unsigned long)ns, iters, row_mark);
}

/* The start of a timed loop: its mark (outside the timed part), then the time. */
static uint64_t start(void)
{
    mark_named(row_mark, row_name);
    return rdtsc();
}

/* The end of a timed loop: cycles since t0, then the end mark. */
static uint64_t stop(uint64_t t0)
{
    uint64_t t = rdtsc() - t0;
    mark(row_mark | MARK_END);
    return t;
}

static uint64_t null_syscall(long n)
{
    uint64_t t = start();
    for (long i = 0; i < n; i++) getpid();
    return stop(t);
}

/* One byte to a child and back, n times. */
static uint64_t pipe_roundtrip(long n)
{
    int to[2], from[2];
    char c = 'x';
    if (pipe(to) < 0 || pipe(from) < 0) return 0;
    int pid = fork();
    if (pid == 0) {
        close(to[1]), close(from[0]);     /* or its reads would never see EOF */
        while (read(to[0], &c, 1) == 1) write(from[1], &c, 1);
        _exit(0);
    }
    uint64_t t = start();
    for (long i = 0; i < n; i++) {
        write(to[1], &c, 1);
        read(from[0], &c, 1);
    }
    t = stop(t);
    close(to[1]);
    waitpid(pid, NULL, 0);
    close(to[0]), close(from[0]), close(from[1]);
    return t;
}

/* Two processes yielding to each other on one CPU: n switches, from n / 2 yields of the
 * parent (each goes to the child, whose own yield switches back). The cost per switch, a
 * yield system call included. With more CPUs the child may run elsewhere and yield return
 * at once: bench/run.py runs it on one vCPU. */
static uint64_t ctxswitch(long n)
{
    int pid = fork();
    if (pid < 0) return 0;
    if (pid == 0)
        for (;;) yield();
    yield();                             /* the child is running its loop from here on */
    uint64_t t = start();
    for (long i = 0; i < n / 2; i++) yield();
    t = stop(t);
    kill(pid, SIGKILL_CODE);
    waitpid(pid, NULL, 0);
    return t;
}

static uint64_t fork_exit_wait(long n)
{
    uint64_t t = start();
    for (long i = 0; i < n; i++) {
        if (fork() == 0) _exit(0);
        wait(NULL);
    }
    return stop(t);
}

static uint64_t fork_exec_wait(long n)
{
    char *argv[] = { "/bin/true", NULL };
    uint64_t t = start();
    for (long i = 0; i < n; i++) {
        if (fork() == 0) {
            exec(argv[0], argv);
            _exit(127);
        }
        wait(NULL);
    }
    return stop(t);
}

/* The first touch of n fresh pages of an anonymous mapping. */
static uint64_t demand_zero_fault(long n)
{
    char *m = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE);
    if (m == MAP_FAILED) return 0;
    uint64_t t = start();
    for (long i = 0; i < n; i++) m[i * 4096] = 1;
    t = stop(t);
    munmap(m, (size_t)n * 4096);
    return t;
}

/* A child's first write to each of n pages it shares with its parent after fork; the
 * child sends its time back through a pipe. */
static uint64_t cow_fault(long n)
{
    char *m = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE);
    int fd[2];
    uint64_t t = 0;
    if (m == MAP_FAILED || pipe(fd) < 0) return 0;
    for (long i = 0; i < n; i++) m[i * 4096] = 1;
    int pid = fork();
    if (pid == 0) {
        uint64_t c = start();
        for (long i = 0; i < n; i++) m[i * 4096] = 2;
        c = stop(c);
        write(fd[1], &c, sizeof c);
        _exit(0);
    }
    read(fd[0], &t, sizeof t);
    waitpid(pid, NULL, 0);
    close(fd[0]), close(fd[1]);
    munmap(m, (size_t)n * 4096);
    return t;
}

static const struct {
    const char *name;
    uint64_t (*fn)(long n);
    long iters;
} rows[] = {
    { "null_syscall", null_syscall, 2000 },
    { "pipe_roundtrip", pipe_roundtrip, 200 },
    { "ctxswitch", ctxswitch, 400 },
    { "fork_exit_wait", fork_exit_wait, 30 },
    { "fork_exec_wait", fork_exec_wait, 20 },
    { "demand_zero_fault", demand_zero_fault, 200 },
    { "cow_fault", cow_fault, 100 },
};
#define NROWS (sizeof rows / sizeof rows[0])

int main(int argc, char **argv)
{
    long scale = 1;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        scale = atol(argv[2]);
        first = 3;
    }
    khz = (uint64_t)tsc_khz();
    if (khz == 0) {
        fprintf(stderr, "osbench: no TSC frequency\n");
        return 1;
    }
    /* An unknown row is an error that lists the rows, before anything is timed. */
    for (int i = first; i < argc; i++) {
        unsigned r = 0;
        while (r < NROWS && strcmp(argv[i], rows[r].name) != 0)
            r++;
        if (r < NROWS)
            continue;
        fprintf(stderr, "osbench: no row '%s'; rows:", argv[i]);
        for (r = 0; r < NROWS; r++)
            fprintf(stderr, " %s", rows[r].name);
        fprintf(stderr, "\n");
        return 2;
    }
    for (unsigned r = 0; r < NROWS; r++) {
        int want = first >= argc;
        for (int i = first; i < argc; i++) want |= strcmp(argv[i], rows[r].name) == 0;
        if (!want) continue;
        long n = rows[r].iters * scale;
        row_mark = MARK_BASE | (r + 1) << 8;
        row_name = rows[r].name;
        report(rows[r].name, rows[r].fn(n), n);
    }
    return 0;
}
