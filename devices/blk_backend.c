/* The disk image and its I/O thread. No vCPU thread touches the disk: QueueNotify signals
 * an eventfd (through KVM_IOEVENTFD, without leaving the kernel), this thread takes the
 * chains off the queue and hands them to io_uring, and completions go back to the used
 * ring with an interrupt through the device's irqfd. One thread per disk owns the ring,
 * so io_uring needs no locking; the device model takes its own lock. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/blk_backend.h"

#define RING_ENTRIES 512                   /* > VIRTQ_NUM_MAX requests + 2 eventfd reads */
#define TAG_NOTIFY ((void *)1)
#define TAG_STOP   ((void *)2)

static int fail(char *err, size_t errlen, const char *fmt, const char *path, const char *why)
{
    snprintf(err, errlen, fmt, path, why);
    return -1;
}

int blk_backend_open(struct blk_backend *b, const char *path, bool ro,
                     const struct blk_crash_opts *crash, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->notify_fd = b->stop_fd = -1;
    b->ro = ro;
    b->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (b->fd < 0 && !ro && (errno == EACCES || errno == EROFS || errno == EPERM))
        return fail(err, errlen, "%s: %s (attach it read-only with ,ro)", path, strerror(errno));
    if (b->fd < 0)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    /* Two machines writing one image corrupt it: a writer takes it alone; readers share. */
    if (flock(b->fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        int e = errno;
        blk_backend_close(b);
        return fail(err, errlen, "%s: %s", path, e != EWOULDBLOCK ? strerror(e) : ro ?
                    "being written by another vmm" :
                    "in use by another vmm (attach it with ,ro to share it read-only)");
    }
    struct stat st;
    uint64_t size = 0;
    if (fstat(b->fd, &st) < 0)
        size = 0;
    else if (S_ISREG(st.st_mode))
        size = st.st_size;
    else if (!S_ISBLK(st.st_mode) || ioctl(b->fd, BLKGETSIZE64, &size) < 0) {
        blk_backend_close(b);
        return fail(err, errlen, "%s: %s", path, "not a regular file or block device");
    }
    char why[80];
    if (size == 0 || size % VIRTIO_BLK_SECTOR) {
        snprintf(why, sizeof why, "size %llu is not a non-zero multiple of 512",
                 (unsigned long long)size);
        blk_backend_close(b);
        return fail(err, errlen, "%s: %s", path, why);
    }
    b->size = size;
    blk_crash_init(&b->crash, crash);
    return 0;
}

int blk_backend_close(struct blk_backend *b)
{
    /* What the guest wrote reaches the disk, however the machine stopped (a signal, a
     * crash) -- unless an injected power cut says it must not. */
    int rc = 0, err = 0;
    if (b->fd >= 0 && !b->ro && !b->crash.cut && fdatasync(b->fd) < 0)
        rc = -1, err = errno;
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    blk_crash_free(&b->crash);
    errno = err;
    return rc;
}

static bool power_lost(const struct blk_backend *b)
{
    return b->power_lost != NULL && atomic_load(b->power_lost);
}

/* The cut happened on this disk: no disk writes anything more, the machine stops. */
static int cut(struct blk_backend *b)
{
    if (b->power_lost)
        atomic_store(b->power_lost, true);
    if (b->on_power_cut)
        b->on_power_cut(b->cut_ctx);
    return BLK_LOST;
}

/* One request, here and now (power-cut injection, or no I/O thread yet). */
static int run_sync(struct blk_backend *b, struct blk_req *r)
{
    uint64_t off = r->sector * VIRTIO_BLK_SECTOR;
    switch (r->type) {
    case VIRTIO_BLK_T_IN:
        return preadv(b->fd, r->iov, r->niov, off) == (ssize_t)r->len
               ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
    case VIRTIO_BLK_T_OUT:
        switch (blk_crash_write(&b->crash, b->fd, off, r->iov, r->niov, r->len)) {
        case 0: return VIRTIO_BLK_S_OK;
        case 1: return cut(b);
        default: return VIRTIO_BLK_S_IOERR;
        }
    case VIRTIO_BLK_T_FLUSH:
        return blk_crash_flush(&b->crash, b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
    default:
        return VIRTIO_BLK_S_UNSUPP;
    }
}

static struct io_uring_sqe *get_sqe(struct blk_backend *b)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
    if (sqe == NULL) {
        io_uring_submit(&b->ring);
        sqe = io_uring_get_sqe(&b->ring);
    }
    return sqe;
}

int blk_backend_submit(void *ctx, struct blk_req *r)
{
    struct blk_backend *b = ctx;
    if (power_lost(b))
        return BLK_LOST;
    if (!b->started || b->crash.o.enabled)
        return run_sync(b, r);
    struct io_uring_sqe *sqe = get_sqe(b);
    if (sqe == NULL)
        return VIRTIO_BLK_S_IOERR;
    uint64_t off = r->sector * VIRTIO_BLK_SECTOR;
    if (r->type == VIRTIO_BLK_T_IN)
        io_uring_prep_readv(sqe, b->fd, r->iov, r->niov, off);
    else if (r->type == VIRTIO_BLK_T_OUT)
        io_uring_prep_writev(sqe, b->fd, r->iov, r->niov, off);
    else
        io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data(sqe, r);
    b->inflight++;
    return BLK_ASYNC;
}

static void arm_read(struct blk_backend *b, int fd, uint64_t *buf, void *tag)
{
    struct io_uring_sqe *sqe = get_sqe(b);
    io_uring_prep_read(sqe, fd, buf, sizeof *buf, 0);
    io_uring_sqe_set_data(sqe, tag);
}

/* A short transfer is an error: the sector range was checked against the image. */
static uint8_t result(const struct blk_req *r, int res)
{
    if (res < 0)
        return VIRTIO_BLK_S_IOERR;
    if (r->type != VIRTIO_BLK_T_FLUSH && (uint64_t)res != r->len)
        return VIRTIO_BLK_S_IOERR;
    return VIRTIO_BLK_S_OK;
}

static void *io_thread(void *arg)
{
    static __thread struct blk_req *done[2 * RING_ENTRIES];
    struct blk_backend *b = arg;
    bool stopping = false;
    if (b->thread_start)
        b->thread_start();
    arm_read(b, b->notify_fd, &b->notify_buf, TAG_NOTIFY);
    arm_read(b, b->stop_fd, &b->stop_buf, TAG_STOP);
    while (!stopping || b->inflight > 0) {
        int rc = io_uring_submit_and_wait(&b->ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN) {
            fprintf(stderr, "vmm: disk I/O thread: io_uring: %s\n", strerror(-rc));
            break;
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        int n = 0;
        bool notified = false;
        io_uring_for_each_cqe(&b->ring, head, cqe) {
            void *tag = io_uring_cqe_get_data(cqe);
            seen++;
            if (tag == TAG_NOTIFY) {
                notified = true;
            } else if (tag == TAG_STOP) {
                stopping = true;
            } else {
                struct blk_req *r = tag;
                r->result = result(r, cqe->res);
                done[n++] = r;
                b->inflight--;
            }
        }
        io_uring_cq_advance(&b->ring, seen);
        if (n > 0)
            virtio_blk_complete(b->dev, done, n);
        if (notified && !stopping) {
            virtio_blk_process(b->dev);
            arm_read(b, b->notify_fd, &b->notify_buf, TAG_NOTIFY);
        }
    }
    return NULL;
}

/* io_uring's operations are not system calls: a seccomp filter does not see them. The
 * ring is set up disabled, restricted to the operations this file submits (no open,
 * connect, or anything else a hijacked I/O thread could ask the ring for), then enabled. */
int blk_ring_init(struct io_uring *ring)
{
    static const uint8_t ops[] = { IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_READ,
                                   IORING_OP_FSYNC };
    struct io_uring_restriction res[sizeof ops];
    struct io_uring_params p = { .flags = IORING_SETUP_R_DISABLED };
    int rc = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < sizeof ops; i++)
        res[i] = (struct io_uring_restriction){ .opcode = IORING_RESTRICTION_SQE_OP,
                                                .sqe_op = ops[i] };
    /* The system call itself: Debian's liburing 2.3 declares the two helpers but does not
     * export them. */
    if (syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_RESTRICTIONS, res,
                sizeof ops) < 0 ||
        syscall(__NR_io_uring_register, ring->ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0) {
        rc = -errno;
        io_uring_queue_exit(ring);
    }
    return rc;
}

int blk_backend_start(struct blk_backend *b, struct virtio_blk *dev, int notify_fd)
{
    int rc = blk_ring_init(&b->ring);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    b->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (b->stop_fd < 0) {
        io_uring_queue_exit(&b->ring);
        return -1;
    }
    b->dev = dev;
    b->notify_fd = notify_fd;
    b->started = true;
    if ((rc = pthread_create(&b->thread, NULL, io_thread, b)) != 0) {
        b->started = false;
        close(b->stop_fd);
        io_uring_queue_exit(&b->ring);
        errno = rc;
        return -1;
    }
    return 0;
}

void blk_backend_stop(struct blk_backend *b)
{
    if (!b->started)
        return;
    uint64_t one = 1;
    (void)!write(b->stop_fd, &one, sizeof one);
    pthread_join(b->thread, NULL);
    io_uring_queue_exit(&b->ring);
    close(b->stop_fd);
    b->stop_fd = -1;
    b->started = false;
}
