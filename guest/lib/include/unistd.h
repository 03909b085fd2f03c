/* System calls of the minivmm guest (abi/syscall.h has the numbers and the gate). On error
 * they return -1 and set errno, except where noted. */
#ifndef ULIB_UNISTD_H
#define ULIB_UNISTD_H
#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;

__attribute__((noreturn)) void _exit(int status);
int fork(void);
/* Waits for a child to finish; *status (if not NULL) gets its exit status 0-255, or
 * 128 + a signal-like code (e.g. 139 for a fault: SIGSEGV) when the kernel killed it. */
int wait(int *status);
/* Replaces the program; returns only on error. argv ends with NULL. */
int exec(const char *path, char *const argv[]);
int getpid(void);
int getppid(void);
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int yield(void);
long uptime(void);             /* milliseconds since boot */
int poweroff(int status);      /* init (pid 1) only; does not return on success */
/* Sends sig (a SIG* code of <signal.h>; 0 only checks that pid exists) to pid, or to every
 * process of group -pid if pid < 0. Every signal terminates (status 128 + sig). */
int kill(int pid, int sig);

/* File descriptors (0, 1, 2 are the console for init and whatever a parent left open). */
int pipe(int fd[2]);            /* fd[0] reads, fd[1] writes; read gives 0 at EOF */
int dup(int fd);
int dup2(int fd, int newfd);
int close(int fd);

/* Waits for child pid (or any child if pid is -1); with options WNOHANG returns 0 at once
 * when no such child has finished. Status as for wait. */
int waitpid(int pid, int *status, int options);
int sleep(long ms);             /* milliseconds; -1/EINTR if killed meanwhile */

/* Memory: sbrk returns the old break, or (void *)-1; a negative increment frees pages.
 * mmap is anonymous only (flags MAP_ANONYMOUS|MAP_PRIVATE, maybe MAP_FIXED), zero-filled,
 * prot PROT_READ/PROT_WRITE/PROT_EXEC but never W and X together; (void *)-1 on error. */
void *sbrk(long increment);
void *mmap(void *addr, size_t len, int prot, int flags);
int munmap(void *addr, size_t len);
#define MAP_FAILED ((void *)-1)

/* Process groups and the console's foreground group: Ctrl-C on the console sends SIGINT to
 * every process of the foreground group (docs/processes.md). setpgid(0, 0) makes the caller
 * a group leader; setfg(0) means no foreground group. */
int setpgid(int pid, int pgid);
int getpgid(int pid);
int setfg(int pgid);
long tsc_khz(void);             /* the TSC frequency, for timing with rdtsc */

/* Changes the current directory (stub in fsyscall.S). */
int chdir(const char *path);

/* Any system call by number with the kernel's raw result (-errno on error, errno left
 * alone): for tests of the ABI. The stubs above are the ordinary way in. */
long rawsyscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

#endif
