/* open() and its flags (the Linux values); the stub is in fsyscall.S with the other
 * file-system calls (it answers ENOSYS until the kernel dispatches them). */
#ifndef ULIB_FCNTL_H
#define ULIB_FCNTL_H

#ifndef O_RDONLY
#define O_RDONLY  0
#define O_WRONLY  1
#define O_RDWR    2
#define O_CREAT   0100
#define O_TRUNC   01000
#define O_APPEND  02000
#endif

int open(const char *path, int flags, ...);

#endif
