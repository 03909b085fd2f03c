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
int kill(int pid);

#endif
