/* The virtio-blk device model (virtio 1.x, 5.2): config space, and the translation of
 * descriptor chains into block requests that a backend (devices/blk_backend.h) executes. */
#ifndef DEVICES_VIRTIO_BLK_H
#define DEVICES_VIRTIO_BLK_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include "devices/virtio_mmio.h"

#define VIRTIO_ID_BLOCK 2

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_SECTOR   512
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_SIZE_MAX (1U << 20)           /* config size_max: bytes per segment */
#define VIRTIO_BLK_SEG_MAX  (VIRTQ_SEG_MAX - 2)  /* config seg_max: header and status aside */

/* Config space offsets (struct virtio_blk_config, little-endian). */
#define VIRTIO_BLK_CFG_CAPACITY 0    /* u64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8    /* u32 */
#define VIRTIO_BLK_CFG_SEG_MAX  12   /* u32 */
#define VIRTIO_BLK_CFG_BLK_SIZE 20   /* u32 */
#define VIRTIO_BLK_CFG_BYTES    36

/* One request, parsed and checked: what the backend needs and where the answer goes. */
struct blk_req {
    uint32_t type;               /* VIRTIO_BLK_T_IN, _OUT or _FLUSH */
    uint64_t sector;
    struct iovec iov[VIRTQ_SEG_MAX];   /* the data, in guest RAM */
    int niov;
    uint64_t len;                /* data bytes, a multiple of 512 */
    uint8_t result;              /* VIRTIO_BLK_S_*, set by the backend */
    /* The device's own bookkeeping. */
    uint8_t *status;             /* the status byte in guest RAM */
    uint16_t head;
    uint32_t written;            /* used.len: bytes the device wrote into the chain */
    struct blk_req *next_free;
};

/* What a backend's submit returns besides a status (which means: done synchronously). */
#define BLK_ASYNC (-1)   /* in flight: the backend calls virtio_blk_complete later */
#define BLK_LOST  (-2)   /* the power was cut: this request never completes */

typedef int (*blk_submit_fn)(void *ctx, struct blk_req *r);

struct virtio_blk {
    struct virtio_mmio t;
    uint8_t config[VIRTIO_BLK_CFG_BYTES];
    uint64_t capacity;           /* sectors */
    bool ro;
    char id[VIRTIO_BLK_ID_BYTES];
    blk_submit_fn submit;
    void *submit_ctx;
    int notify_fd;               /* QueueNotify by MMIO exit: write this eventfd; -1: process inline */
    struct blk_req *pool, *free;
    bool starved;                /* stopped taking chains: every request slot is in flight */
    struct virtq_chain chain;    /* scratch for virtq_pop */
};

/* Set up the device for a disk of `capacity` sectors; id is its GET_ID string (truncated
 * to 20 bytes). 0, or -1 with errno. */
int virtio_blk_init(struct virtio_blk *b, const struct guest_mem *mem, uint64_t capacity,
                    bool ro, const char *id, struct irq_line irq, blk_submit_fn submit, void *ctx);
void virtio_blk_destroy(struct virtio_blk *b);

/* Take every available chain off the queue and submit it (called on the device's I/O
 * thread when the queue is notified). */
void virtio_blk_process(struct virtio_blk *b);
/* Answer n requests finished by the backend (each with its result set), then interrupt
 * the driver once if it asked for it. */
void virtio_blk_complete(struct virtio_blk *b, struct blk_req **reqs, int n);
/* The power was cut: stop everything, answer nothing more. */
void virtio_blk_halt(struct virtio_blk *b);

#endif
