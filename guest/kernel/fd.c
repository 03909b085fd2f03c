/* File descriptors: the table of open files (shared by reference count between the fds
 * that dup and fork make) and each process's fd array, with read/write/close/dup/dup2.
 *
 * An fd slot is touched only by its own process (one thread each), so the fd arrays need
 * no lock; the open files' reference counts are shared between processes and take
 * file_lock. Blocking happens inside a type's read/write, never with file_lock held. */
#include "abi/syscall.h"
#include "guest/kernel/file.h"
#include "guest/kernel/proc.h"

static struct spinlock file_lock = { 0, -1 };
static struct file files[NFILE];

struct file *file_alloc(const struct fileops *ops, void *obj, int readable, int writable)
{
    acquire(&file_lock, mycpuid());
    for (struct file *f = files; f < files + NFILE; f++)
        if (f->ref == 0) {
            *f = (struct file){ 1, readable, writable, ops, obj };
            release(&file_lock);
            return f;
        }
    release(&file_lock);
    return NULL;
}

struct file *file_dup(struct file *f)
{
    acquire(&file_lock, mycpuid());
    f->ref++;
    release(&file_lock);
    return f;
}

void file_close(struct file *f)
{
    acquire(&file_lock, mycpuid());
    if (--f->ref > 0) {
        release(&file_lock);
        return;
    }
    struct file copy = *f;
    f->ops = NULL;
    release(&file_lock);
    if (copy.ops && copy.ops->close) copy.ops->close(&copy);
}

int fd_install(struct file *f)
{
    struct proc *p = myproc();
    for (int fd = 0; fd < NOFILE; fd++)
        if (!p->ofile[fd]) {
            p->ofile[fd] = f;
            return fd;
        }
    return -EMFILE;
}

void fd_fork(struct proc *child, struct proc *parent)
{
    for (int fd = 0; fd < NOFILE; fd++)
        child->ofile[fd] = parent->ofile[fd] ? file_dup(parent->ofile[fd]) : NULL;
}

void fd_close_all(struct proc *p)
{
    for (int fd = 0; fd < NOFILE; fd++)
        if (p->ofile[fd]) {
            struct file *f = p->ofile[fd];
            p->ofile[fd] = NULL;
            file_close(f);
        }
}

/* The open file of fd in the current process, or NULL for a bad or closed fd. */
static struct file *fd_file(int fd)
{
    if (fd < 0 || fd >= NOFILE) return NULL;
    return myproc()->ofile[fd];
}

long sys_read_fd(int fd, uint64_t uva, uint64_t n)
{
    struct file *f = fd_file(fd);
    if (!f || !f->readable) return -EBADF;
    if (n == 0) return 0;
    return f->ops->read(f, uva, n);
}

long sys_write_fd(int fd, uint64_t uva, uint64_t n)
{
    struct file *f = fd_file(fd);
    if (!f || !f->writable) return -EBADF;
    if (n == 0) return 0;
    return f->ops->write(f, uva, n);
}

long sys_close_fd(int fd)
{
    struct file *f = fd_file(fd);
    if (!f) return -EBADF;
    myproc()->ofile[fd] = NULL;
    file_close(f);
    return 0;
}

long sys_dup_fd(int fd)
{
    struct file *f = fd_file(fd);
    if (!f) return -EBADF;
    int nfd = fd_install(f);
    if (nfd >= 0) file_dup(f);
    return nfd;
}

long sys_dup2_fd(int fd, int newfd)
{
    struct file *f = fd_file(fd);
    if (!f || newfd < 0 || newfd >= NOFILE) return -EBADF;
    if (newfd == fd) return newfd;
    struct file *old = myproc()->ofile[newfd];
    myproc()->ofile[newfd] = file_dup(f);
    if (old) file_close(old);
    return newfd;
}
