/* usertests: the system-call and process behaviours of the kernel, one function each,
 * run from a table; prints one line per test and "usertests: N passed, M failed" last.
 * Exit status 0 only if every test passed. (It grows with the guest-OS issue.) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include "abi/syscall.h"

#define CHECK(cond) do { if (!(cond)) { \
        printf("  check failed at line %d: %s\n", __LINE__, #cond); return 0; } } while (0)

/* A system call by number, bypassing the library (below the red zone, which the call's
 * return address would otherwise overwrite). */
static long raw_syscall(long nr, long a0, long a1, long a2)
{
    register long rax __asm__("rax") = nr;
    register long rdi __asm__("rdi") = a0, rsi __asm__("rsi") = a1, rdx __asm__("rdx") = a2;
    __asm__ volatile("sub $128, %%rsp; call %P5; add $128, %%rsp"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                     : "i"(0), "i"(GATE_VA)
                     : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
    return rax;
}

/* Runs fn in a child and returns the child's wait status. */
static int in_child(void (*fn)(void))
{
    int pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status = -1;
    if (pid < 0 || wait(&status) != pid) return -1;
    return status;
}

static int fork_wait_status(void)
{
    int pid = fork();
    if (pid == 0) _exit(42);
    CHECK(pid > 0);
    int status = 0;
    CHECK(wait(&status) == pid);
    CHECK(status == 42);
    CHECK(wait(&status) == -1 && errno == ECHILD);
    return 1;
}

static int parent_pid;
static void child_checks_ppid(void) { _exit(getppid() == parent_pid ? 7 : 8); }

static int getpid_getppid(void)
{
    parent_pid = getpid();
    CHECK(parent_pid > 1);
    CHECK(in_child(child_checks_ppid) == 7);
    return 1;
}

static int bad_pointers_efault(void)
{
    CHECK(write(1, (void *)0x10, 4) == -1 && errno == EFAULT);
    CHECK(write(1, (void *)0xffffffff80100000ULL, 4) == -1 && errno == EFAULT);
    CHECK(write(1, (void *)0x800000000000ULL, 4) == -1 && errno == EFAULT);
    char *argv[] = { "/bin/true", NULL };
    CHECK(exec((char *)0x10, argv) == -1 && errno == EFAULT);
    char **volatile low = (char **)0x10;       /* volatile: gcc would warn about the read */
    CHECK(exec("/bin/true", low) == -1 && errno == EFAULT);
    char *bad_argv[] = { "/bin/true", (char *)0x20, NULL };
    CHECK(exec("/bin/true", bad_argv) == -1 && errno == EFAULT);
    CHECK(wait((int *)0xffffffff80100000ULL) == -1 && errno == EFAULT);
    /* A read-only page (the text) cannot take read's data or wait's status. */
    CHECK(wait((int *)(uintptr_t)bad_pointers_efault) == -1 && errno == EFAULT);
    CHECK(waitpid(-1, (int *)0x10, 0) == -1 && errno == EFAULT);
    int *volatile lowfd = (int *)0x10;
    CHECK(pipe(lowfd) == -1 && errno == EFAULT);
    CHECK(pipe((int *)(uintptr_t)bad_pointers_efault) == -1 && errno == EFAULT);
    int fd[2];
    CHECK(pipe(fd) == 0);
    CHECK(write(fd[1], (void *)0x10, 1) == -1 && errno == EFAULT);
    CHECK(write(fd[1], "ab", 2) == 2);
    CHECK(read(fd[0], (void *)0xffffffff80100000ULL, 2) == -1 && errno == EFAULT);
    CHECK(read(fd[0], (void *)(uintptr_t)bad_pointers_efault, 2) == -1 && errno == EFAULT);
    CHECK(close(fd[0]) == 0 && close(fd[1]) == 0);
    return 1;
}

static int bad_fds_and_numbers(void)
{
    char c;
    CHECK(write(5, "x", 1) == -1 && errno == EBADF);
    CHECK(read(-1, &c, 1) == -1 && errno == EBADF);
    CHECK(read(1000, &c, 1) == -1 && errno == EBADF);
    CHECK(close(9) == -1 && errno == EBADF);
    CHECK(dup(-3) == -1 && errno == EBADF);
    CHECK(raw_syscall(0, 0, 0, 0) == -ENOSYS);
    CHECK(raw_syscall(NSYSCALL, 0, 0, 0) == -ENOSYS);
    CHECK(raw_syscall(NSYSCALL - 1, 0, 0, 0) == -ENOSYS);
    CHECK(raw_syscall(-1, 0, 0, 0) == -ENOSYS);
    CHECK(raw_syscall(SYS_getpid, 0, 0, 0) == getpid());
    CHECK(write(1, "", 0) == 0);
    return 1;
}

static int exec_errors(void)
{
    char *argv[] = { "x", NULL };
    CHECK(exec("/bin/nothing", argv) == -1 && errno == ENOENT);
    /* A directory: EACCES from the file system (as on Linux); the initrd has no directory
     * entries, so there it does not exist. */
    CHECK(exec("/bin", argv) == -1 && (errno == EACCES || errno == ENOENT));
    static char many[EXEC_MAXARG + 2][2];
    char *big[EXEC_MAXARG + 2];
    for (int i = 0; i < EXEC_MAXARG + 1; i++) big[i] = many[i];
    big[EXEC_MAXARG + 1] = NULL;
    CHECK(exec("/bin/true", big) == -1 && errno == E2BIG);
    return 1;
}

static void do_poweroff(void) { _exit(poweroff(3) == -1 && errno == EPERM ? 5 : 6); }
static void null_write(void) { *(volatile int *)0 = 1; }
static void kernel_read(void) { (void)*(volatile int *)0xffffffff80100000ULL; }
static void bad_opcode(void) { __asm__ volatile("ud2"); }
static void text_write(void) { *(volatile char *)(uintptr_t)text_write = 0; }
static void stack_exec(void)
{
    unsigned char code[16] = { 0xc3 };    /* ret */
    ((void (*)(void))code)();
}

static int only_init_powers_off(void)
{
    CHECK(in_child(do_poweroff) == 5);
    return 1;
}

static int faults_kill_only_the_process(void)
{
    CHECK(in_child(null_write) == 128 + SIGSEGV_CODE);
    CHECK(in_child(kernel_read) == 128 + SIGSEGV_CODE);
    CHECK(in_child(bad_opcode) == 128 + SIGILL_CODE);
    CHECK(in_child(text_write) == 128 + SIGSEGV_CODE);    /* W^X: text is read-only */
    CHECK(in_child(stack_exec) == 128 + SIGSEGV_CODE);    /* and the stack not executable */
    return 1;
}

static int exec_runs_a_program_with_arguments(void)
{
    int pid = fork();
    if (pid == 0) {
        char *argv[] = { "/bin/echo", "usertests:", "echo", "ran", NULL };
        exec(argv[0], argv);
        _exit(99);
    }
    int status = -1;
    CHECK(wait(&status) == pid && status == 0);
    pid = fork();
    if (pid == 0) {
        char *argv[] = { "/bin/false", NULL };
        exec(argv[0], argv);
        _exit(99);
    }
    CHECK(wait(&status) == pid && status == 1);
    return 1;
}

static int many_processes(void)
{
    enum { N = 20 };
    int sum = 0, status;
    for (int i = 0; i < N; i++) {
        int pid = fork();
        if (pid == 0) {
            yield();
            _exit(i);
        }
        CHECK(pid > 0);
    }
    for (int i = 0; i < N; i++) {
        CHECK(wait(&status) > 0);
        sum += status;
    }
    CHECK(sum == N * (N - 1) / 2);
    CHECK(wait(&status) == -1 && errno == ECHILD);
    return 1;
}

/* The child never enters the kernel: only the timer can give the parent the CPU back. */
static int preemption_and_kill(void)
{
    int pid = fork();
    if (pid == 0)
        for (;;)
            ;
    CHECK(pid > 0);
    yield();
    CHECK(kill(pid, SIGKILL) == 0);
    int status;
    CHECK(wait(&status) == pid && status == 128 + SIGKILL_CODE);
    CHECK(kill(pid, SIGKILL) == -1 && errno == ESRCH);
    CHECK(kill(1, SIGKILL) == -1 && errno == EPERM);
    return 1;
}

static int uptime_advances(void)
{
    long t0 = uptime();
    CHECK(t0 >= 0);
    for (long i = 0; i < 100000000 && uptime() == t0; i++)
        ;
    CHECK(uptime() > t0);
    return 1;
}

/* ---- File descriptors and pipes ---- */

static int dup_close_and_pipe_eof(void)
{
    int fd[2];
    char buf[8];
    CHECK(pipe(fd) == 0 && fd[0] >= 3 && fd[1] > fd[0]);
    int d = dup(fd[1]);
    CHECK(d > fd[1]);
    CHECK(write(d, "hello", 5) == 5);
    CHECK(close(d) == 0 && write(d, "x", 1) == -1 && errno == EBADF);
    CHECK(dup2(fd[1], 12) == 12 && dup2(12, 12) == 12 && dup2(12, 16) == -1);
    CHECK(close(fd[1]) == 0 && close(12) == 0);      /* every write end gone */
    CHECK(read(fd[0], buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK(read(fd[0], buf, sizeof buf) == 0);         /* EOF */
    CHECK(write(fd[0], "x", 1) == -1 && errno == EBADF);
    CHECK(close(fd[0]) == 0);
    return 1;
}

/* Until EMFILE, then everything closed again: no fd or file leaks. */
static int fd_table_limit(void)
{
    int fds[40], n = 0;
    for (; n < 40 && (fds[n] = dup(1)) >= 0; n++)
        ;
    CHECK(n < 40 && errno == EMFILE);
    int fd[2];
    CHECK(pipe(fd) == -1 && errno == EMFILE);
    while (n > 0) CHECK(close(fds[--n]) == 0);
    CHECK(pipe(fd) == 0 && close(fd[0]) == 0 && close(fd[1]) == 0);
    return 1;
}

static unsigned char pattern(unsigned i) { return (unsigned char)(i * 7 + (i >> 8)); }

/* 96 KiB through a 4 KiB pipe in odd-sized pieces: every byte arrives, in order, and EOF
 * follows when the writer (a child holding the only write end) exits. */
static int pipe_data_integrity(void)
{
    enum { TOTAL = 96 * 1024 };
    static unsigned char buf[5000];
    int fd[2];
    CHECK(pipe(fd) == 0);
    int pid = fork();
    if (pid == 0) {
        close(fd[0]);
        for (unsigned off = 0, k = 1; off < TOTAL; k = k * 3 % 4999 + 1) {
            unsigned n = k < TOTAL - off ? k : TOTAL - off;
            for (unsigned i = 0; i < n; i++) buf[i] = pattern(off + i);
            if (write(fd[1], buf, n) != (long)n) _exit(1);
            off += n;
        }
        _exit(0);
    }
    close(fd[1]);
    unsigned got = 0;
    long r;
    while ((r = read(fd[0], buf, 777)) > 0) {
        for (long i = 0; i < r; i++) CHECK(buf[i] == pattern(got + i));
        got += r;
    }
    int status;
    CHECK(r == 0 && got == TOTAL);
    CHECK(waitpid(pid, &status, 0) == pid && status == 0);
    close(fd[0]);
    return 1;
}

static int epipe_fd;
static void write_to_closed_pipe(void) { write(epipe_fd, "x", 1); _exit(3); }

/* A write with no reader left fails with EPIPE and the writer dies of SIGPIPE. */
static int pipe_epipe_kills_writer(void)
{
    int fd[2];
    CHECK(pipe(fd) == 0 && close(fd[0]) == 0);
    epipe_fd = fd[1];
    CHECK(in_child(write_to_closed_pipe) == 128 + SIGPIPE);
    close(fd[1]);
    return 1;
}

/* ---- waitpid, sleep, kill of blocked processes, process groups ---- */

static int waitpid_and_wnohang(void)
{
    /* a waits for end of file on a pipe that only the parent ends: no timing involved. */
    int p[2], status;
    CHECK(pipe(p) == 0);
    int a = fork();
    if (a == 0) { char c; close(p[1]); read(p[0], &c, 1); _exit(5); }
    close(p[0]);
    int b = fork();
    if (b == 0) _exit(6);
    CHECK(waitpid(a, &status, WNOHANG) == 0);        /* a still waits */
    CHECK(waitpid(b, &status, 0) == b && status == 6);
    CHECK(waitpid(a, &status, WNOHANG) == 0);        /* and still */
    close(p[1]);
    CHECK(waitpid(a, &status, 0) == a && status == 5);
    CHECK(waitpid(a, &status, 0) == -1 && errno == ECHILD);
    CHECK(waitpid(-1, &status, 7) == -1 && errno == EINVAL);
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
    return 1;
}

static int sleep_waits(void)
{
    long t0 = uptime();
    CHECK(sleep(50) == 0);
    CHECK(uptime() - t0 >= 50);
    return 1;
}

static int blocker_fd[2];
static void block_in_pipe_read(void) { char c; read(blocker_fd[0], &c, 1); _exit(1); }
static void block_in_pipe_write(void)
{
    static char big[8192];
    for (;;) write(blocker_fd[1], big, sizeof big);
}
static void block_in_sleep(void) { sleep(1000000); _exit(1); }
/* Input or EOF (Ctrl-D: the VMM sends it when its stdin ends) keeps it reading. */
static void block_in_console_read(void)
{
    char c;
    while (read(0, &c, 1) >= 0)
        ;
    _exit(1);
}
static void block_in_wait(void)
{
    if (fork() == 0) { sleep(1000000); _exit(1); }
    wait(NULL);
    _exit(1);
}

/* Starts fn in a child, lets it block, kills it with sig; returns its wait status. */
static int killed_while_blocked(void (*fn)(void), int sig)
{
    int pid = fork();
    if (pid == 0) { fn(); _exit(1); }
    sleep(20);
    int status = -1;
    if (kill(pid, sig) < 0 || waitpid(pid, &status, 0) != pid) return -1;
    return status;
}

/* Each blocked process dies at once: none of them would ever wake up by itself. */
static int kill_blocked_processes(void)
{
    CHECK(pipe(blocker_fd) == 0);
    CHECK(killed_while_blocked(block_in_pipe_read, SIGTERM) == 128 + SIGTERM);
    CHECK(killed_while_blocked(block_in_pipe_write, SIGINT) == 128 + SIGINT);
    CHECK(killed_while_blocked(block_in_sleep, SIGKILL) == 128 + SIGKILL);
    CHECK(killed_while_blocked(block_in_console_read, SIGTERM) == 128 + SIGTERM);
    CHECK(killed_while_blocked(block_in_wait, SIGKILL) == 128 + SIGKILL);
    close(blocker_fd[0]);
    close(blocker_fd[1]);
    CHECK(kill(getpid(), 0) == 0 && kill(99999, 0) == -1 && errno == ESRCH);
    CHECK(kill(getpid(), 99) == -1 && errno == EINVAL);
    return 1;
}

/* kill(-pgid) reaches every member of the group, and no one else. */
static int kill_process_group(void)
{
    int leader = fork();
    if (leader == 0) {
        setpgid(0, 0);
        if (fork() == 0) { sleep(1000000); _exit(1); }
        sleep(1000000);
        _exit(1);
    }
    CHECK(setpgid(leader, leader) == leader);      /* both sides set it: no race */
    CHECK(getpgid(leader) == leader && getpgid(0) != leader);
    sleep(20);
    CHECK(kill(-leader, SIGINT) == 0);
    int status;
    CHECK(waitpid(leader, &status, 0) == leader && status == 128 + SIGINT);
    /* The grandchild (now init's) dies too, maybe a moment later on another CPU. */
    int i = 0;
    while (kill(-leader, 0) == 0 && i++ < 500) sleep(10);
    CHECK(kill(-leader, 0) == -1 && errno == ESRCH);
    return 1;
}

/* ---- Memory ---- */

static char cow_buf[3 * 4096];

/* After fork, parent and child each write their own data and see only their own. */
static int cow_fork_isolation(void)
{
    memset(cow_buf, 'p', sizeof cow_buf);
    char *heap = sbrk(8192);
    CHECK(heap != (void *)-1);
    memset(heap, 'h', 8192);
    int pid = fork();
    if (pid == 0) {
        int ok = cow_buf[5000] == 'p' && heap[100] == 'h';
        memset(cow_buf, 'c', sizeof cow_buf);
        heap[100] = 'c';
        sleep(20);                                 /* the parent writes meanwhile */
        _exit(ok && cow_buf[0] == 'c' && cow_buf[9000] == 'c' && heap[100] == 'c' &&
              heap[5000] == 'h' ? 0 : 1);
    }
    cow_buf[0] = 'P';
    heap[5000] = 'P';
    int status;
    CHECK(wait(&status) == pid && status == 0);
    CHECK(cow_buf[0] == 'P' && cow_buf[1] == 'p' && cow_buf[9000] == 'p');
    CHECK(heap[100] == 'h' && heap[5000] == 'P');
    CHECK(sbrk(-8192) == heap + 8192);
    return 1;
}

static char *gone;
static void touch_gone(void) { (void)*(volatile char *)gone; }

static int sbrk_grow_and_shrink(void)
{
    char *base = sbrk(0);
    CHECK(sbrk(100000) == base && sbrk(0) == base + 100000);
    for (int i = 0; i < 100000; i += 4096) CHECK(base[i] == 0);   /* demand-zero */
    base[99999] = 1;
    CHECK(sbrk(-100000) == base + 100000 && sbrk(0) == base);
    gone = base + 50000;
    CHECK(in_child(touch_gone) == 128 + SIGSEGV);  /* shrinking unmapped it */
    CHECK(sbrk(4096) == base && base[0] == 0);     /* a fresh page, zeroed again */
    CHECK(sbrk(-4096) == base + 4096);
    CHECK(sbrk(1L << 40) == (void *)-1 && errno == ENOMEM);
    CHECK(sbrk(-(1L << 40)) == (void *)-1 && errno == EINVAL);
    return 1;
}

static int mmap_and_munmap(void)
{
    char *m = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE);
    CHECK(m != MAP_FAILED && m[0] == 0 && m[5 * 4096 - 1] == 0);
    m[4096] = 'x';
    CHECK(munmap(m + 4096, 4096) == 0);            /* a hole splits it */
    gone = m + 4096;
    CHECK(in_child(touch_gone) == 128 + SIGSEGV);
    m[2 * 4096] = 'y';
    CHECK(m[2 * 4096] == 'y');
    CHECK(mmap(m + 4096, 4096, PROT_READ, MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED) == m + 4096);
    CHECK(mmap(m, 4096, PROT_READ, MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED) == MAP_FAILED);
    CHECK(munmap(m, 5 * 4096) == 0);
    CHECK(mmap(NULL, 4096, PROT_WRITE | PROT_EXEC, MAP_ANONYMOUS | MAP_PRIVATE) == MAP_FAILED &&
          errno == EINVAL);                        /* W^X */
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE) == MAP_FAILED && errno == EINVAL);
    CHECK(munmap((void *)1, 4096) == -1 && errno == EINVAL);
    return 1;
}

