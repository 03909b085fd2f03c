/* The I/O bus: a fixed table of port or MMIO regions, and the dispatch of one guest
 * access to the region that claims it, with per-region and per-offset counters. */
#include <string.h>

#include "devices/bus.h"

/* True if [base, base + len) and [r->base, r->base + r->len) share an address.
 * Both ranges are known not to wrap, so the ends can be computed. */
static bool overlaps(const struct bus_region *r, uint64_t base, uint64_t len)
{
    return base < r->base + r->len && r->base < base + len;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, const char *name,
                 bus_handler fn, void *opaque)
{
    /* base + len <= base also refuses a region ending exactly at 2^64: its end is not
     * representable, and the overlap arithmetic needs it. */
    if (len == 0 || base + len <= base || fn == NULL || b->nregions >= BUS_MAX_REGIONS)
        return -1;
    for (int i = 0; i < b->nregions; i++)
        if (overlaps(&b->regions[i], base, len))
            return -1;

    struct bus_region *r = &b->regions[b->nregions];
    r->base = base;
    r->len = len;
    r->name = name;
    r->fn = fn;
    r->opaque = opaque;
    atomic_init(&r->accesses, 0);
    for (int i = 0; i < BUS_COUNTED_OFFSETS; i++)
        atomic_init(&r->by_offset[i], 0);
    b->nregions++;
    return 0;
}

/* The region holding all of [addr, addr + len), or NULL. */
static struct bus_region *find(struct bus *b, uint64_t addr, uint32_t len)
{
    for (int i = 0; i < b->nregions; i++) {
        struct bus_region *r = &b->regions[i];
        if (addr >= r->base && addr - r->base < r->len && len <= r->len - (addr - r->base))
            return r;
    }
    return NULL;
}

bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
    /* Handlers are promised 1, 2, 4 or 8 bytes; anything else is nobody's access. */
    bool sane_len = len == 1 || len == 2 || len == 4 || len == 8;
    struct bus_region *r = sane_len ? find(b, addr, len) : NULL;

    if (r == NULL) {
        atomic_fetch_add_explicit(&b->unclaimed, 1, memory_order_relaxed);
        if (!is_write)
            memset(data, 0xff, len);  /* an undriven ISA/PCI bus reads as all ones */
        return false;
    }

    uint64_t offset = addr - r->base;
    atomic_fetch_add_explicit(&r->accesses, 1, memory_order_relaxed);
    if (offset < BUS_COUNTED_OFFSETS)
        atomic_fetch_add_explicit(&r->by_offset[offset], 1, memory_order_relaxed);
    /* A handler that leaves a read unanswered returns all ones, as unclaimed space does. */
    if (!is_write)
        memset(data, 0xff, len);
    r->fn(r->opaque, offset, data, len, is_write);
    return true;
}
