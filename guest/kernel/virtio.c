/* The virtio-mmio transport (virtio 1.x, register layout version 2) and split virtqueues,
 * driver side: probing the device tree's "virtio,mmio" nodes, feature negotiation, queue
 * setup, adding requests (through indirect tables when the device takes them), notifying
 * the device only when it asks (event index), and the interrupt handler that hands each
 * completed request back to its driver.
 *
 * Every kernel instruction is emulated on the development host, so the paths stay short:
 * one page holds the whole ring, a request is one descriptor plus its indirect table, and
 * with event index the device is notified once per batch and interrupts once per batch. */
#include "guest/kernel/virtio.h"

/* Register offsets. */
#define R_MAGIC        0x000
#define R_VERSION      0x004
#define R_DEVICE_ID    0x008
#define R_DEV_FEAT     0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL    0x030
#define R_QUEUE_NUMMAX 0x034
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS   0x060
#define R_INT_ACK      0x064
#define R_STATUS       0x070
#define R_DESC_LO      0x080
#define R_DESC_HI      0x084
#define R_AVAIL_LO     0x090
#define R_AVAIL_HI     0x094
#define R_USED_LO      0x0a0
#define R_USED_HI      0x0a4
#define R_CONFIG_GEN   0x0fc
#define R_CONFIG       0x100

#define S_ACKNOWLEDGE  1
#define S_DRIVER       2
#define S_DRIVER_OK    4
#define S_FEATURES_OK  8
#define S_FAILED       128

#define VIRTIO_MAGIC   0x74726976u     /* "virt" */
#define USED_F_NO_NOTIFY 1

#define MAXDEV 8
static struct virtio_dev *by_vector[256];

static uint32_t rd(struct virtio_dev *d, uint32_t off)
{
    return *(volatile uint32_t *)(d->regs + off);
}

static void wr(struct virtio_dev *d, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(d->regs + off) = v;
}

static inline void mb(void) { __asm__ volatile("mfence" ::: "memory"); }
static inline void cb(void) { __asm__ volatile("" ::: "memory"); }

bool virtio_find(uint32_t id, int idx, struct virtio_dev *d)
{
    struct fdt_dev n;
    for (int i = 0; fdt_find("virtio,mmio", i, &n); i++) {
        if (n.io || n.size < 0x200 || n.irq < 0 || n.irq > 23)
            continue;
        volatile uint8_t *regs = kmap_mmio(n.addr, n.size);
        *d = (struct virtio_dev){ .regs = regs, .irq = n.irq, .irq_flags = n.irq_flags,
                                  .lock = { 0, -1 } };
        if (rd(d, R_MAGIC) != VIRTIO_MAGIC || rd(d, R_VERSION) != 2 ||
            rd(d, R_DEVICE_ID) != id || idx-- > 0)
            continue;
        d->device_id = id;
        wr(d, R_STATUS, 0);
        return true;
    }
    return false;
}

uint32_t virtio_config32(struct virtio_dev *d, uint32_t off)
{
    return rd(d, R_CONFIG + off);
}

/* Both halves from one configuration generation. */
uint64_t virtio_config64(struct virtio_dev *d, uint32_t off)
{
    uint32_t gen, lo, hi;
    do {
        gen = rd(d, R_CONFIG_GEN);
        lo = rd(d, R_CONFIG + off);
        hi = rd(d, R_CONFIG + off + 4);
    } while (rd(d, R_CONFIG_GEN) != gen);
    return (uint64_t)hi << 32 | lo;
}

/* Offers the driver's features; true if the device accepts them (FEATURES_OK sticks). */
static bool negotiate(struct virtio_dev *d, uint64_t want)
{
    wr(d, R_DEV_FEAT_SEL, 0);
    uint64_t dev = rd(d, R_DEV_FEAT);
    wr(d, R_DEV_FEAT_SEL, 1);
    dev |= (uint64_t)rd(d, R_DEV_FEAT) << 32;
    if (!(dev & (1ULL << VIRTIO_F_VERSION_1)))
        return false;
    want |= 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_INDIRECT_DESC |
            1ULL << VIRTIO_F_EVENT_IDX;
    d->features = dev & want;
    d->indirect = d->features & (1ULL << VIRTIO_F_INDIRECT_DESC);
    d->event_idx = d->features & (1ULL << VIRTIO_F_EVENT_IDX);
    wr(d, R_DRV_FEAT_SEL, 0);
    wr(d, R_DRV_FEAT, (uint32_t)d->features);
    wr(d, R_DRV_FEAT_SEL, 1);
    wr(d, R_DRV_FEAT, (uint32_t)(d->features >> 32));
    wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
    return rd(d, R_STATUS) & S_FEATURES_OK;
}

/* Queue 0 in one page: descriptors at 0, available ring at 2048, used ring at 2560. */
static bool queue_setup(struct virtio_dev *d)
{
    struct virtq *q = &d->vq;
    wr(d, R_QUEUE_SEL, 0);
    uint32_t max = rd(d, R_QUEUE_NUMMAX);
    if (max == 0 || rd(d, R_QUEUE_READY))
        return false;
    uint16_t num = VQ_SIZE;
    while (num > max)
        num >>= 1;
    uint8_t *page = kalloc();
    if (!page)
        return false;
    q->num = num;
    q->desc = (volatile struct vq_desc *)page;
    q->avail = (volatile uint16_t *)(page + 2048);
    q->used = page + 2560;
    for (uint16_t i = 0; i < num; i++)
        q->desc[i].next = i + 1;
    q->free_head = 0;
    q->nfree = num;
    uint64_t pa = kva2pa(page);
    wr(d, R_QUEUE_NUM, num);
    wr(d, R_DESC_LO, (uint32_t)pa);
    wr(d, R_DESC_HI, (uint32_t)(pa >> 32));
    wr(d, R_AVAIL_LO, (uint32_t)(pa + 2048));
    wr(d, R_AVAIL_HI, (uint32_t)((pa + 2048) >> 32));
    wr(d, R_USED_LO, (uint32_t)(pa + 2560));
    wr(d, R_USED_HI, (uint32_t)((pa + 2560) >> 32));
    wr(d, R_QUEUE_READY, 1);
    return rd(d, R_QUEUE_READY) == 1;
}

