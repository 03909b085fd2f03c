/* Split virtqueues (virtio 1.x, 2.7) from the device's side: taking descriptor chains off
 * the available ring, with every guest address and length checked, and returning them
 * through the used ring, with event-index notification suppression. */
#ifndef DEVICES_VIRTQUEUE_H
#define DEVICES_VIRTQUEUE_H
#include <stdbool.h>
#include <stdint.h>
#include "memory/guest_mem.h"

#define VIRTQ_DESC_F_NEXT      1
#define VIRTQ_DESC_F_WRITE     2
#define VIRTQ_DESC_F_INDIRECT  4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

#define VIRTQ_NUM_MAX   256   /* the QueueNumMax we offer */
#define VIRTQ_SEG_MAX   128   /* buffers in one chain, indirect tables included */

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

/* One guest buffer of a chain, already translated and bounds-checked. */
struct virtq_seg {
    uint8_t *hva;
    uint32_t len;
    bool write;          /* device-writable */
};

/* A descriptor chain taken off the available ring. Device-readable segments come first. */
struct virtq_chain {
    uint16_t head;
    int nseg;
    int nread;           /* segments [0, nread) are readable, the rest writable */
    struct virtq_seg seg[VIRTQ_SEG_MAX];
};

/* Queue state. The driver-visible setup (num, the three GPAs) is written by the transport;
 * virtq_enable checks it and caches host pointers to the rings. */
struct virtq {
    uint16_t num;
    uint64_t desc_gpa, avail_gpa, used_gpa;
    bool ready;
    bool event_idx;          /* VIRTIO_RING_F_EVENT_IDX negotiated */
    bool indirect;           /* VIRTIO_F_INDIRECT_DESC negotiated */
    /* Cached after virtq_enable. */
    struct virtq_desc *desc;
    uint16_t *avail;         /* flags, idx, ring[num], used_event */
    uint16_t *used;          /* flags, idx, then {u32 id, u32 len}[num], avail_event */
    uint16_t last_avail;     /* next available-ring index to take */
    uint16_t used_idx;       /* our copy of used->idx */
    uint16_t signalled_used; /* used_idx when the driver was last interrupted */
};

/* Check num (a power of two, 1..VIRTQ_NUM_MAX), alignment and that all three rings lie in
 * guest RAM; on success cache their host pointers and start from the driver's indexes.
 * 0, or -1 (the queue stays disabled). */
int virtq_enable(struct virtq *q, const struct guest_mem *m);
/* Forget everything (device reset or queue disable). */
void virtq_reset(struct virtq *q);

/* Take the next available chain into c. 1 if one was taken, 0 if the ring is empty, -1 if
 * the driver broke the ring (bad index, address, length, loop, order, indirect misuse): the
 * device must then ask for a reset. */
int virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c);
/* Put chain `head` on the used ring with `written` bytes written into its buffers. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);
/* After pushes: should the driver be interrupted (used_event or NO_INTERRUPT)? Records
 * the decision so the next call compares against it. */
bool virtq_should_interrupt(struct virtq *q);
/* Ask for a notification at the next available buffer (avail_event or the NO_NOTIFY flag).
 * Returns true if buffers arrived meanwhile, so the caller must pop again. */
bool virtq_arm_notify(struct virtq *q);

#endif
