/* The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2). The driver is hostile: every
 * register write is checked against the status state machine (ACKNOWLEDGE -> DRIVER ->
 * FEATURES_OK -> DRIVER_OK; only a reset clears bits), features outside the offer or
 * without VIRTIO_F_VERSION_1 leave FEATURES_OK unset, and a queue is only enabled if its
 * size and ring addresses check out against guest RAM; otherwise DEVICE_NEEDS_RESET. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio_mmio.h"

int virtio_mmio_init(struct virtio_mmio *t, const struct guest_mem *mem, uint32_t device_id,
                     uint64_t features, int nqueues, struct irq_line irq,
                     const struct virtio_dev_ops *ops, void *dev)
{
    if (nqueues < 1 || nqueues > VIRTIO_MMIO_QUEUES_MAX) {
        errno = EINVAL;
        return -1;
    }
    memset(t, 0, sizeof *t);
    if ((errno = pthread_mutex_init(&t->lock, NULL)) != 0)
        return -1;
    if ((errno = pthread_cond_init(&t->idle, NULL)) != 0) {
        pthread_mutex_destroy(&t->lock);
        return -1;
    }
    t->mem = mem;
    t->device_id = device_id;
    t->device_features = features | (1ULL << VIRTIO_F_VERSION_1);
    t->nqueues = nqueues;
    t->irq = irq;
    t->ops = ops;
    t->dev = dev;
    return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
    pthread_cond_destroy(&t->idle);
    pthread_mutex_destroy(&t->lock);
}

bool virtio_mmio_running(const struct virtio_mmio *t)
{
    return !t->halted && (t->status & VIRTIO_STATUS_DRIVER_OK) &&
           !(t->status & (VIRTIO_STATUS_FAILED | VIRTIO_STATUS_DEVICE_NEEDS_RESET));
}

bool virtio_mmio_has(const struct virtio_mmio *t, int bit)
{
    return (t->driver_features >> bit) & 1;
}

void virtio_mmio_interrupt(struct virtio_mmio *t, uint32_t bits)
{
    t->interrupt_status |= bits;
    t->interrupts++;
    irq_pulse(&t->irq);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t)
{
    if (t->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
        return;
    t->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    if (t->status & VIRTIO_STATUS_DRIVER_OK)
        virtio_mmio_interrupt(t, VIRTIO_INT_CONFIG_CHANGE);
}

/* Status 0: wait for requests in flight (their buffers belong to the old driver), then
 * forget everything the driver set up. */
static void reset(struct virtio_mmio *t)
{
    while (t->inflight > 0 && !t->halted)
        pthread_cond_wait(&t->idle, &t->lock);
    if (t->ops->reset)
        t->ops->reset(t->dev);
    for (int i = 0; i < t->nqueues; i++)
        virtq_reset(&t->queues[i]);
    t->driver_features = 0;
    t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
    t->status = 0;
    t->interrupt_status = 0;
}

/* FEATURES_OK is only accepted for a subset of the offer that includes VERSION_1 (legacy
 * drivers are not supported). */
static bool features_ok(const struct virtio_mmio *t)
{
    return (t->driver_features & ~t->device_features) == 0 &&
           virtio_mmio_has(t, VIRTIO_F_VERSION_1);
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
    uint32_t old = t->status;
    if (v == 0) {
        reset(t);
        return;
    }
    v &= 0xff & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;   /* that bit is the device's to set */
    v |= old;                                        /* only a reset clears bits */
    uint32_t added = v & ~old;
    if ((added & VIRTIO_STATUS_DRIVER) && !(v & VIRTIO_STATUS_ACKNOWLEDGE))
        added &= ~VIRTIO_STATUS_DRIVER;
    if ((added & VIRTIO_STATUS_FEATURES_OK) && (!(v & VIRTIO_STATUS_DRIVER) || !features_ok(t)))
        added &= ~VIRTIO_STATUS_FEATURES_OK;
    if ((added & VIRTIO_STATUS_DRIVER_OK) && !((old | added) & VIRTIO_STATUS_FEATURES_OK))
        added &= ~VIRTIO_STATUS_DRIVER_OK;
    t->status = old | added;
}

static struct virtq *selected(struct virtio_mmio *t)
{
    return t->queue_sel < (uint32_t)t->nqueues ? &t->queues[t->queue_sel] : NULL;
}

