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
    return 1;
}

static int bad_fds_and_numbers(void)
{
    char c;
    CHECK(write(5, "x", 1) == -1 && errno == EBADF);
    CHECK(read(1, &c, 1) == -1 && errno == EBADF);
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
    CHECK(exec("/bin", argv) == -1 && errno == ENOENT);
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
