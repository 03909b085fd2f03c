/* Unit tests of memory/shadow.c: guest page tables are built in a small guest RAM whose
 * top MiB is the page-table pool, loaded and changed through the calls the VMM makes on a
 * trapped write or a CTL_CR3; the shadow's contents and walks are checked against the
 * guest's walk, every refusal, the lifetime of shadow pages, running out of them, and the
 * quarantine of freed pages behind a flush. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "memory/shadow.h"

#define MiB     (1ULL << 20)
#define RAM     (16 * MiB)
#define POOL    (RAM - MiB)                  /* pool page i is at POOL + i * 4096 */
#define TGPA    0x100000000ULL
#define P 1ULL
#define W 2ULL
#define U 4ULL
#define PS 0x80ULL
#define NX (1ULL << 63)
#define PG(i)   (POOL + (uint64_t)(i) * 4096)

static struct guest_mem mem;
static struct shadow sh;
static uint64_t *region;
static int flushes;

static struct walk_regs regs_of(uint64_t cr3)
{
    return (struct walk_regs){ .cr0 = 0x80000011, .cr3 = cr3, .cr4 = 0x20, .efer = 0xd00 };
}

/* An entry written behind the trap (before the shadow exists). */
static void poke(uint64_t table, int index, uint64_t entry)
{
    assert_int_equal(gpa_write(&mem, table + index * 8, &entry, 8), 0);
}

/* An entry written by the guest: trapped and applied. */
static void store(uint64_t table, int index, uint64_t entry)
{
    assert_int_equal(shadow_write(&sh, table + index * 8, &entry, 8), 0);
}

static int setup_n(uint32_t ntables)
{
    assert_int_equal(guest_mem_alloc(&mem, RAM), 0);
    region = calloc(ntables, 4096);
    assert_non_null(region);
    assert_int_equal(shadow_init(&sh, &mem, POOL, MiB, region, TGPA, ntables), 0);
    /* PML4 (pool 0) -> PDPT 1 -> PD 2 -> PT 3 -> frame 0x5000 at va 0x5000 */
    poke(PG(0), 0, PG(1) | P | W | U);
    poke(PG(1), 0, PG(2) | P | W | U);
    poke(PG(2), 0, PG(3) | P | W | U);
    poke(PG(3), 5, 0x5000 | P | U | NX);
    flushes = 0;
    return 0;
}

static int setup(void **state) { return setup_n(64); }
static int setup_small(void **state) { return setup_n(4); }

static int teardown(void **state)
{
    shadow_destroy(&sh);
    free(region);
    guest_mem_free(&mem);
    return 0;
}

static uint64_t load(int cpu, uint64_t cr3)
{
    uint64_t hw = 0;
    assert_int_equal(shadow_load_cr3(&sh, cpu, cr3, &hw), 0);
    return hw;
}

/* The shadow translates va as the guest's tables do (or both do not map it). */
static void same_translation(int cpu, uint64_t cr3, uint64_t va)
{
    struct walk_regs r = regs_of(cr3);
    struct walk_result g, s;
    enum walk_status gs = gva_walk(&mem, &r, va, &g), ss = shadow_walk(&sh, cpu, va, &s);
    assert_int_equal(gs == WALK_OK, ss == WALK_OK);
    if (gs == WALK_OK) {
        assert_int_equal(g.gpa, s.gpa);
        assert_int_equal(g.page_size, s.page_size);
        assert_int_equal(g.writable, s.writable);
        assert_int_equal(g.user, s.user);
        assert_int_equal(g.executable, s.executable);
    }
}

static bool mapped(int cpu, uint64_t va)
{
    struct walk_result s;
    return shadow_walk(&sh, cpu, va, &s) == WALK_OK;
}

static void test_a_load_builds_the_whole_tree(void **state)
{
    uint64_t hw = load(0, PG(0) | 0x18);          /* PWT|PCD kept */
    assert_true(hw >= TGPA && hw < TGPA + 64 * 4096);
    assert_int_equal(hw & 0xfff, 0x18);
    assert_int_equal(sh.st.pages, 4);
    assert_int_equal(sh.st.roots, 1);
    assert_int_equal(sh.st.cr3_loads, 1);
    /* The root's entry: the guest's flags, the PDPT's shadow page for an address. */
    const uint64_t *root = shadow_table(&sh, hw & ~0xfffULL);
    assert_non_null(root);
    assert_int_equal(root[0] & 0xfff, P | W | U | 0x20);   /* and A, preset */
    assert_non_null(shadow_table(&sh, root[0] & ~0xfffULL));
    struct walk_result s;
    assert_int_equal(shadow_walk(&sh, 0, 0x5123, &s), WALK_OK);
    assert_int_equal(s.gpa, 0x5123);
    assert_false(s.writable);
    assert_false(s.executable);
    assert_true(s.entry_gpa[3] >= TGPA);          /* every level a shadow page */
    assert_int_equal(s.entry[3] & 0x60, 0x60);     /* A and D preset in the leaf */
    same_translation(0, PG(0), 0x5123);
    same_translation(0, PG(0), 0x6000);
}