static volatile uint16_t *used_idx(struct virtq *q) { return (volatile uint16_t *)(q->used + 2); }
static volatile uint16_t *avail_event(struct virtq *q)
{
    return (volatile uint16_t *)(q->used + 4 + 8 * q->num);
}

/* Puts the descriptors of the chain at head back on the free list. */
static void free_chain(struct virtq *q, uint16_t head)
{
    uint16_t last = head;
    for (int i = 1; i < q->ndesc[head]; i++)
        last = q->desc[last].next;
    q->desc[last].next = q->free_head;
    q->free_head = head;
    q->nfree += q->ndesc[head];
}

/* Consumes the used ring; with event index, asks for an interrupt at the next entry and
 * looks again, so an entry added meanwhile is not left without an interrupt. */
static void drain(struct virtio_dev *d)
{
    struct virtq *q = &d->vq;
    for (;;) {
        while (q->last_used != *used_idx(q)) {
            cb();
            volatile uint32_t *e = (volatile uint32_t *)(q->used + 4 + 8 * (q->last_used % q->num));
            uint32_t id = e[0], len = e[1];
            q->last_used++;
            if (id >= q->num || !q->cookie[id])
                panic("virtio: device returned descriptor %u it does not own", id);
            void *cookie = q->cookie[id];
            q->cookie[id] = NULL;
            free_chain(q, (uint16_t)id);
            d->complete(d, cookie, len);
        }
        if (!d->event_idx)
            return;
        q->avail[2 + q->num] = q->last_used;      /* used_event */
        mb();
        if (q->last_used == *used_idx(q))
            return;
    }
}

static void virtio_intr(struct trapframe *tf)
{
    struct virtio_dev *d = by_vector[tf->vector];
    if (d) {
        acquire(&d->lock, mycpu()->id);
        uint32_t isr = rd(d, R_INT_STATUS);
        wr(d, R_INT_ACK, isr);
        drain(d);
        release(&d->lock);
    }
    lapic_eoi();
}

int virtio_start(struct virtio_dev *d, uint64_t want)
{
    wr(d, R_STATUS, 0);
    wr(d, R_STATUS, S_ACKNOWLEDGE);
    wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
    if (!negotiate(d, want) || !queue_setup(d)) {
        wr(d, R_STATUS, rd(d, R_STATUS) | S_FAILED);
        return -1;
    }
    int vec = T_IRQ0 + d->irq;
    by_vector[vec] = d;
    trap_register(vec, virtio_intr);
    ioapic_enable(d->irq, d->irq_flags, 0);
    wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return 0;
}

bool vq_add(struct virtio_dev *d, const struct vq_seg *segs, int n,
            struct vq_desc *table, void *cookie)
{
    struct virtq *q = &d->vq;
    bool ind = table && d->indirect && n > 1;
    int need = ind ? 1 : n;
    if (q->nfree < need)
        return false;
    uint16_t head = q->free_head, i = head;
    if (ind) {
        for (int k = 0; k < n; k++)
            table[k] = (struct vq_desc){ segs[k].pa, segs[k].len,
                                         (uint16_t)((segs[k].write ? VQ_DESC_F_WRITE : 0) |
                                                    (k + 1 < n ? VQ_DESC_F_NEXT : 0)),
                                         (uint16_t)(k + 1) };
        q->free_head = q->desc[head].next;
        q->desc[head].addr = kva2pa(table);
        q->desc[head].len = n * sizeof *table;
        q->desc[head].flags = VQ_DESC_F_INDIRECT;
    } else {
        for (int k = 0; k < n; k++) {
            q->desc[i].addr = segs[k].pa;
            q->desc[i].len = segs[k].len;
            q->desc[i].flags = (segs[k].write ? VQ_DESC_F_WRITE : 0) |
                               (k + 1 < n ? VQ_DESC_F_NEXT : 0);
            if (k + 1 < n)
                i = q->desc[i].next;
        }
        q->free_head = q->desc[i].next;
    }
    q->nfree -= need;
    q->ndesc[head] = (uint16_t)need;
    q->cookie[head] = cookie;
    q->avail[2 + q->avail_idx % q->num] = head;
    cb();
    q->avail[1] = ++q->avail_idx;
    return true;
}

void vq_kick(struct virtio_dev *d)
{
    struct virtq *q = &d->vq;
    uint16_t old = q->kicked_idx, now = q->avail_idx;
    if (old == now)
        return;
    q->kicked_idx = now;
    mb();
    bool notify;
    if (d->event_idx)
        notify = (uint16_t)(now - *avail_event(q) - 1) < (uint16_t)(now - old);
    else
        notify = !(*(volatile uint16_t *)q->used & USED_F_NO_NOTIFY);
    if (notify)
        wr(d, R_QUEUE_NOTIFY, 0);
}
