/* Open files and file descriptors: the object an fd names (console, pipe; a file-system
 * type plugs in through struct fileops), the per-process fd table and the two devices. */
#ifndef GUEST_KERNEL_FILE_H
#define GUEST_KERNEL_FILE_H
#include <stdint.h>

struct file;

/* What a type of open file does. read and write move bytes between the object and user
 * memory at uva in the calling process; they return a count or a negative errno and may
 * block (killably: -EINTR). close runs once, when the last reference goes. */
struct fileops {
    long (*read)(struct file *f, uint64_t uva, uint64_t n);
    long (*write)(struct file *f, uint64_t uva, uint64_t n);
    void (*close)(struct file *f);
};

/* One open file, shared by every fd (in any process) that dup or fork made from it. */
struct file {
    int ref;                    /* guarded by the file table's lock */
    int readable, writable;
    const struct fileops *ops;
    void *obj;                  /* the type's object (struct pipe ...), or NULL */
};

struct proc;

/* fd.c */
struct file *file_alloc(const struct fileops *ops, void *obj, int readable, int writable);
struct file *file_dup(struct file *f);         /* one more reference */
void file_close(struct file *f);               /* one reference less */
/* Lowest free fd of the current process for f (taking over the caller's reference), or
 * -EMFILE. */
int fd_install(struct file *f);
void fd_fork(struct proc *child, struct proc *parent);   /* shares every open file */
void fd_close_all(struct proc *p);
long sys_read_fd(int fd, uint64_t uva, uint64_t n);
long sys_write_fd(int fd, uint64_t uva, uint64_t n);
long sys_close_fd(int fd);
long sys_dup_fd(int fd);
long sys_dup2_fd(int fd, int newfd);

/* pipe.c */
long pipe_create(uint64_t fds_uva);            /* the pipe system call */

/* consdev.c */
extern const struct fileops console_fileops;
void consdev_init(void);                       /* the input thread and the UART hooks */
long consdev_setfg(int pgid);
struct trapframe;
long sys_tcgetattr(struct trapframe *tf);      /* tcgetattr(fd, struct termios *) */
long sys_tcsetattr(struct trapframe *tf);      /* tcsetattr(fd, when, const struct termios *) */

#endif
