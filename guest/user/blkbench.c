/* blkbench [-d DISK] [-n SCALE] [ROW...]: block and file-system throughput from inside the
 * guest (issue 4's "Measured" rows, bench/run.py). One line per row:
 *     blkbench NAME ns=NANOSECONDS_PER_OPERATION iters=N procs=P bytes=B mark=ID
 * where ns is the whole timed window divided by the N operations of all P processes.
 * Raw-device rows use the diskio system call (4 KiB blocks, straight into a user page) on
 * DISK (default: the last disk; never the root disk 0):
 *   randread.qd1, randwrite.qd1     random blocks, one process (one request in flight)
 *   randread.qd16, randwrite.qd16   16 processes at depth 1 each: 16 requests in flight
 *   seqread, seqwrite               ascending blocks, one process
 * File-system rows on the root file system:
 *   fsync    rewrite 4 KiB of a file and fsync it: the latency of one durable write
 *   create   create (open O_CREAT + close) N empty files, then sync(): ns per file
 * Marks (SYS_mark) bracket each timed window: ID = 0x0c0000 | (row index + 1) << 8 at the
 * start, ID | 0x80 at the end. SCALE multiplies every row's operation count. */
#include <errno.h>
#include <fcntl.h>
#include <mark.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "abi/machine.h"

#define MARK_BASE 0x0c0000u
#define BLOCK     4096
#define QD        16

static uint64_t khz;
static unsigned row_mark;
static const char *row_name;     /* the running row's name, for its marks */
static int disk = -1;
static long nblocks;
static uint8_t page[BLOCK] __attribute__((aligned(BLOCK)));

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* xorshift64: the random block numbers (quality is irrelevant, spread is what counts). */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* n raw 4 KiB operations (DISKIO_READ or _WRITE), random or ascending from first; 0 or
 * -1 on the first failure. */
static int io_loop(int op, int random, long n, uint64_t seed, uint64_t first)
{
    uint64_t s = seed | 1;
    for (long i = 0; i < n; i++) {
        uint64_t b = random ? next_random(&s) % (uint64_t)nblocks
                            : (first + (uint64_t)i) % (uint64_t)nblocks;
        if (diskio(disk, op, b, page) < 0)
            return -1;
    }
    return 0;
}

/* procs processes doing n/procs operations each, all started at once after every one is
 * ready (forks and first-touch faults stay outside the window): the cycles from the start
 * to the last process's last completion, 0 on failure. */
static uint64_t run_procs(int procs, long n, int op, int random)
{
    int ready[2], go[2], res[2];
    if (pipe(ready) < 0 || pipe(go) < 0 || pipe(res) < 0)
        return 0;
    long per = n / procs;
    for (int p = 0; p < procs; p++) {
        int pid = fork();
        if (pid < 0)
            return 0;
        if (pid == 0) {
            char c = 'r';
            close(go[1]);
            memset(page, p, sizeof page);          /* the child's own copy of the page */
            write(ready[1], &c, 1);
            read(go[0], &c, 1);                    /* EOF when the parent closes go[1] */
            uint64_t seed = (uint64_t)(p + 1) * 0x9e3779b97f4a7c15ULL ^ rdtsc();
            uint64_t first = (uint64_t)p * (uint64_t)nblocks / (uint64_t)procs;
            uint64_t t = io_loop(op, random, per, seed, first) < 0 ? 0 : rdtsc();
            write(res[1], &t, sizeof t);
            _exit(t == 0);
        }
    }
    close(go[0]), close(ready[1]), close(res[1]);
    for (int p = 0; p < procs; p++) {
        char c;
        read(ready[0], &c, 1);
    }
    mark_named(row_mark, row_name);
    uint64_t t0 = rdtsc(), last = 0;
    int bad = 0;
    close(go[1]);
    for (int p = 0; p < procs; p++) {
        uint64_t t = 0;
        if (read(res[0], &t, sizeof t) != sizeof t || t == 0)
            bad = 1;
        else if (t > last)
            last = t;
    }
    mark(row_mark | MARK_END);
    while (wait(NULL) > 0)
        ;
    close(ready[0]), close(res[0]);
    return bad || last < t0 ? 0 : last - t0;
}

/* One process, in this process: no fork in the way of the depth-1 rows. */
static uint64_t run_one(long n, int op, int random)
{
    memset(page, 0x5a, sizeof page);
    mark_named(row_mark, row_name);
    uint64_t t = rdtsc();
    int rc = io_loop(op, random, n, rdtsc(), 0);
    t = rdtsc() - t;
    mark(row_mark | MARK_END);
    return rc < 0 ? 0 : t;
}

