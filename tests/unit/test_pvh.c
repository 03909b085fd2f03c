/* Unit tests of vmm/pvh.c: where the modules land, what start_info, the module list, the
 * memory map and the command line say, and the refusals that leave guest RAM untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "abi/machine.h"
#include "abi/pvh.h"
#include "vmm/boot.h"

#define MiB   (1ULL << 20)
#define RAM   (16 * MiB)

static struct guest_mem mem;
static char err[ERR_MAX];
static uint8_t fdt_blob[5000], initrd[10000];
static const struct kernel_image kernel = { 0x100000, 0x100000, 0x300000 };

static int setup(void **state)
{
    for (size_t i = 0; i < sizeof fdt_blob; i++)
        fdt_blob[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof initrd; i++)
        initrd[i] = (uint8_t)(i * 13 + 5);
    return guest_mem_alloc(&mem, RAM);
}

static int teardown(void **state)
{
    guest_mem_free(&mem);
    return 0;
}

static int fresh(void **state)
{
    memset(mem.hva, 0, RAM);
    memset(err, 0, sizeof err);
    return 0;
}

static struct hvm_start_info start_info(void)
{
    struct hvm_start_info si;
    assert_int_equal(gpa_read(&mem, MACHINE_PVH_INFO_GPA, &si, sizeof si), 0);
    return si;
}

static struct hvm_modlist_entry module_entry(const struct hvm_start_info *si, int i)
{
    struct hvm_modlist_entry e;
    assert_int_equal(gpa_read(&mem, si->modlist_paddr + i * sizeof e, &e, sizeof e), 0);
    return e;
}

static int setup_two(const char *cmdline)
{
    const struct pvh_module mods[] = { { "module 0", fdt_blob, sizeof fdt_blob },
                                       { "module 0", initrd, sizeof initrd } };
    return pvh_setup(&mem, &kernel, cmdline, mods, 2, err);
}

static void test_modules_at_top_of_ram(void **state)
{
    assert_int_equal(setup_two("console=ttyS0"), 0);
    struct hvm_start_info si = start_info();
    assert_int_equal(si.nr_modules, 2);
    struct hvm_modlist_entry m0 = module_entry(&si, 0), m1 = module_entry(&si, 1);
    /* 5000 bytes rounded down from the top: two pages; then 10000 bytes: three pages. */
    assert_int_equal(m0.paddr, RAM - 0x2000);
    assert_int_equal(m0.size, sizeof fdt_blob);
    assert_int_equal(m1.paddr, RAM - 0x2000 - 0x3000);
    assert_int_equal(m1.size, sizeof initrd);
    assert_int_equal(m0.cmdline_paddr, 0);
    assert_int_equal(m0.reserved, 0);
    assert_memory_equal(gpa_ptr(&mem, m0.paddr, m0.size), fdt_blob, sizeof fdt_blob);
    assert_memory_equal(gpa_ptr(&mem, m1.paddr, m1.size), initrd, sizeof initrd);
}

static void test_page_sized_module_is_not_padded(void **state)
{
    const struct pvh_module mods[] = { { "module 0", initrd, 0x1000 }, { "module 1", initrd, 1 } };
    assert_int_equal(pvh_setup(&mem, &kernel, "", mods, 2, err), 0);
    struct hvm_start_info si = start_info();
    assert_int_equal(module_entry(&si, 0).paddr, RAM - 0x1000);
    assert_int_equal(module_entry(&si, 1).paddr, RAM - 0x2000);
}

static void test_start_info_fields(void **state)
{
    assert_int_equal(setup_two("x"), 0);
    struct hvm_start_info si = start_info();
    assert_int_equal(si.magic, PVH_START_MAGIC);
    assert_int_equal(si.version, 1);
    assert_int_equal(si.flags, 0);
    assert_int_equal(si.modlist_paddr, MACHINE_PVH_INFO_GPA + sizeof si);
    assert_int_equal(si.cmdline_paddr, MACHINE_CMDLINE_GPA);
    assert_int_equal(si.rsdp_paddr, 0);
    assert_int_equal(si.memmap_paddr,
                     si.modlist_paddr + 2 * sizeof(struct hvm_modlist_entry));
    assert_int_equal(si.memmap_entries, 3);
    assert_int_equal(si.reserved, 0);
    assert_int_equal(si.modlist_paddr % 8, 0);
}

