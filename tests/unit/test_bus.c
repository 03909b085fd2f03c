/* Unit tests of the I/O bus: which regions it accepts, which region an access reaches
 * at which offset, and what it counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/bus.h"

/* A device that remembers its last access and answers reads with 0xa0 + offset. */
struct probe {
    int calls;
    uint64_t offset;
    uint32_t len;
    bool is_write;
    uint8_t written[8];
};

static void probe_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
                     bool is_write)
{
    struct probe *p = opaque;
    p->calls++;
    p->offset = offset;
    p->len = len;
    p->is_write = is_write;
    if (is_write)
        memcpy(p->written, data, len);
    else
        for (uint32_t i = 0; i < len; i++)
            data[i] = (uint8_t)(0xa0 + offset + i);
}

/* A device that answers nothing, to see what reads fall back to. */
static void silent_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
                      bool is_write)
{
}

static struct bus bus;

static int setup(void **state)
{
    memset(&bus, 0, sizeof(bus));
    bus.name = "pio";
    return 0;
}

static void test_register_rejects_overlap(void **state)
{
    struct probe p = { 0 };
    assert_int_equal(bus_register(&bus, 0x3f8, 8, "uart", probe_io, &p), 0);
    assert_int_equal(bus_register(&bus, 0x3f8, 8, "same", probe_io, &p), -1);
    assert_int_equal(bus_register(&bus, 0x3ff, 1, "last byte", probe_io, &p), -1);
    assert_int_equal(bus_register(&bus, 0x3f0, 9, "first byte", probe_io, &p), -1);
    assert_int_equal(bus_register(&bus, 0x3f0, 0x20, "around", probe_io, &p), -1);
    assert_int_equal(bus_register(&bus, 0x3fa, 2, "inside", probe_io, &p), -1);
    assert_int_equal(bus_register(&bus, 0x3f0, 8, "just below", probe_io, &p), 0);
    assert_int_equal(bus_register(&bus, 0x400, 8, "just above", probe_io, &p), 0);
    assert_int_equal(bus.nregions, 3);
}

static void test_register_rejects_empty_and_wrapping(void **state)
{
    struct probe p = { 0 };
    assert_int_equal(bus_register(&bus, 0x100, 0, "empty", probe_io, &p), -1);
    assert_int_equal(bus_register(&bus, UINT64_MAX - 3, 8, "wraps", probe_io, &p), -1);
    assert_int_equal(bus_register(&bus, UINT64_MAX - 7, 8, "ends at 2^64", probe_io, &p),
                     -1);
    assert_int_equal(bus_register(&bus, UINT64_MAX - 8, 8, "fits", probe_io, &p), 0);
    assert_int_equal(bus.nregions, 1);
}

static void test_register_rejects_a_full_bus(void **state)
{
    struct probe p = { 0 };
    for (int i = 0; i < BUS_MAX_REGIONS; i++)
        assert_int_equal(bus_register(&bus, 0x1000 + 0x10 * i, 0x10, "r", probe_io, &p), 0);
    assert_int_equal(bus_register(&bus, 0x9000, 1, "one too many", probe_io, &p), -1);
}

/* The handler sees offsets from its own base, and the data in both directions. */
static void test_dispatch_offsets_and_data(void **state)
{
    struct probe uart = { 0 }, pit = { 0 };
    bus_register(&bus, 0x3f8, 8, "uart", probe_io, &uart);
    bus_register(&bus, 0x40, 4, "pit", probe_io, &pit);

    uint8_t w[4] = { 1, 2, 3, 4 };
    assert_true(bus_access(&bus, 0x3fb, w, 1, true));
    assert_int_equal(uart.calls, 1);
    assert_int_equal(uart.offset, 3);
    assert_true(uart.is_write);
    assert_int_equal(uart.written[0], 1);

    uint8_t r[4] = { 0 };
    assert_true(bus_access(&bus, 0x40, r, 4, false));
    assert_int_equal(pit.offset, 0);
    assert_int_equal(pit.len, 4);
    assert_false(pit.is_write);
    assert_memory_equal(r, ((uint8_t[]){ 0xa0, 0xa1, 0xa2, 0xa3 }), 4);
    assert_int_equal(uart.calls, 1);
}

