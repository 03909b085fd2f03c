/* Pipes: a ring buffer in one page between a read end and a write end, each an open file.
 * A reader blocks while the ring is empty and a writer exists, and gets 0 (EOF) once no
 * writer is left; a writer blocks while the ring is full and gets EPIPE once no reader is
 * left, and then dies of SIGPIPE (the default action; there are no handlers). Both wake up
 * when killed. Bytes move straight between the ring and the user's pages (no bounce). */
#include "abi/syscall.h"
#include "guest/kernel/file.h"
#include "guest/kernel/proc.h"

struct pipe {
    struct spinlock lock;
    uint64_t nread, nwrite;     /* bytes ever read and written: nwrite - nread are in buf */
    int readers, writers;       /* open ends (0 or 1 each: the files count their fds) */
};
#define PIPE_BUF_SIZE (PAGE_SIZE - 64)
#define PIPE_BUF(pi)  ((char *)(pi) + 64)
_Static_assert(sizeof(struct pipe) <= 64, "the pipe header must fit in front of its ring");

/* Moves up to n bytes between the ring and user memory at uva, as far as the ring and the
 * user's first mapped pages allow; returns the count or -EFAULT if none. to_user: read. */
static long ring_xfer(struct pipe *pi, uint64_t uva, uint64_t n, int to_user)
{
    struct uvm *as = &myproc()->as;
    uint64_t done = 0;
    while (done < n) {
        uint64_t pos = to_user ? pi->nread : pi->nwrite;
        uint64_t avail = to_user ? pi->nwrite - pi->nread
                                 : PIPE_BUF_SIZE - (pi->nwrite - pi->nread);
        uint64_t off = pos % PIPE_BUF_SIZE;
        uint64_t chunk = n - done, page = PAGE_SIZE - ((uva + done) & (PAGE_SIZE - 1));
        if (chunk > avail) chunk = avail;
        if (chunk > PIPE_BUF_SIZE - off) chunk = PIPE_BUF_SIZE - off;
        if (chunk > page) chunk = page;
        if (chunk == 0) break;
        char *k = uvm_translate(as, uva + done, to_user);
        if (!k) return done ? (long)done : -EFAULT;
        if (to_user) {
            copy_fast(k, PIPE_BUF(pi) + off, chunk);
            pi->nread += chunk;
        } else {
            copy_fast(PIPE_BUF(pi) + off, k, chunk);
            pi->nwrite += chunk;
        }
        done += chunk;
    }
    return (long)done;
}

static long pipe_read(struct file *f, uint64_t uva, uint64_t n)
{
    struct pipe *pi = f->obj;
    acquire(&pi->lock, mycpuid());
    while (pi->nread == pi->nwrite && pi->writers) {
        if (myproc()->killed) {
            release(&pi->lock);
            return -EINTR;
        }
        sleep_on(&pi->nread, &pi->lock);
    }
    long r = ring_xfer(pi, uva, n, 1);
    if (r > 0) wakeup(&pi->nwrite);
    release(&pi->lock);
    return r;
}

/* Writes all n bytes unless the readers go (EPIPE), the user memory ends (the count so
 * far, or EFAULT) or the writer is killed (the count so far, or EINTR). */
static long pipe_write(struct file *f, uint64_t uva, uint64_t n)
{
    struct pipe *pi = f->obj;
    struct proc *p = myproc();
    uint64_t done = 0;
    acquire(&pi->lock, mycpuid());
    while (done < n) {
        if (!pi->readers) {
            if (!p->killed) p->killed = SIGPIPE_CODE;
            release(&pi->lock);
            return -EPIPE;
        }
        if (p->killed) break;
        if (pi->nwrite - pi->nread == PIPE_BUF_SIZE) {
            wakeup(&pi->nread);
            sleep_on(&pi->nwrite, &pi->lock);
            continue;
        }
        long r = ring_xfer(pi, uva + done, n - done, 0);
        if (r < 0) {
            if (!done) done = (uint64_t)r;
            break;
        }
        done += r;
    }
    wakeup(&pi->nread);
    release(&pi->lock);
    if ((long)done == 0 && p->killed) return -EINTR;
    return (long)done;
}

/* One end goes away; the page goes with the last end. */
static void pipe_close(struct file *f)
{
    struct pipe *pi = f->obj;
    acquire(&pi->lock, mycpuid());
    if (f->writable) {
        pi->writers = 0;
        wakeup(&pi->nread);
    } else {
        pi->readers = 0;
        wakeup(&pi->nwrite);
    }
    int last = !pi->readers && !pi->writers;
    release(&pi->lock);
    if (last) kfree(pi);
}

static const struct fileops pipe_ops = { pipe_read, pipe_write, pipe_close };

long pipe_create(uint64_t fds_uva)
{
    struct proc *p = myproc();
    int fds[2];
    /* Check the destination first, so that a bad pointer leaks nothing. */
    if (!uvm_translate(&p->as, fds_uva, 1) ||
        !uvm_translate(&p->as, fds_uva + sizeof fds - 1, 1))
        return -EFAULT;
    struct pipe *pi = kalloc();
    if (!pi) return -ENOMEM;
    *pi = (struct pipe){ .lock = { 0, -1 }, .readers = 1, .writers = 1 };
    struct file *rf = file_alloc(&pipe_ops, pi, 1, 0);
    struct file *wf = rf ? file_alloc(&pipe_ops, pi, 0, 1) : NULL;
    if (!wf) {
        if (rf) file_close(rf);     /* leaves the write end counted: the page stays */
        kfree(pi);
        return -ENFILE;
    }
    fds[0] = fd_install(rf);
    fds[1] = fds[0] < 0 ? -1 : fd_install(wf);
    if (fds[1] < 0) {
        if (fds[0] >= 0) p->ofile[fds[0]] = NULL;
        file_close(rf);
        file_close(wf);
        return -EMFILE;
    }
    copyout(&p->as, fds_uva, fds, sizeof fds);
    return 0;
}