static void test_memmap(void **state)
{
    assert_int_equal(setup_two(""), 0);
    struct hvm_start_info si = start_info();
    struct hvm_memmap_table_entry map[3];
    assert_int_equal(gpa_read(&mem, si.memmap_paddr, map, sizeof map), 0);
    assert_int_equal(map[0].addr, 0);
    assert_int_equal(map[0].size, 0xa0000);
    assert_int_equal(map[0].type, PVH_MEMMAP_RAM);
    assert_int_equal(map[1].addr, 0xa0000);
    assert_int_equal(map[1].size, 0x60000);
    assert_int_equal(map[1].type, PVH_MEMMAP_RESERVED);
    assert_int_equal(map[2].addr, 0x100000);
    assert_int_equal(map[2].size, RAM - 0x100000);
    assert_int_equal(map[2].type, PVH_MEMMAP_RAM);
    for (int i = 0; i < 3; i++)
        assert_int_equal(map[i].reserved, 0);
    /* The boot block stays below the command line page. */
    assert_true(si.memmap_paddr + sizeof map <= MACHINE_CMDLINE_GPA);
}

static void test_no_modules(void **state)
{
    assert_int_equal(pvh_setup(&mem, &kernel, NULL, NULL, 0, err), 0);
    struct hvm_start_info si = start_info();
    assert_int_equal(si.nr_modules, 0);
    assert_int_equal(si.modlist_paddr, 0);
    assert_int_equal(si.memmap_paddr, MACHINE_PVH_INFO_GPA + sizeof si);
    assert_string_equal((char *)gpa_ptr(&mem, MACHINE_CMDLINE_GPA, 1), "");
}

static void test_cmdline(void **state)
{
    memset(gpa_ptr(&mem, MACHINE_CMDLINE_GPA, 64), 'z', 64);
    assert_int_equal(setup_two("console=ttyS0 init=/bin/sh"), 0);
    assert_string_equal((char *)gpa_ptr(&mem, MACHINE_CMDLINE_GPA, 64),
                        "console=ttyS0 init=/bin/sh");

    static char longest[4096];
    memset(longest, 'a', 4095);
    assert_int_equal(setup_two(longest), 0);
    assert_int_equal(*(char *)gpa_ptr(&mem, MACHINE_CMDLINE_GPA + 4094, 1), 'a');
    assert_int_equal(*(char *)gpa_ptr(&mem, MACHINE_CMDLINE_GPA + 4095, 1), '\0');
}

