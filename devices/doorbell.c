/* The benchmark doorbell's counters and MMIO registers. In normal operation the guest's
 * writes never get here as exits: KVM_IOEVENTFD turns each into an eventfd signal, which
 * the event loop hands to doorbell_signalled. A write that does exit (no ioeventfd was
 * registered) takes the same path, so the counts stay right, only slower. Counts are
 * read by the guest through exits, so a read first drains what the eventfds hold: the
 * guest then sees every write it made, however far the event loop has got. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "abi/machine.h"
#include "devices/doorbell.h"

struct doorbell {
    struct doorbell_ops ops;
    struct irq_line echo;
    _Atomic uint64_t count[DOORBELL_NSRC];
};

struct doorbell *doorbell_create(struct doorbell_ops ops, struct irq_line echo)
{
    struct doorbell *d = calloc(1, sizeof(*d));
    if (d != NULL) {
        d->ops = ops;
        d->echo = echo;
    }
    return d;
}

void doorbell_destroy(struct doorbell *d)
{
    free(d);
}

void doorbell_signalled(struct doorbell *d, enum doorbell_source s, uint64_t n)
{
    if ((unsigned)s >= DOORBELL_NSRC || n == 0)
        return;
    atomic_fetch_add(&d->count[s], n);
    /* Echoes that arrived together are answered with one edge: the guest waits for each
     * interrupt before the next write, and an edge cannot carry a count anyway. */
    if (s == DOORBELL_SRC_ECHO)
        irq_pulse(&d->echo);
}

uint64_t doorbell_count(struct doorbell *d, enum doorbell_source s)
{
    if ((unsigned)s >= DOORBELL_NSRC)
        return 0;
    if (d->ops.drain)
        doorbell_signalled(d, s, d->ops.drain(d->ops.ctx, s));
    return atomic_load(&d->count[s]);
}

static uint32_t read_reg(struct doorbell *d, uint64_t offset)
{
    switch (offset) {
    case DOORBELL_ID:          return DOORBELL_MAGIC;
    case DOORBELL_COUNT_RING:  return (uint32_t)doorbell_count(d, DOORBELL_SRC_RING);
    case DOORBELL_COUNT_PORT:  return (uint32_t)doorbell_count(d, DOORBELL_SRC_PORT);
    case DOORBELL_COUNT_ECHO:  return (uint32_t)doorbell_count(d, DOORBELL_SRC_ECHO);
    default:                   return 0xffffffffU;
    }
}

/* Registers are 32 bits wide and 4-byte aligned; other accesses are ignored and read as
 * all ones, like the unassigned offsets of the page. */
void doorbell_mmio_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
                      bool is_write)
{
    struct doorbell *d = opaque;

    if (len != 4 || offset % 4 != 0) {
        if (!is_write)
            memset(data, 0xff, len);
        return;
    }
    if (!is_write) {
        uint32_t v = read_reg(d, offset);
        memcpy(data, &v, 4);
    } else if (offset == DOORBELL_RING) {
        doorbell_signalled(d, DOORBELL_SRC_RING, 1);
    } else if (offset == DOORBELL_ECHO) {
        doorbell_signalled(d, DOORBELL_SRC_ECHO, 1);
    }
}
