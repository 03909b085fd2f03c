/* grind COUNT [SEED]: COUNT system calls with random numbers and random arguments (good
 * pointers, bad pointers, kernel addresses, huge lengths, odd fds), to show the kernel
 * survives them: no panic, no hang. The calls run in worker processes of BATCH calls
 * each; a worker that blocks (say, reading a pipe it also writes) is killed by the parent
 * after a while, and one that dies of its own calls is simply replaced. Prints
 * "grind: done N calls" and exits 0 when all were made. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "abi/syscall.h"

#define BATCH      200
#define PATIENCE   40          /* polls of 5 ms before a worker counts as blocked */

static uint64_t rng;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char buf[8192];

/* An argument: mostly from a list of interesting values, sometimes fully random. */
static long arg(void)
{
    static const long fixed[] = {
        0, 1, 2, 3, 4, 5, 16, -1, -4096, 4096, 0x10, GATE_VA, 0x400000, 0x7ffffffff000,
        0x800000000000, (long)0xffffffff80100000ULL, (long)0xffff800000000000ULL,
        0x7fffffffffffffff, (long)0x8000000000000000ULL, 1L << 30, 1L << 40,
        PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
    };
    uint64_t r = next();
    switch (r % 8) {
    case 0: return (long)(next());
    case 1: return (long)(buf + next() % sizeof buf);
    case 2: return (long)buf;
    case 3: return (long)(next() % 64);
    default: return fixed[(r >> 8) % (sizeof fixed / sizeof fixed[0])];
    }
}

/* One random call, with the few arguments that could hurt the test itself tamed: no
 * signals beyond the worker's own group (which it cannot leave), no long sleeps, no
 * foreground changes, and a
 * fork's child leaves at once. */
static void one_call(void)
{
    long nr = (long)(next() % 100), a[6];
    for (int i = 0; i < 6; i++) a[i] = arg();
    switch (nr) {
    case SYS_fork:
        if (fork() == 0) _exit(0);
        return;
    case SYS_kill: a[0] = 0; break;
    case SYS_sleep: a[0] &= 3; break;
    case SYS_setfg: case SYS_poweroff: return;
    case SYS_setpgid: return;  /* joining the parent's group would let kill(0) reach it */
    case SYS_exit: return;
    }
    rawsyscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void worker(uint64_t seed)
{
    rng = seed | 1;
    setpgid(0, 0);
    /* No console: reads would block until killed, writes would print garbage. */
    close(0), close(1), close(2);
    for (int i = 0; i < BATCH; i++) one_call();
    while (wait(NULL) > 0)
        ;
    _exit(0);
}

/* Waits for the worker, killing it if it has not finished after PATIENCE polls;
 * returns 1 if it had to be killed. */
static int reap(int pid)
{
    int status;
    for (int i = 0; i < PATIENCE; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) return 0;
        sleep(5);
    }
    kill(-pid, SIGKILL);       /* the worker's group: it and its children */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return 1;
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 1000;
    uint64_t seed = argc > 2 ? (uint64_t)atol(argv[2]) : 12345;
    long done = 0, workers = 0, stuck = 0;
    while (done < count) {
        int pid = fork();
        if (pid == 0) worker(seed + (uint64_t)workers * 7919);
        if (pid < 0) {         /* a process slot may still be dying: try again */
            sleep(10);
            continue;
        }
        workers++;
        stuck += reap(pid);
        done += BATCH;
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
    printf("grind: done %ld calls in %ld workers (%ld stopped blocked)\n", done, workers, stuck);
    return 0;
}