/* QueueReady 1: only after FEATURES_OK, and only for a queue whose setup checks out. */
static void write_queue_ready(struct virtio_mmio *t, struct virtq *q, uint32_t v)
{
    if (v == 0) {
        while (t->inflight > 0 && !t->halted)
            pthread_cond_wait(&t->idle, &t->lock);
        q->ready = false;
        return;
    }
    if (q->ready || !(t->status & VIRTIO_STATUS_FEATURES_OK))
        return;
    q->event_idx = virtio_mmio_has(t, VIRTIO_F_EVENT_IDX);
    q->indirect = virtio_mmio_has(t, VIRTIO_F_INDIRECT_DESC);
    if (virtq_enable(q, t->mem) < 0)
        virtio_mmio_needs_reset(t);
}

/* Set the low or high half of a 64-bit ring address; only while the queue is disabled. */
static void set_half(uint64_t *gpa, bool high, uint32_t v)
{
    if (high)
        *gpa = (*gpa & 0xffffffffULL) | ((uint64_t)v << 32);
    else
        *gpa = (*gpa & ~0xffffffffULL) | v;
}

static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
    struct virtq *q = selected(t);
    if (q == NULL)
        return;
    if (off == VIRTIO_MMIO_QUEUE_READY) {
        write_queue_ready(t, q, v);
        return;
    }
    if (q->ready)
        return;                       /* setup is frozen while the queue runs */
    switch (off) {
    case VIRTIO_MMIO_QUEUE_NUM: q->num = v <= 0xffff ? v : 0; break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: set_half(&q->desc_gpa, false, v); break;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: set_half(&q->desc_gpa, true, v); break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW: set_half(&q->avail_gpa, false, v); break;
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: set_half(&q->avail_gpa, true, v); break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW: set_half(&q->used_gpa, false, v); break;
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: set_half(&q->used_gpa, true, v); break;
    }
}

/* Returns true if the write was a QueueNotify for a valid queue (handled unlocked). */
static bool write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
    bool features_open = (t->status & VIRTIO_STATUS_DRIVER) &&
                         !(t->status & VIRTIO_STATUS_FEATURES_OK);
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: t->device_features_sel = v; break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: t->driver_features_sel = v; break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (features_open && t->driver_features_sel < 2)
            set_half(&t->driver_features, t->driver_features_sel == 1, v);
        break;
    case VIRTIO_MMIO_QUEUE_SEL: t->queue_sel = v; break;
    case VIRTIO_MMIO_QUEUE_NOTIFY: return v < (uint32_t)t->nqueues;
    case VIRTIO_MMIO_INTERRUPT_ACK: t->interrupt_status &= ~v; break;
    case VIRTIO_MMIO_STATUS: write_status(t, v); break;
    default: write_queue_reg(t, off, v); break;
    }
    return false;
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
    struct virtq *q = selected(t);
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return t->device_id;
    case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_MMIO_VENDOR;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return t->device_features_sel < 2
               ? (uint32_t)(t->device_features >> (32 * t->device_features_sel)) : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTQ_NUM_MAX : 0;
    case VIRTIO_MMIO_QUEUE_READY: return q ? q->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return t->interrupt_status;
    case VIRTIO_MMIO_STATUS: return t->status;
    case VIRTIO_MMIO_CONFIG_GENERATION: return t->config_generation;
    default: return 0;             /* write-only and reserved registers */
    }
}

void virtio_mmio_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
    struct virtio_mmio *t = opaque;
    bool notify = false;
    uint32_t v = 0;

    if (!is_write)
        memset(data, 0, len);
    if (offset >= VIRTIO_MMIO_SIZE || len > VIRTIO_MMIO_SIZE - offset)
        return;
    pthread_mutex_lock(&t->lock);
    if (t->halted) {
        /* Power is gone: reads see zeros, writes vanish. */
    } else if (offset >= VIRTIO_MMIO_CONFIG) {
        if (len == 1 || len == 2 || len == 4 || len == 8) {
            if (is_write && t->ops->config_write)
                t->ops->config_write(t->dev, offset - VIRTIO_MMIO_CONFIG, data, len);
            else if (!is_write && t->ops->config_read)
                t->ops->config_read(t->dev, offset - VIRTIO_MMIO_CONFIG, data, len);
        }
    } else if (len == 4 && offset % 4 == 0) {   /* registers are 32-bit only (4.2.2.2) */
        if (is_write) {
            memcpy(&v, data, 4);
            notify = write_reg(t, offset, v);
        } else {
            v = read_reg(t, offset);
            memcpy(data, &v, 4);
        }
    }
    pthread_mutex_unlock(&t->lock);
    if (notify && t->ops->notify)
        t->ops->notify(t->dev, v);
}
