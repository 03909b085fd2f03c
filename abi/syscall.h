/* The guest's system-call ABI: call numbers, error numbers and the gate page, shared by the
 * guest kernel and the user C library (see docs/syscall-gate.md). */
#ifndef ABI_SYSCALL_H
#define ABI_SYSCALL_H

/* The gate: a read-only, executable user page at GATE_VA in every process. A stub puts the
 * call number in %rax and the arguments in %rdi %rsi %rdx %r10 %r8 %r9, then `call GATE_VA`.
 * The result comes back in %rax (a negative errno on error); %rcx and %r11 are clobbered.
 * The page holds `syscall; ret` (the default) or `ud2; ret` (hosts where `syscall` cannot
 * enter the kernel from user mode); both first instructions are GATE_INSN_LEN bytes long. */
#define GATE_VA        0x1000
#define GATE_INSN_LEN  2

/* Call numbers; 0 stays invalid so an uninitialised %rax fails with ENOSYS. */
#define SYS_exit       1   /* exit(status): never returns */
#define SYS_fork       2   /* fork(): child pid in the parent, 0 in the child */
#define SYS_wait       3   /* wait(int *status): pid of a finished child; status 0-255 or 128+sig */
#define SYS_exec       4   /* exec(path, argv): replaces the image; returns only on error */
#define SYS_getpid     5
#define SYS_getppid    6
#define SYS_read       7   /* read(fd, buf, n) */
#define SYS_write      8   /* write(fd, buf, n) */
#define SYS_yield      9   /* give up the CPU */
#define SYS_uptime     10  /* milliseconds since boot (timer-tick resolution) */
#define SYS_poweroff   11  /* poweroff(status): pid 1 only */
#define SYS_kill       12  /* kill(pid, sig): sig 0 probes; pid < 0 signals group -pid */

/* 13-39: processes, memory, file descriptors and pipes (docs/processes.md). */
#define SYS_pipe       13  /* pipe(int fd[2]): fd[0] reads, fd[1] writes */
#define SYS_dup        14  /* dup(fd): lowest free fd sharing fd's open file */
#define SYS_dup2       15  /* dup2(fd, newfd): newfd closed first, then shares fd's file */
#define SYS_close      16  /* close(fd) */
#define SYS_waitpid    17  /* waitpid(pid or -1, int *status, options): WNOHANG -> 0 */
#define SYS_sleep      18  /* sleep(ms): at least ms milliseconds; EINTR if killed */
#define SYS_sbrk       19  /* sbrk(increment): the old break; shrinking frees the pages */
#define SYS_mmap       20  /* mmap(addr hint, len, prot, flags): anonymous memory only */
#define SYS_munmap     21  /* munmap(addr, len) */
#define SYS_setpgid    22  /* setpgid(pid or 0, pgid or 0): returns the new group */
#define SYS_setfg      23  /* setfg(pgid): the console's foreground group gets Ctrl-C */
#define SYS_tsc_khz    24  /* the TSC frequency in kHz (for rdtsc-timed measurements) */
#define SYS_getpgid    25  /* getpgid(pid or 0) */
#define SYS_tcgetattr  26  /* tcgetattr(fd, struct termios *): the console's settings (abi/termios.h) */
#define SYS_tcsetattr  27  /* tcsetattr(fd, when, const struct termios *); ENOTTY if fd is no console */

/* 40-49: scheduling (docs/scheduling.md; structures and policy numbers in abi/sched.h). */
#define SYS_setsched   40  /* setsched(policy or -1, quantum ms or 0, flags or -1) */
#define SYS_getsched   41  /* getsched(struct schedparams *) */
#define SYS_settickets 42  /* settickets(pid or 0, tickets 1-10000): lottery and stride */
#define SYS_setlevel   43  /* setlevel(pid or 0, MLFQ level 0 = top) */
#define SYS_getprocinfo 44 /* getprocinfo(struct procinfo *, n, which): entries filled */
#define SYS_schedtrace 45  /* schedtrace(op, int *pids, n): the pid of every slice */
#define SYS_cputime    46  /* cputime(): the caller's CPU time in microseconds */