/* Reads nobody claims return all ones; writes vanish; both are counted. */
static void test_unclaimed_reads_all_ones(void **state)
{
    struct probe p = { 0 };
    bus_register(&bus, 0x3f8, 8, "uart", probe_io, &p);

    uint8_t r[8] = { 0 };
    assert_false(bus_access(&bus, 0x80, r, 8, false));
    assert_memory_equal(r, ((uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }), 8);
    assert_false(bus_access(&bus, 0x3f7, r, 1, true));
    assert_int_equal(p.calls, 0);
    assert_int_equal(atomic_load(&bus.unclaimed), 2);
}

/* An access that runs past a region's end is nobody's: it is not cut short. */
static void test_straddling_access_is_unclaimed(void **state)
{
    struct probe p = { 0 };
    bus_register(&bus, 0x3f8, 8, "uart", probe_io, &p);

    uint8_t r[4] = { 0 };
    assert_false(bus_access(&bus, 0x3fe, r, 4, false));
    assert_int_equal(r[0], 0xff);
    assert_true(bus_access(&bus, 0x3fc, r, 4, false));
    assert_int_equal(p.offset, 4);
    assert_int_equal(p.calls, 1);
}

/* Handlers are promised 1, 2, 4 or 8 bytes; other sizes never reach them. */
static void test_odd_lengths_are_unclaimed(void **state)
{
    struct probe p = { 0 };
    bus_register(&bus, 0x1000, 0x100, "mmio", probe_io, &p);

    uint8_t r[16];
    assert_false(bus_access(&bus, 0x1000, r, 3, false));
    assert_false(bus_access(&bus, 0x1000, r, 0, false));
    assert_false(bus_access(&bus, 0x1000, r, 16, false));
    assert_int_equal(p.calls, 0);
}

/* A handler that does not fill a read leaves all ones behind, never stale bytes. */
static void test_unanswered_read_is_all_ones(void **state)
{
    bus_register(&bus, 0x700, 16, "quiet", silent_io, NULL);
    uint8_t r[4] = { 0x12, 0x34, 0x56, 0x78 };
    assert_true(bus_access(&bus, 0x700, r, 4, false));
    assert_memory_equal(r, ((uint8_t[]){ 0xff, 0xff, 0xff, 0xff }), 4);
}

/* Each region counts its accesses, and per offset for its first 16 bytes. */
static void test_counters(void **state)
{
    struct probe p = { 0 };
    bus_register(&bus, 0x1000, 0x100, "dev", probe_io, &p);
    struct bus_region *r = &bus.regions[0];

    uint8_t d[4] = { 0 };
    for (int i = 0; i < 3; i++)
        bus_access(&bus, 0x1005, d, 1, true);
    bus_access(&bus, 0x1000, d, 4, false);
    bus_access(&bus, 0x100f, d, 1, false);
    bus_access(&bus, 0x1010, d, 1, false);          /* past the counted offsets */
    bus_access(&bus, 0x10ff, d, 1, false);

    assert_int_equal(atomic_load(&r->accesses), 7);
    assert_int_equal(atomic_load(&r->by_offset[5]), 3);
    assert_int_equal(atomic_load(&r->by_offset[0]), 1);
    assert_int_equal(atomic_load(&r->by_offset[15]), 1);
    assert_int_equal(atomic_load(&r->by_offset[1]), 0);
    assert_int_equal(atomic_load(&bus.unclaimed), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_register_rejects_overlap, setup),
        cmocka_unit_test_setup(test_register_rejects_empty_and_wrapping, setup),
        cmocka_unit_test_setup(test_register_rejects_a_full_bus, setup),
        cmocka_unit_test_setup(test_dispatch_offsets_and_data, setup),
        cmocka_unit_test_setup(test_unclaimed_reads_all_ones, setup),
        cmocka_unit_test_setup(test_straddling_access_is_unclaimed, setup),
        cmocka_unit_test_setup(test_odd_lengths_are_unclaimed, setup),
        cmocka_unit_test_setup(test_unanswered_read_is_all_ones, setup),
        cmocka_unit_test_setup(test_counters, setup),
    };
    return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
