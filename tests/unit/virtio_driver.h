/* A fake virtio driver for device tests: it talks to a virtio-mmio transport through its
 * bus handler, as a guest's MMIO accesses would, and builds split virtqueues and
 * virtio-blk requests in a buffer posing as guest RAM. */
#ifndef TESTS_UNIT_VIRTIO_DRIVER_H
#define TESTS_UNIT_VIRTIO_DRIVER_H
#include <stdbool.h>
#include <stdint.h>
#include "devices/virtio_mmio.h"

#define VDRV_DESC   0x1000
#define VDRV_AVAIL  0x3000
#define VDRV_USED   0x4000
#define VDRV_TABLES 0x8000    /* indirect tables, 16 of 2 KiB */
#define VDRV_HEAP   0x10000   /* headers, data and status bytes */

struct vdrv {
    struct guest_mem mem;
    struct virtio_mmio *t;
    uint16_t num;
    uint16_t avail_idx;
    uint16_t next_desc;
    uint16_t next_table;
    uint64_t heap;
};

/* One buffer of a chain. */
struct vbuf {
    uint64_t gpa;
    uint32_t len;
    bool write;
};

/* Start over: zero the RAM, forget every allocation. */
void vdrv_init(struct vdrv *d, uint8_t *ram, uint64_t size, struct virtio_mmio *t);
uint32_t vdrv_rd(struct vdrv *d, uint64_t off);
void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v);
/* The initialization of 3.1.1 with queue 0 of `num` entries at VDRV_DESC/AVAIL/USED;
 * returns the status read back at the end. */
uint32_t vdrv_setup(struct vdrv *d, uint64_t features, uint16_t num);
/* Zeroed guest memory, 16-aligned. */
uint64_t vdrv_alloc(struct vdrv *d, uint64_t len);
/* Write a chain of n buffers into the descriptor table (or an indirect table). */
uint16_t vdrv_chain(struct vdrv *d, const struct vbuf *b, int n);
uint16_t vdrv_chain_indirect(struct vdrv *d, const struct vbuf *b, int n);
/* Make a chain available; notify through QueueNotify. */
void vdrv_publish(struct vdrv *d, uint16_t head);
void vdrv_notify(struct vdrv *d);
uint16_t vdrv_used_idx(struct vdrv *d);
/* Used ring entry i: the chain's head and the bytes written. */
void vdrv_used(struct vdrv *d, uint16_t i, uint32_t *id, uint32_t *len);
/* A block request in three buffers (header, data, status). Returns the head; *status
 * points at the status byte (preset to 0xff). */
uint16_t vdrv_blk(struct vdrv *d, uint32_t type, uint64_t sector, uint64_t data_gpa,
                  uint32_t len, uint8_t **status);
void *vdrv_hva(struct vdrv *d, uint64_t gpa);

#endif
