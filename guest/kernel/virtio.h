/* The virtio-mmio transport and split virtqueues as the guest's device drivers use them
 * (virtio.c), and the virtio-blk driver's interface (virtio_blk.c). */
#ifndef GUEST_KERNEL_VIRTIO_H
#define GUEST_KERNEL_VIRTIO_H
#include "guest/kernel/kernel.h"
#include "guest/kernel/spinlock.h"

/* Device types (virtio 1.2 section 5). */
#define VIRTIO_ID_BLOCK 2

/* Feature bits. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

/* A split-virtqueue descriptor; also the entry of an indirect table. */
struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VQ_DESC_F_NEXT     1
#define VQ_DESC_F_WRITE    2
#define VQ_DESC_F_INDIRECT 4

#define VQ_SIZE 128       /* ring entries: desc, avail and used rings fit one page */

/* A buffer of a request: physical address, length, whether the device writes it. */
struct vq_seg {
    uint64_t pa;
    uint32_t len;
    bool write;
};

/* Queue 0 of a device, driver side. Guarded by the device's lock. */
struct virtq {
    uint16_t num;
    volatile struct vq_desc *desc;
    volatile uint16_t *avail;          /* flags, idx, ring[num], used_event */
    volatile uint8_t *used;            /* flags, idx, ring[num] of {id, len}, avail_event */
    uint16_t free_head, nfree;
    uint16_t last_used;                /* next used entry the driver consumes */
    uint16_t avail_idx;                /* the driver's copy of avail->idx */
    uint16_t kicked_idx;               /* avail_idx at the last notify decision */
    uint16_t ndesc[VQ_SIZE];           /* descriptors the chain at this head holds */
    void *cookie[VQ_SIZE];             /* the driver's request at this head */
};

struct virtio_dev {
    volatile uint8_t *regs;
    int irq;
    uint32_t irq_flags;
    uint32_t device_id;
    uint64_t features;                 /* negotiated */
    bool indirect, event_idx;
    struct virtq vq;
    struct spinlock lock;
    /* Called from the interrupt with lock held, for each completed request. */
    void (*complete)(struct virtio_dev *d, void *cookie, uint32_t len);
};

/* Physical address of a kernel address (image or direct map). */
static inline uint64_t kva2pa(const void *va)
{
    uint64_t a = (uint64_t)va;
    return a >= KERNBASE ? a - KERNBASE : a - DIRECTMAP;
}

/* Finds the idx-th device tree "virtio,mmio" node with a device of type id (0, 1, ...),
 * resets it and fills d. false if there is none. */
bool virtio_find(uint32_t id, int idx, struct virtio_dev *d);
/* Negotiates: VERSION_1 is required, INDIRECT_DESC and EVENT_IDX are taken if offered,
 * plus whichever bits of want the device offers. Sets up queue 0, routes the interrupt
 * and sets DRIVER_OK. 0, or -1 if the device refuses (it is left FAILED). */
int virtio_start(struct virtio_dev *d, uint64_t want);
uint32_t virtio_config32(struct virtio_dev *d, uint32_t off);
uint64_t virtio_config64(struct virtio_dev *d, uint32_t off);

/* With d->lock held: adds a request of n segments (device-readable first); a table of n
 * entries for an indirect descriptor may be given (used if negotiated). Returns false if
 * the ring is full. vq_kick tells the device, if it wants to be told. */
bool vq_add(struct virtio_dev *d, const struct vq_seg *segs, int n,
            struct vq_desc *table, void *cookie);
void vq_kick(struct virtio_dev *d);

/* ---- virtio-blk (virtio_blk.c) ---- */
#define BLK_T_IN     0
#define BLK_T_OUT    1
#define BLK_T_FLUSH  4
#define BLK_T_GET_ID 8

struct blkdev;
struct blkreq;
int blk_count(void);                   /* probes the disks on the first call */
struct blkdev *blk_get(int i);         /* disk i in device-tree order, or NULL */
uint64_t blk_sectors(struct blkdev *b);
bool blk_readonly(struct blkdev *b);
/* Starts a request on buf (len bytes, a multiple of 512, physically contiguous: inside one
 * page, or the kernel image); may sleep for a free slot. NULL if the request is invalid. */
struct blkreq *blk_start(struct blkdev *b, int type, uint64_t sector, void *buf, uint32_t len);
/* Waits for r (sleeping, or halting before the first process runs) and frees it.
 * 0 or -EIO. */
int blk_finish(struct blkdev *b, struct blkreq *r);
/* blk_start then blk_finish; -EINVAL for a bad request. */
int blk_rw(struct blkdev *b, int type, uint64_t sector, void *buf, uint32_t len);

#endif
