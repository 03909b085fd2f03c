/* The virtio-blk driver: finds the disks, and runs IN, OUT, FLUSH and GET_ID requests
 * with many in flight per disk. A request is three buffers (header, data, status) behind
 * one indirect descriptor; the data buffer is the caller's (a buffer-cache page), so the
 * device DMAs straight where the data is wanted and the kernel copies nothing. A caller
 * starts requests, then sleeps until each completes (the interrupt wakes it). */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"
#include "guest/kernel/virtio.h"

#define BLK_F_SIZE_MAX 1
#define BLK_F_SEG_MAX  2
#define BLK_F_RO       5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH    9

#define NDISK 8
#define NREQ  32                 /* requests in flight per disk */

struct blkreq {
    struct { uint32_t type, reserved; uint64_t sector; } hdr;
    struct vq_desc table[3] __attribute__((aligned(16)));
    volatile uint8_t status;
    volatile bool done;
    bool busy;
    bool waiting;                /* its owner sleeps on it: the interrupt must wake it */
};

struct blkdev {
    struct virtio_dev vd;
    uint64_t sectors;
    uint32_t size_max;
    bool ro, flush;
    int slot_waiters;            /* sleepers waiting for a free slot or ring room */
    struct blkreq req[NREQ];
};

static struct blkdev disks[NDISK];
static int ndisks = -1;
static struct spinlock probe_lock = { 0, -1 };

/* Interrupt side (d->lock held): the request is done; its owner may be asleep on it. */
static void blk_complete(struct virtio_dev *d, void *cookie, uint32_t len)
{
    struct blkreq *r = cookie;
    r->done = true;
    if (r->waiting)
        wakeup(r);
}

/* Reads the disk's configuration; false if it cannot be used. */
static bool blk_init(struct blkdev *b)
{
    uint64_t want = 1ULL << BLK_F_SIZE_MAX | 1ULL << BLK_F_SEG_MAX | 1ULL << BLK_F_RO |
                    1ULL << BLK_F_BLK_SIZE | 1ULL << BLK_F_FLUSH;
    b->vd.complete = blk_complete;
    if (virtio_start(&b->vd, want) < 0)
        return false;
    b->sectors = virtio_config64(&b->vd, 0);
    b->size_max = (b->vd.features & (1ULL << BLK_F_SIZE_MAX)) ? virtio_config32(&b->vd, 8) : 0;
    if (b->size_max == 0 || b->size_max > (1u << 20))
        b->size_max = 1u << 20;
    b->ro = b->vd.features & (1ULL << BLK_F_RO);
    b->flush = b->vd.features & (1ULL << BLK_F_FLUSH);
    return true;
}

int blk_count(void)
{
    acquire(&probe_lock, mycpu()->id);
    if (ndisks < 0) {
        int n = 0;
        for (int i = 0; n < NDISK && virtio_find(VIRTIO_ID_BLOCK, i, &disks[n].vd); i++)
            if (blk_init(&disks[n]))
                n++;
        ndisks = n;
    }
    release(&probe_lock);
    return ndisks;
}

struct blkdev *blk_get(int i)
{
    return i >= 0 && i < blk_count() ? &disks[i] : NULL;
}

uint64_t blk_sectors(struct blkdev *b) { return b->sectors; }
bool blk_readonly(struct blkdev *b) { return b->ro; }

/* Waits for the interrupt with d->lock held: asleep if there is a process to put to sleep,
 * else (boot, or a killed process whose sleeps return at once) halting until it comes. */
static void blk_wait(struct blkdev *b, void *chan)
{
    struct proc *p = myproc();
    if (p && !p->killed) {
        sleep_on(chan, &b->vd.lock);
        return;
    }
    release(&b->vd.lock);
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    acquire(&b->vd.lock, mycpu()->id);
}

/* A free request slot (d->lock held), waiting for one if all are in flight. */
static struct blkreq *slot_get(struct blkdev *b)
{
    for (;;) {
        for (struct blkreq *r = b->req; r < b->req + NREQ; r++)
            if (!r->busy) {
                r->busy = true;
                r->done = r->waiting = false;
                return r;
            }
        b->slot_waiters++;
        blk_wait(b, b->req);
        b->slot_waiters--;
    }
}

struct blkreq *blk_start(struct blkdev *b, int type, uint64_t sector, void *buf, uint32_t len)
{
    bool data = type == BLK_T_IN || type == BLK_T_OUT;
    if (data && (len == 0 || len % 512 || len > b->size_max || sector > b->sectors ||
                 len / 512 > b->sectors - sector))
        return NULL;
    if (type == BLK_T_FLUSH && (!b->flush || len))
        return NULL;
    if (type == BLK_T_GET_ID && len != 20)
        return NULL;
    acquire(&b->vd.lock, mycpu()->id);
    struct blkreq *r = slot_get(b);
    r->hdr.type = type;
    r->hdr.reserved = 0;
    r->hdr.sector = sector;
    r->status = 0xff;
    struct vq_seg segs[3];
    int n = 0;
    segs[n++] = (struct vq_seg){ kva2pa(&r->hdr), sizeof r->hdr, false };
    if (len)
        segs[n++] = (struct vq_seg){ kva2pa(buf), len, type != BLK_T_OUT };
    segs[n++] = (struct vq_seg){ kva2pa((void *)&r->status), 1, true };
    while (!vq_add(&b->vd, segs, n, r->table, r)) {
        b->slot_waiters++;
        blk_wait(b, b->req);
        b->slot_waiters--;
    }
    vq_kick(&b->vd);
    release(&b->vd.lock);
    return r;
}

int blk_finish(struct blkdev *b, struct blkreq *r)
{
    acquire(&b->vd.lock, mycpu()->id);
    while (!r->done) {
        r->waiting = true;
        blk_wait(b, r);
    }
    int err = r->status == 0 ? 0 : -EIO;
    r->busy = false;
    bool wake = b->slot_waiters > 0;
    release(&b->vd.lock);
    if (wake)
        wakeup(b->req);
    return err;
}

int blk_rw(struct blkdev *b, int type, uint64_t sector, void *buf, uint32_t len)
{
    if (type == BLK_T_FLUSH && !b->flush)
        return 0;                /* no write cache to flush */
    struct blkreq *r = blk_start(b, type, sector, buf, len);
    return r ? blk_finish(b, r) : -EINVAL;
}
