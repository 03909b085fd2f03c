/* A disk image behind a virtio-blk device: the file, and the I/O thread that takes the
 * queue's notifications and runs requests through io_uring (liburing), many in flight.
 * With power-cut injection (devices/blk_crash.h) requests run one at a time instead. */
#ifndef DEVICES_BLK_BACKEND_H
#define DEVICES_BLK_BACKEND_H
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "devices/blk_crash.h"
#include "devices/virtio_blk.h"

struct blk_backend {
    int fd;
    uint64_t size;                 /* bytes, a multiple of 512 */
    bool ro;
    struct blk_crash crash;
    struct virtio_blk *dev;
    /* The I/O thread (only after blk_backend_start; before it, requests run inline). */
    bool started;
    struct io_uring ring;
    pthread_t thread;
    int notify_fd, stop_fd;
    uint64_t notify_buf, stop_buf;
    int inflight;                  /* submitted to io_uring and not yet completed */
    /* Power-cut bookkeeping: the flag is shared by every disk of the machine, so that
     * after the cut no disk writes anything more. */
    atomic_bool *power_lost;
    void (*on_power_cut)(void *ctx);
    void *cut_ctx;
    /* If set, the I/O thread's first call (the VMM's sandbox). */
    void (*thread_start)(void);
};

/* Open the image (read-only if ro) and check it: a regular file or block device whose size
 * is a non-zero multiple of 512. 0, or -1 with a one-line reason in err (errlen bytes). */
int blk_backend_open(struct blk_backend *b, const char *path, bool ro,
                     const struct blk_crash_opts *crash, char *err, size_t errlen);
/* Close the image, after an fdatasync if it was written (not after a power cut): 0, or -1
 * with errno if that fdatasync failed. */
int blk_backend_close(struct blk_backend *b);

/* The device's blk_submit_fn (ctx is the backend): a status if done at once, BLK_ASYNC
 * if in flight, BLK_LOST if the power is cut. Runs on the I/O thread once started. */
int blk_backend_submit(void *ctx, struct blk_req *r);

/* Start the I/O thread for dev: it processes the queue whenever notify_fd (an eventfd,
 * also the KVM_IOEVENTFD of QueueNotify) is signalled. 0, or -1 with errno. */
int blk_backend_start(struct blk_backend *b, struct virtio_blk *dev, int notify_fd);
/* Stop the I/O thread after the requests in flight have completed. */
void blk_backend_stop(struct blk_backend *b);

/* The I/O thread's ring: io_uring restricted to readv, writev, read and fsync. 0, or a
 * negative errno. (blk_backend_start uses it; public for the tests.) */
int blk_ring_init(struct io_uring *ring);

#endif