static void write_readonly_map(void)
{
    char *m = mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS | MAP_PRIVATE);
    m[0] = 1;
}

static int mmap_protection(void)
{
    CHECK(in_child(write_readonly_map) == 128 + SIGSEGV);
    return 1;
}

/* Deep recursion grows the stack on demand, page by page. */
static int recurse(int n)
{
    volatile char frame[1000];
    frame[0] = (char)n;
    return n == 0 ? 0 : recurse(n - 1) + frame[0] - (char)n;
}
static void below_the_stack(void)
{
    (void)*(volatile char *)(0x7ffffffff000ULL - (8ULL << 20) - 100);
}
static void big_frame(void)
{
    volatile char frame[7 << 20];                  /* far below, but within the limit */
    frame[0] = 1;
    _exit(frame[0] == 1 ? 0 : 1);
}

static int stack_growth_and_guard(void)
{
    CHECK(recurse(1000) == 0);                     /* about 1 MiB of stack */
    CHECK(in_child(big_frame) == 0);
    CHECK(in_child(below_the_stack) == 128 + SIGSEGV);
    return 1;
}

/* Every process forks until fork says EAGAIN, then reaps its own and exits; afterwards
 * the system works again. */
static void fork_bomb(void)
{
    int hit = 0;
    for (int i = 0; i < 200; i++) {
        int pid = fork();
        if (pid == 0) { hit = 0; continue; }
        if (pid < 0) { hit = errno == EAGAIN; break; }
    }
    int status, any = hit;
    while (wait(&status) > 0) any |= status == 0;
    _exit(any ? 0 : 1);
}