static uint64_t randread_qd1(long n) { return run_one(n, DISKIO_READ, 1); }
static uint64_t randwrite_qd1(long n) { return run_one(n, DISKIO_WRITE, 1); }
static uint64_t randread_qd16(long n) { return run_procs(QD, n, DISKIO_READ, 1); }
static uint64_t randwrite_qd16(long n) { return run_procs(QD, n, DISKIO_WRITE, 1); }
static uint64_t seqread(long n) { return run_one(n, DISKIO_READ, 0); }
static uint64_t seqwrite(long n) { return run_one(n, DISKIO_WRITE, 0); }

/* n times: 4 KiB written over the start of a file, then fsync. */
static uint64_t fs_fsync(long n)
{
    const char *path = "/blkbench.fsync";
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0)
        return 0;
    memset(page, 'f', sizeof page);
    int bad = write(fd, page, BLOCK) != BLOCK || fsync(fd) < 0;   /* blocks allocated */
    mark_named(row_mark, row_name);
    uint64_t t = rdtsc();
    for (long i = 0; i < n && !bad; i++)
        bad = lseek(fd, 0, SEEK_SET) != 0 || write(fd, page, BLOCK) != BLOCK || fsync(fd) < 0;
    t = rdtsc() - t;
    mark(row_mark | MARK_END);
    close(fd);
    unlink(path);
    return bad ? 0 : t;
}

/* n empty files created in a fresh directory, then one sync(); removed afterwards. */
static uint64_t fs_create(long n)
{
    const char *dir = "/blkbench.d";
    char name[64];
    int bad = mkdir(dir, 0755) < 0 && errno != EEXIST;
    mark_named(row_mark, row_name);
    uint64_t t = rdtsc();
    for (long i = 0; i < n && !bad; i++) {
        snprintf(name, sizeof name, "%s/f%ld", dir, i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        bad = fd < 0 || close(fd) < 0;
    }
    bad |= sync() < 0;
    t = rdtsc() - t;
    mark(row_mark | MARK_END);
    for (long i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s/f%ld", dir, i);
        unlink(name);
    }
    rmdir(dir);
    return bad ? 0 : t;
}

static const struct {
    const char *name;
    uint64_t (*fn)(long n);
    long iters;
    int procs, raw;
} rows[] = {
    { "randread.qd1", randread_qd1, 48, 1, 1 },
    { "randread.qd16", randread_qd16, QD * 4, QD, 1 },
    { "randwrite.qd1", randwrite_qd1, 48, 1, 1 },
    { "randwrite.qd16", randwrite_qd16, QD * 4, QD, 1 },
    { "seqread", seqread, 128, 1, 1 },
    { "seqwrite", seqwrite, 128, 1, 1 },
    { "fsync", fs_fsync, 5, 1, 0 },
    { "create", fs_create, 10, 1, 0 },
};

/* The scratch disk: -d DISK, else the last one; 0 (the root) is refused. */
static const char *pick_disk(void)
{
    if (disk < 0)
        for (disk = 0; diskio(disk + 1, DISKIO_INFO, 0, NULL) > 0; disk++)
            ;
    nblocks = diskio(disk, DISKIO_INFO, 0, NULL);
    if (nblocks <= 0)
        return "no such disk";
    if (disk == 0)
        return "only the root disk (give vmm a second --disk)";
    return NULL;
}

int main(int argc, char **argv)
{
    long scale = 1;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-n") == 0)
            scale = atol(argv[i + 1]);
        else if (strcmp(argv[i], "-d") == 0)
            disk = atoi(argv[i + 1]);
        else
            break;
    }
    if (i < argc && argv[i][0] == '-') {
        fprintf(stderr, "usage: blkbench [-d DISK] [-n SCALE] [ROW...]\n");
        return 2;
    }
    khz = (uint64_t)tsc_khz();
    if (khz == 0 || scale < 1) {
        fprintf(stderr, "blkbench: no TSC frequency or a bad scale\n");
        return 1;
    }
    const char *nodisk = pick_disk();
    int failed = 0;
    for (unsigned r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        int want = i >= argc;
        for (int k = i; k < argc; k++)
            want |= strcmp(argv[k], rows[r].name) == 0;
        if (!want)
            continue;
        if (rows[r].raw && nodisk) {
            printf("blkbench-skip %s: %s\n", rows[r].name, nodisk);
            continue;
        }
        long n = rows[r].iters * scale;
        row_mark = MARK_BASE | (r + 1) << 8;
        row_name = rows[r].name;
        uint64_t cycles = rows[r].fn(n);
        if (cycles == 0) {
            printf("blkbench-skip %s: an operation failed (%s)\n", rows[r].name, strerror(errno));
            failed = 1;
            continue;
        }
        printf("blkbench %s ns=%lu iters=%ld procs=%d bytes=%d mark=0x%x\n", rows[r].name,
               (unsigned long)(cycles * 1000000 / khz / (uint64_t)n), n, rows[r].procs,
               rows[r].raw ? BLOCK : 0, row_mark);
    }
    return failed;
}