static void expect_refused(int rc, const char *want)
{
    assert_int_equal(rc, -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
    /* Nothing was written: no start_info, no module bytes at the top. */
    assert_int_equal(start_info().magic, 0);
    assert_int_equal(*(uint8_t *)gpa_ptr(&mem, RAM - 0x2000, 1), 0);
    assert_int_equal(*(uint8_t *)gpa_ptr(&mem, MACHINE_CMDLINE_GPA, 1), 0);
    fresh(NULL);
}

static void test_cmdline_too_long(void **state)
{
    static char too_long[4097];
    memset(too_long, 'a', 4096);
    expect_refused(setup_two(too_long), "command line is 4096 bytes (at most 4095)");
}

static void test_module_larger_than_ram(void **state)
{
    const struct pvh_module big[] = { { "module 0", fdt_blob, sizeof fdt_blob }, { "module 1", initrd, RAM + 1 } };
    expect_refused(pvh_setup(&mem, &kernel, "", big, 2, err),
                   "module 1 (16777217 bytes) does not fit in guest RAM (16 MiB) above "
                   "the kernel");
    const struct pvh_module huge[] = { { "module 0", initrd, UINT64_MAX } };
    expect_refused(pvh_setup(&mem, &kernel, "", huge, 1, err), "does not fit");
}

/* The kernel ends 8 KiB below the top: one page for module 0, module 1 would overlap. */
static void test_module_overlapping_kernel(void **state)
{
    const struct kernel_image k = { 0x100000, 0x100000, RAM - 0x2000 };
    const struct pvh_module one[] = { { "module 0", initrd, 0x2000 } };
    assert_int_equal(pvh_setup(&mem, &k, "", one, 1, err), 0);   /* exactly fits */
    fresh(NULL);
    const struct pvh_module two[] = { { "module 0", fdt_blob, 0x1000 }, { "module 1", initrd, 0x1001 } };
    expect_refused(pvh_setup(&mem, &k, "", two, 2, err),
                   "module 1 (4097 bytes) does not fit in guest RAM (16 MiB) above the "
                   "kernel (which ends at 0xffe000)");
    /* The alignment, not the size, pushes it below the kernel's end. */
    const struct kernel_image k2 = { 0x100000, 0x100000, RAM - 0x1800 };
    const struct pvh_module small[] = { { "module 0", initrd, 0x100 } };
    assert_int_equal(pvh_setup(&mem, &k2, "", small, 1, err), 0);
    fresh(NULL);
    const struct pvh_module page[] = { { "module 0", initrd, 0x1000 }, { "module 1", initrd, 0x100 } };
    expect_refused(pvh_setup(&mem, &k2, "", page, 2, err), "module 1 (256 bytes)");
}

static void test_bad_kernel_bounds(void **state)
{
    const struct kernel_image low = { 0x100000, 0x80000, 0x200000 };
    expect_refused(pvh_setup(&mem, &low, "", NULL, 0, err), "kernel [0x80000-0x200000)");
    const struct kernel_image past = { 0x100000, 0x100000, RAM + 1 };
    expect_refused(pvh_setup(&mem, &past, "", NULL, 0, err), "not inside guest RAM");
    const struct kernel_image inverted = { 0x100000, 0x300000, 0x200000 };
    expect_refused(pvh_setup(&mem, &inverted, "", NULL, 0, err), "not inside guest RAM");
}

static void test_module_count_and_data(void **state)
{
    static struct pvh_module many[200];
    for (int i = 0; i < 200; i++)
        many[i] = (struct pvh_module){ "module", initrd, 16 };
    expect_refused(pvh_setup(&mem, &kernel, "", many, 125, err), "125 boot modules");
    expect_refused(pvh_setup(&mem, &kernel, "", many, -1, err), "-1 boot modules");
    /* The largest count that fits still leaves the memory map below the command line. */
    assert_int_equal(pvh_setup(&mem, &kernel, "", many, 124, err), 0);
    struct hvm_start_info si = start_info();
    assert_true(si.memmap_paddr + 3 * sizeof(struct hvm_memmap_table_entry)
                <= MACHINE_CMDLINE_GPA);
    assert_int_equal(module_entry(&si, 123).paddr, RAM - 124 * 0x1000);
    fresh(NULL);
    const struct pvh_module null_data[] = { { "module 0", NULL, 10 } };
    expect_refused(pvh_setup(&mem, &kernel, "", null_data, 1, err), "module 0 has no data");
}

static void test_ram_too_small(void **state)
{
    static uint8_t tiny_ram[MiB];
    struct guest_mem tiny = { tiny_ram, sizeof tiny_ram };
    const struct kernel_image k = { 0x100000, 0x100000, 0x100000 };
    assert_int_equal(pvh_setup(&tiny, &k, "", NULL, 0, err), -1);
    assert_non_null(strstr(err, "larger than 1 MiB"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, fresh)
    const struct CMUnitTest tests[] = {
        T(test_modules_at_top_of_ram), T(test_page_sized_module_is_not_padded),
        T(test_start_info_fields), T(test_memmap), T(test_no_modules), T(test_cmdline),
        T(test_cmdline_too_long), T(test_module_larger_than_ram),
        T(test_module_overlapping_kernel), T(test_bad_kernel_bounds),
        T(test_module_count_and_data), T(test_ram_too_small),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
