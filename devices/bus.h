/* The I/O bus: maps port or MMIO ranges to device handlers and counts accesses per
 * region and per offset. One bus for port I/O, one for MMIO; regions are registered at
 * setup, before any vCPU runs, so dispatch takes no lock. */
#ifndef DEVICES_BUS_H
#define DEVICES_BUS_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_REGIONS   32
#define BUS_COUNTED_OFFSETS 16  /* per-offset counters for the first 16 bytes of a region */

/* A device's access handler. offset is relative to the region base; data holds len
 * (1, 2, 4 or 8) bytes, little-endian: filled by the handler on reads. Handlers run on
 * vCPU threads and must do their own locking. */
typedef void (*bus_handler)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
                            bool is_write);

struct bus_region {
    uint64_t base, len;
    const char *name;
    bus_handler fn;
    void *opaque;
    _Atomic uint64_t accesses;
    _Atomic uint64_t by_offset[BUS_COUNTED_OFFSETS];
};

struct bus {
    const char *name;              /* "pio" or "mmio" */
    struct bus_region regions[BUS_MAX_REGIONS];
    int nregions;
    _Atomic uint64_t unclaimed;    /* accesses no region claimed */
};

/* Add a region. 0, or -1 if it overlaps another, has len 0, wraps, or the bus is full. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, const char *name,
                 bus_handler fn, void *opaque);
/* Dispatch one access. Returns false if no region claims addr (reads then return all
 * ones, writes are dropped); an access that straddles a region's end is unclaimed. */
bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);

#endif