static int fork_bomb_contained(void)
{
    CHECK(in_child(fork_bomb) == 0);
    int pid = fork();
    if (pid == 0) _exit(0);
    CHECK(pid > 0 && wait(NULL) == pid);
    return 1;
}

static const struct { int (*fn)(void); const char *name; } tests[] = {
    { fork_wait_status, "fork_wait_status" },
    { getpid_getppid, "getpid_getppid" },
    { bad_pointers_efault, "bad_pointers_efault" },
    { bad_fds_and_numbers, "bad_fds_and_numbers" },
    { exec_errors, "exec_errors" },
    { only_init_powers_off, "only_init_powers_off" },
    { faults_kill_only_the_process, "faults_kill_only_the_process" },
    { exec_runs_a_program_with_arguments, "exec_runs_a_program_with_arguments" },
    { many_processes, "many_processes" },
    { preemption_and_kill, "preemption_and_kill" },
    { uptime_advances, "uptime_advances" },
    { dup_close_and_pipe_eof, "dup_close_and_pipe_eof" },
    { fd_table_limit, "fd_table_limit" },
    { pipe_data_integrity, "pipe_data_integrity" },
    { pipe_epipe_kills_writer, "pipe_epipe_kills_writer" },
    { waitpid_and_wnohang, "waitpid_and_wnohang" },
    { sleep_waits, "sleep_waits" },
    { kill_blocked_processes, "kill_blocked_processes" },
    { kill_process_group, "kill_process_group" },
    { cow_fork_isolation, "cow_fork_isolation" },
    { sbrk_grow_and_shrink, "sbrk_grow_and_shrink" },
    { mmap_and_munmap, "mmap_and_munmap" },
    { mmap_protection, "mmap_protection" },
    { stack_growth_and_guard, "stack_growth_and_guard" },
    { fork_bomb_contained, "fork_bomb_contained" },
};

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0) continue;
        int ok = tests[i].fn();
        printf("%s: %s\n", tests[i].name, ok ? "ok" : "FAILED");
        ok ? passed++ : failed++;
    }
    printf("usertests: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