static void test_writes_of_any_width_and_offset_are_applied(void **state)
{
    load(0, PG(0));
    store(PG(3), 6, 0x7000 | P | W | U);           /* a new page */
    assert_true(mapped(0, 0x6000));
    same_translation(0, PG(0), 0x6000);
    uint32_t lo = 0x9000 | P | U;                   /* the low half only: frame 0x9000 */
    assert_int_equal(shadow_write(&sh, PG(3) + 6 * 8, &lo, 4), 0);
    same_translation(0, PG(0), 0x6000);
    uint8_t b = 0;                                  /* one byte: not present */
    assert_int_equal(shadow_write(&sh, PG(3) + 6 * 8, &b, 1), 0);
    assert_false(mapped(0, 0x6000));
    /* Eight bytes straddling entries 6 and 7: 6's high half, 7's low half. */
    uint64_t v = 0xa000 | P | U;
    uint8_t buf[8];
    memset(buf, 0, 4);                              /* entry 6's high half stays 0 */
    memcpy(buf + 4, &v, 4);                         /* entry 7's low half */
    assert_int_equal(shadow_write(&sh, PG(3) + 6 * 8 + 4, buf, 8), 0);
    assert_true(mapped(0, 0x7000));                 /* entry 7 = 0xa000|P|U */
    same_translation(0, PG(0), 0x7000);
    assert_int_equal(sh.st.pte_writes, 4);
    uint8_t nine[9] = { 0 };
    assert_int_equal(shadow_write(&sh, PG(3), nine, 9), -1);
}

static void test_refusals(void **state)
{
    load(0, PG(0));
    uint64_t before = sh.st.refused;
    store(PG(2), 1, 0x300000 | P | W);              /* a table outside the pool */
    assert_false(mapped(0, 0x200000));
    store(PG(2), 2, (RAM - 2 * MiB) | P | W | PS);  /* 2 MiB wholly in RAM: fine */
    assert_true(mapped(0, 0x400000));
    store(PG(2), 3, 0xbfe00000 | P | W | PS);       /* neither RAM nor the MMIO hole */
    store(PG(2), 4, RAM | P | W | PS);              /* beyond RAM */
    store(PG(3), 8, TGPA | P | W);                  /* the shadow region */
    store(PG(3), 9, (TGPA + 4096) | P | W);
    store(PG(1), 1, 0x40000000 | P | W | PS);       /* 1 GiB beyond 16 MiB of RAM */
    store(PG(0), 1, PG(5) | P | W | PS);            /* PS in a PML4 entry */
    store(PG(1), 2, PG(0) | P | W);                 /* the PML4 again, as a PD */
    store(PG(2), 5, PG(2) | P | W);                 /* a PD as its own PT */
    assert_int_equal(sh.st.refused - before, 9);
    for (uint64_t va = 0x600000; va < 0xc00000; va += 0x200000)
        assert_false(mapped(0, va));
    assert_false(mapped(0, 0x8000));
    assert_false(mapped(0, 0x40000000));
    /* Devices: the MMIO hole below 4 GiB may be mapped; a leaf on a pool page too. */
    store(PG(2), 6, 0xfec00000 | P | W | PS);
    assert_true(mapped(0, 0xc00000));
    store(PG(3), 10, PG(3) | P | W);
    assert_true(mapped(0, 0xa000));
    same_translation(0, PG(0), 0xa000);
    assert_int_equal(sh.st.refused - before, 9);
}

static void test_bad_cr3_loads_fail(void **state)
{
    uint64_t hw;
    assert_int_equal(shadow_load_cr3(&sh, 0, 0x5000, &hw), -1);
    assert_non_null(strstr(sh.err, "not a page of the page-table pool"));
    load(0, PG(0));
    assert_int_equal(shadow_load_cr3(&sh, 1, PG(2), &hw), -1);   /* a PD in use */
    assert_non_null(strstr(sh.err, "lower level"));
    assert_int_equal(shadow_load_cr3(&sh, SHADOW_MAX_CPUS, PG(0), &hw), -1);
}