/* waitpid options; mmap prot and flags (W and X together are refused: W^X). */
#define WNOHANG        1
#define PROT_READ      1
#define PROT_WRITE     2
#define PROT_EXEC      4
#define MAP_PRIVATE    0x02
#define MAP_FIXED      0x10
#define MAP_ANONYMOUS  0x20

/* 50-79: files and directories (docs/storage.md; struct stat, dirents and flags in abi/fs.h). */
#define SYS_FS_FIRST   50
#define SYS_FS_LAST    79
#define SYS_open       50  /* open(path, flags, mode): the lowest free fd */
#define SYS_lseek      51  /* lseek(fd, offset, whence): the new offset */
#define SYS_stat       52  /* stat(path, struct stat *) */
#define SYS_fstat      53  /* fstat(fd, struct stat *) */
#define SYS_mkdir      54  /* mkdir(path, mode) */
#define SYS_rmdir      55  /* rmdir(path): only an empty directory */
#define SYS_unlink     56  /* unlink(path): not a directory; open files live on */
#define SYS_link       57  /* link(old, new): a hard link to a file */
#define SYS_rename     58  /* rename(old, new): atomic, replaces new if it exists */
#define SYS_fsync      59  /* fsync(fd): returns once fd's file is durable */
#define SYS_sync       60  /* sync(): commits everything */
#define SYS_getdents   61  /* getdents(fd, buf, n): struct dirent64 records, 0 at the end */
#define SYS_chdir      62  /* chdir(path) */
#define SYS_getcwd     63  /* getcwd(buf, size): the length, NUL included */
#define SYS_ftruncate  64  /* ftruncate(fd, length) */
#define SYS_statfs     65  /* statfs(struct statfs *): sizes and free counts of / */
#define SYS_diskio     66  /* diskio(disk, op, block, buf): raw 4 KiB block I/O (tests) */

/* 80-95: everything else. */
#define SYS_mark       80  /* mark(id, name): a benchmark mark to minivmm's control port
                              (CTL_MARK, named first by CTL_MARK_NAME if name is not NULL;
                              docs/stats.md); -ENODEV on machines without one (QEMU) */

/* Blocks of numbers by subsystem, so that each grows without renumbering another:
 * 13-39 processes, memory, file descriptors and pipes; 40-49 scheduling;
 * 50-79 files and directories; 80-95 everything else. Unused numbers answer ENOSYS. */
#define NSYSCALL       96

/* Signal codes: kill() sends them, a wait status of 128 + code reports a death by one.
 * Every signal's action is its default one: the process terminates. */
#define SIGINT_CODE    2
#define SIGQUIT_CODE   3      /* ^\ on the console */
#define SIGILL_CODE    4
#define SIGTRAP_CODE   5
#define SIGFPE_CODE    8
#define SIGKILL_CODE   9
#define SIGSEGV_CODE   11
#define SIGPIPE_CODE   13     /* a write to a pipe nobody can read: EPIPE, then this */
#define SIGTERM_CODE   15
#define NSIG_CODE      32     /* kill accepts 0 .. NSIG_CODE-1 */

/* Error numbers (the Linux values, so that they read familiar in traces). */
#define EPERM          1
#define ENOENT         2
#define ESRCH          3
#define EINTR          4
#define EIO            5
#define E2BIG          7
#define ENOEXEC        8
#define EBADF          9
#define ECHILD         10
#define EAGAIN         11
#define ENOMEM         12
#define EACCES         13
#define EFAULT         14
#define EBUSY          16
#define EEXIST         17
#define ENODEV         19
#define ENOTDIR        20
#define EISDIR         21
#define EINVAL         22
#define ENFILE         23
#define EMFILE         24
#define ENOTTY         25
#define EFBIG          27
#define ENOSPC         28
#define ESPIPE         29
#define EROFS          30
#define EMLINK         31
#define EPIPE          32
#define ERANGE         34
#define ENAMETOOLONG   36
#define ENOSYS         38
#define ENOTEMPTY      39
#define EUCLEAN        117    /* the file system on disk is corrupt */

/* Limits of exec's arguments (the kernel answers E2BIG or ENAMETOOLONG beyond them). */
#define EXEC_MAXARG    32     /* argv entries, not counting the NULL */
#define EXEC_ARGMAX    3072   /* bytes of argument strings, NULs included */
#define EXEC_PATHMAX   256    /* bytes of the path, NUL included */

#endif
