/* A fake virtio driver for device tests: MMIO register accesses through the transport's
 * bus handler, split virtqueues and virtio-blk requests built in a buffer of "guest RAM". */
#include <string.h>

#include "devices/virtio_blk.h"
#include "tests/unit/virtio_driver.h"

void vdrv_init(struct vdrv *d, uint8_t *ram, uint64_t size, struct virtio_mmio *t)
{
    memset(ram, 0, size);
    *d = (struct vdrv){ .mem = { ram, size }, .t = t, .heap = VDRV_HEAP };
}

uint32_t vdrv_rd(struct vdrv *d, uint64_t off)
{
    uint32_t v;
    virtio_mmio_io(d->t, off, (uint8_t *)&v, 4, false);
    return v;
}

void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v)
{
    virtio_mmio_io(d->t, off, (uint8_t *)&v, 4, true);
}

uint32_t vdrv_setup(struct vdrv *d, uint64_t features, uint16_t num)
{
    vdrv_wr(d, VIRTIO_MMIO_STATUS, 0);
    vdrv_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    vdrv_wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    for (uint32_t sel = 0; sel < 2; sel++) {
        vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
        vdrv_wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> (32 * sel)));
    }
    uint32_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    vdrv_wr(d, VIRTIO_MMIO_STATUS, s);
    if (!(vdrv_rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
        return vdrv_rd(d, VIRTIO_MMIO_STATUS);
    d->num = num;
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_NUM, num);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, VDRV_DESC);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, VDRV_AVAIL);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VDRV_USED);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    vdrv_wr(d, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_DRIVER_OK);
    return vdrv_rd(d, VIRTIO_MMIO_STATUS);
}

void *vdrv_hva(struct vdrv *d, uint64_t gpa)
{
    return d->mem.hva + gpa;
}

uint64_t vdrv_alloc(struct vdrv *d, uint64_t len)
{
    uint64_t gpa = d->heap;
    d->heap = (d->heap + len + 15) & ~15ULL;
    memset(vdrv_hva(d, gpa), 0, len);
    return gpa;
}

static void put_desc(uint8_t *table, int i, const struct vbuf *b, uint16_t flags, uint16_t next)
{
    struct virtq_desc desc = { b->gpa, b->len,
                               (uint16_t)(flags | (b->write ? VIRTQ_DESC_F_WRITE : 0)), next };
    memcpy(table + 16 * i, &desc, sizeof desc);
}

uint16_t vdrv_chain(struct vdrv *d, const struct vbuf *b, int n)
{
    uint8_t *table = vdrv_hva(d, VDRV_DESC);
    uint16_t head = d->next_desc % d->num;
    for (int i = 0; i < n; i++) {
        uint16_t me = d->next_desc++ % d->num, next = d->next_desc % d->num;
        put_desc(table, me, &b[i], i + 1 < n ? VIRTQ_DESC_F_NEXT : 0, next);
    }
    return head;
}

uint16_t vdrv_chain_indirect(struct vdrv *d, const struct vbuf *b, int n)
{
    uint64_t gpa = VDRV_TABLES + 2048 * (d->next_table++ % 16);
    for (int i = 0; i < n; i++)
        put_desc(vdrv_hva(d, gpa), i, &b[i], i + 1 < n ? VIRTQ_DESC_F_NEXT : 0, i + 1);
    struct vbuf ind = { gpa, 16 * n, false };
    uint16_t head = d->next_desc++ % d->num;
    put_desc(vdrv_hva(d, VDRV_DESC), head, &ind, VIRTQ_DESC_F_INDIRECT, 0);
    return head;
}

void vdrv_publish(struct vdrv *d, uint16_t head)
{
    uint16_t *avail = vdrv_hva(d, VDRV_AVAIL);
    avail[2 + d->avail_idx % d->num] = head;
    __atomic_store_n(&avail[1], ++d->avail_idx, __ATOMIC_RELEASE);
}

void vdrv_notify(struct vdrv *d)
{
    vdrv_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

uint16_t vdrv_used_idx(struct vdrv *d)
{
    return __atomic_load_n((uint16_t *)vdrv_hva(d, VDRV_USED) + 1, __ATOMIC_ACQUIRE);
}

void vdrv_used(struct vdrv *d, uint16_t i, uint32_t *id, uint32_t *len)
{
    uint32_t *e = vdrv_hva(d, VDRV_USED + 4 + 8 * (i % d->num));
    *id = e[0];
    *len = e[1];
}

uint16_t vdrv_blk(struct vdrv *d, uint32_t type, uint64_t sector, uint64_t data_gpa,
                  uint32_t len, uint8_t **status)
{
    uint64_t hdr = vdrv_alloc(d, 16), st = vdrv_alloc(d, 1);
    memcpy(vdrv_hva(d, hdr), &type, 4);
    memcpy((uint8_t *)vdrv_hva(d, hdr) + 8, &sector, 8);
    *status = vdrv_hva(d, st);
    **status = 0xff;
    bool device_writes = type != VIRTIO_BLK_T_OUT;
    struct vbuf b[3] = { { hdr, 16, false }, { data_gpa, len, device_writes }, { st, 1, true } };
    if (len == 0) {
        b[1] = b[2];
        return vdrv_chain(d, b, 2);
    }
    return vdrv_chain(d, b, 3);
}
