/* Unit tests of memory/pagewalk.c: page tables are built by hand in a small guest RAM and
 * walked the way the MMU would: 4 KiB, 2 MiB and 1 GiB pages, permissions accumulated over
 * the levels, not-present entries, tables outside RAM, non-canonical addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "memory/pagewalk.h"

#define MiB (1ULL << 20)
#define P 1ULL
#define W 2ULL
#define U 4ULL
#define PS 0x80ULL
#define NX (1ULL << 63)

static struct guest_mem mem;
static const struct walk_regs longmode = {
    .cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500 | 0x800,   /* LME LMA NXE */
};

static void set(uint64_t table, int index, uint64_t entry)
{
    assert_int_equal(gpa_write(&mem, table + index * 8, &entry, 8), 0);
}

static int setup(void **state)
{
    assert_int_equal(guest_mem_alloc(&mem, 4 * MiB), 0);
    /* PML4 at 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 */
    set(0x1000, 0, 0x2000 | P | W | U);
    set(0x2000, 0, 0x3000 | P | W | U);
    set(0x3000, 0, 0x4000 | P | W | U);
    set(0x4000, 5, 0x123000 | P | U);            /* 0x5000: user, read-only 4 KiB page */
    set(0x3000, 1, 0x200000 | P | W | PS | NX);  /* 2 MiB page at 2 MiB, kernel, NX */
    set(0x2000, 1, 0x40000000 | P | W | PS);     /* 1 GiB page at 1 GiB */
    set(0x2000, 2, 0x7fff0000000ULL | P | W);    /* a table far outside RAM */
    /* the top of the higher half: PML4[511] -> PDPT 0x5000[510] -> 2 MiB pages */
    set(0x1000, 511, 0x5000 | P | W);
    set(0x5000, 510, 0x6000 | P | W);
    set(0x6000, 0, 0x0 | P | W | PS);
    return 0;
}

static int teardown(void **state)
{
    guest_mem_free(&mem);
    return 0;
}

static void test_4k_page(void **state)
{
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 0x5abc, &w), WALK_OK);
    assert_int_equal(w.gpa, 0x123abc);
    assert_int_equal(w.page_size, 4096);
    assert_int_equal(w.levels, 4);
    assert_true(w.user);
    assert_false(w.writable);     /* the leaf clears W even though every table sets it */
    assert_true(w.executable);
    assert_int_equal(w.entry_gpa[3], 0x4000 + 5 * 8);
}

static void test_2m_page_nx(void **state)
{
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 0x2fedcb, &w), WALK_OK);
    assert_int_equal(w.gpa, 0x2fedcb);
    assert_int_equal(w.page_size, 2 * MiB);
    assert_int_equal(w.levels, 3);
    assert_false(w.user);         /* the PD entry has no U */
    assert_false(w.executable);
}

static void test_1g_page(void **state)
{
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 0x40000000 + 0x12345678, &w), WALK_OK);
    assert_int_equal(w.gpa, 0x40000000 + 0x12345678);
    assert_int_equal(w.page_size, 1ULL << 30);
    assert_int_equal(w.levels, 2);
}

static void test_higher_half(void **state)
{
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 0xffffffff80001234ULL, &w), WALK_OK);
    assert_int_equal(w.gpa, 0x1234);
    assert_false(w.user);
}

static void test_not_present(void **state)
{
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 0x6000, &w), WALK_NOT_PRESENT);
    assert_int_equal(w.levels, 4);
    assert_int_equal(gva_walk(&mem, &longmode, 0x8000000000ULL, &w), WALK_NOT_PRESENT);
    assert_int_equal(w.levels, 1);
}

static void test_table_outside_ram(void **state)
{
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 0x80000000ULL, &w), WALK_BAD_TABLE);
    struct walk_regs r = longmode;
    r.cr3 = 0xfffffffff000ULL;
    assert_int_equal(gva_walk(&mem, &r, 0, &w), WALK_BAD_TABLE);
}

static void test_ps_in_pml4_is_malformed(void **state)
{
    set(0x1000, 3, 0x0 | P | PS);
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 3ULL << 39, &w), WALK_BAD_TABLE);
    set(0x1000, 3, 0);
}

static void test_non_canonical(void **state)
{
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &longmode, 0x0000800000000000ULL, &w), WALK_NON_CANONICAL);
    assert_int_equal(gva_walk(&mem, &longmode, 0xffff7fffffffffffULL, &w), WALK_NON_CANONICAL);
}

static void test_paging_off_is_identity(void **state)
{
    struct walk_regs r = { .cr0 = 0x11 };
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &r, 0x1234567, &w), WALK_OK);
    assert_int_equal(w.gpa, 0x1234567);
}

static void test_legacy_paging_unsupported(void **state)
{
    struct walk_regs r = { .cr0 = 0x80000011, .cr3 = 0x1000 };
    struct walk_result w;
    assert_int_equal(gva_walk(&mem, &r, 0, &w), WALK_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_4k_page),
        cmocka_unit_test(test_2m_page_nx),
        cmocka_unit_test(test_1g_page),
        cmocka_unit_test(test_higher_half),
        cmocka_unit_test(test_not_present),
        cmocka_unit_test(test_table_outside_ram),
        cmocka_unit_test(test_ps_in_pml4_is_malformed),
        cmocka_unit_test(test_non_canonical),
        cmocka_unit_test(test_paging_off_is_identity),
        cmocka_unit_test(test_legacy_paging_unsupported),
    };
    return cmocka_run_group_tests_name("pagewalk", tests, setup, teardown);
}