static void test_unlinked_tables_are_freed_and_roots_cached(void **state)
{
    load(0, PG(0));
    assert_int_equal(sh.st.pages, 4);
    store(PG(1), 0, 0);                             /* PD and PT go */
    assert_int_equal(sh.st.pages, 2);
    assert_false(mapped(0, 0x5000));
    store(PG(1), 0, PG(2) | P | W | U);             /* and come back */
    assert_int_equal(sh.st.pages, 4);
    same_translation(0, PG(0), 0x5000);
    /* A second address space sharing the PDPT: switching keeps the first as a cache. */
    poke(PG(4), 0, PG(1) | P | W | U);
    uint64_t hw0 = load(0, PG(0)), hw4 = load(0, PG(4));
    assert_int_not_equal(hw0, hw4);
    assert_int_equal(sh.st.roots, 2);
    assert_int_equal(sh.st.pages, 5);
    assert_int_equal(load(0, PG(0)), hw0);          /* the cached root, not rebuilt */
    assert_int_equal(sh.st.pages, 5);
    /* An unused cached root's page linked lower down: the root goes, the link stands. */
    load(0, PG(0));
    store(PG(2), 1, PG(4) | P | W);                 /* pool 4 as a PT now */
    assert_int_equal(sh.st.roots, 1);
    assert_true(sh.st.pages_max >= 5);
}

static void test_out_of_shadow_pages_collects_unused_roots_then_fails(void **state)
{
    /* Four shadow pages. Root A (pool 0) needs four; root B (pool 4 -> pool 5) two. */
    poke(PG(4), 0, PG(5) | P | W | U);
    load(0, PG(0));
    assert_int_equal(sh.st.pages, 4);
    load(0, PG(4));                                 /* A unused: collected for room */
    assert_int_equal(sh.st.collections, 1);
    assert_int_equal(sh.st.pages, 2);
    assert_int_equal(sh.st.roots, 1);
    /* Two vCPUs each need their own root: A does not fit beside B. */
    uint64_t hw;
    assert_int_equal(shadow_load_cr3(&sh, 1, PG(0), &hw), -1);
    assert_non_null(strstr(sh.err, "out of shadow pages"));
    assert_true(sh.st.pages <= 4);
}

static int count_flush(void *ctx)
{
    flushes++;
    return 0;
}

static void test_freed_pages_wait_for_a_flush(void **state)
{
    sh.flush = count_flush;
    load(0, PG(0));
    assert_false(sh.stale);
    store(PG(3), 6, 0x6000 | P);                    /* an addition: nothing stale */
    assert_false(sh.stale);
    store(PG(3), 6, 0x6000 | P | W);                /* a present entry changed */
    assert_true(sh.stale);
    assert_int_equal(shadow_flush(&sh), 0);
    assert_false(sh.stale);
    assert_int_equal(flushes, 1);
    store(PG(1), 0, 0);                             /* PD and PT freed: quarantined */
    assert_true(sh.stale);
    assert_int_equal(sh.nquarantine, 2);
    uint32_t nfree = sh.nfree;
    store(PG(1), 0, PG(2) | P | W | U);             /* rebuilt from other pages */
    assert_int_equal(sh.nfree, nfree - 2);
    assert_int_equal(shadow_flush(&sh), 0);
    assert_int_equal(sh.nquarantine, 0);
    assert_int_equal(sh.nfree, nfree);
    assert_int_equal(sh.st.resyncs, 2);
}

static void test_a_full_region_flushes_the_quarantine_first(void **state)
{
    sh.flush = count_flush;
    load(0, PG(0));                                 /* all four pages */
    store(PG(1), 0, 0);                             /* two quarantined, none free */
    assert_int_equal(sh.nfree, 0);
    store(PG(1), 0, PG(2) | P | W | U);             /* needs them: a flush, no collect */
    assert_int_equal(flushes, 1);
    assert_int_equal(sh.st.collections, 0);
    same_translation(0, PG(0), 0x5000);
}

static void test_bad_arguments(void **state)
{
    struct shadow s;
    assert_int_equal(shadow_init(&s, &mem, POOL + 1, MiB, region, TGPA, 4), -1);
    assert_int_equal(shadow_init(&s, &mem, POOL, 2 * MiB, region, TGPA, 4), -1);
    assert_int_equal(shadow_init(&s, &mem, POOL, MiB, region, 0x1000, 4), -1);
    assert_int_equal(shadow_init(&s, &mem, POOL, MiB, NULL, TGPA, 4), -1);
    struct walk_result w;
    assert_int_equal(shadow_walk(&sh, 0, 0x5000, &w), WALK_UNSUPPORTED);
    load(0, PG(0));
    assert_int_equal(shadow_walk(&sh, 0, 0x0000800000000000ULL, &w), WALK_NON_CANONICAL);
    assert_null(shadow_table(&sh, 0x5000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_load_builds_the_whole_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_of_any_width_and_offset_are_applied, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_cr3_loads_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlinked_tables_are_freed_and_roots_cached, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_out_of_shadow_pages_collects_unused_roots_then_fails,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_freed_pages_wait_for_a_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_full_region_flushes_the_quarantine_first,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
