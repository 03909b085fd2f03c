/* The virtio-mmio transport (virtio 1.x, 4.2, register layout version 2): the registers a
 * driver uses to negotiate features, walk the device status, set up queues, read config
 * space and acknowledge interrupts. Device models (virtio-blk) sit on top through
 * struct virtio_dev_ops. */
#ifndef DEVICES_VIRTIO_MMIO_H
#define DEVICES_VIRTIO_MMIO_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "devices/irq.h"
#include "devices/virtqueue.h"
#include "memory/guest_mem.h"

/* Registers (byte offsets; all 32-bit accesses). */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000
#define VIRTIO_MMIO_VERSION             0x004
#define VIRTIO_MMIO_DEVICE_ID           0x008
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100

#define VIRTIO_MMIO_MAGIC    0x74726976U   /* "virt" */
#define VIRTIO_MMIO_VENDOR   0x4d564d4dU   /* "MMVM", as the control port's magic */
#define VIRTIO_MMIO_SIZE     0x200         /* one slot: registers + config space */

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE        1
#define VIRTIO_STATUS_DRIVER             2
#define VIRTIO_STATUS_DRIVER_OK          4
#define VIRTIO_STATUS_FEATURES_OK        8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED             128

/* Transport feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC  28
#define VIRTIO_F_EVENT_IDX      29
#define VIRTIO_F_VERSION_1      32

/* InterruptStatus bits. */
#define VIRTIO_INT_USED_BUFFER   1
#define VIRTIO_INT_CONFIG_CHANGE 2

#define VIRTIO_MMIO_QUEUES_MAX 2

struct virtio_dev_ops {
    /* Config space access at [off, off + len), len 1, 2, 4 or 8; lock held. Reads beyond
     * the device's config return zeros; writes to read-only fields are ignored. */
    void (*config_read)(void *dev, uint32_t off, uint8_t *data, uint32_t len);
    void (*config_write)(void *dev, uint32_t off, const uint8_t *data, uint32_t len);
    /* The driver wrote QueueNotify and no ioeventfd caught it; lock NOT held. */
    void (*notify)(void *dev, uint32_t queue);
    /* Forget device state at reset; lock held, no request in flight. */
    void (*reset)(void *dev);
};

struct virtio_mmio {
    pthread_mutex_t lock;          /* guards everything below */
    pthread_cond_t idle;           /* signalled when inflight drops to 0 */
    const struct guest_mem *mem;
    uint32_t device_id;
    uint64_t device_features;
    uint64_t driver_features;
    uint32_t device_features_sel, driver_features_sel, queue_sel;
    uint32_t status;
    uint32_t interrupt_status;
    uint32_t config_generation;
    int nqueues;
    struct virtq queues[VIRTIO_MMIO_QUEUES_MAX];
    int inflight;                  /* chains popped and not yet pushed back */
    bool halted;                   /* the machine lost power: do nothing more */
    struct irq_line irq;           /* pulsed for each interrupt (an irqfd in the VMM) */
    uint64_t interrupts;           /* how many were sent */
    const struct virtio_dev_ops *ops;
    void *dev;
};

/* Set up a transport in its reset state; irq is its interrupt (in the VMM an irqfd, so
 * that the I/O thread raises it without a vCPU; tests read the eventfd). 0, or -1 with
 * errno. */
int virtio_mmio_init(struct virtio_mmio *t, const struct guest_mem *mem, uint32_t device_id,
                     uint64_t features, int nqueues, struct irq_line irq,
                     const struct virtio_dev_ops *ops, void *dev);
void virtio_mmio_destroy(struct virtio_mmio *t);

/* The bus handler for the slot (devices/bus.h); runs on vCPU threads. */
void virtio_mmio_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);

/* The rest is for device models, with t->lock held. */
/* DRIVER_OK set, neither FAILED nor DEVICE_NEEDS_RESET, not halted. */
bool virtio_mmio_running(const struct virtio_mmio *t);
/* Set InterruptStatus bits and send an interrupt. */
void virtio_mmio_interrupt(struct virtio_mmio *t, uint32_t bits);
/* The driver broke the protocol: set DEVICE_NEEDS_RESET, tell it (config change) if
 * DRIVER_OK, and stop processing queues until reset. */
void virtio_mmio_needs_reset(struct virtio_mmio *t);
/* Was feature `bit` negotiated? */
bool virtio_mmio_has(const struct virtio_mmio *t, int bit);

#endif
