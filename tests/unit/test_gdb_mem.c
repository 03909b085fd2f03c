/* Unit tests of vmm/gdb/mem.c and vmm/gdb/monitor.c: guest-virtual reads and writes page
 * by page, software breakpoints patched into RAM and hidden from reads, breakpoints set
 * before paging is on, and the monitor's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/gdb/mem.h"
#include "vmm/gdb/monitor.h"
#include "vmm/vm.h"

#define MiB (1ULL << 20)
#define PTE_P 1ULL
#define PTE_W 2ULL
#define PS 0x80ULL
#define KTEXT 0xffffffff80100000ULL   /* -> GPA 0x100000 through a 2 MiB page at 0 */

static struct vm vm;                   /* only mem, ncpus and the exit counters are used */
static struct gdb_view paging, flat;
static struct gdb_swbps bps;

const char *exit_reason_name(uint32_t reason)   /* stands in for vmm/stats.c */
{
    return reason == KVM_EXIT_IO ? "IO" : NULL;
}

static void set(uint64_t table, int index, uint64_t entry)
{
    assert_int_equal(gpa_write(&vm.mem, table + index * 8, &entry, 8), 0);
}

static int setup(void **state)
{
    memset(&bps, 0, sizeof bps);
    assert_int_equal(guest_mem_alloc(&vm.mem, 4 * MiB), 0);
    /* PML4 0x1000: [0] -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 (4 KiB pages at 0..),
     * [511] -> PDPT 0x5000 [510] -> PD 0x6000 [0] = 2 MiB page at 0 (the kernel image) */
    set(0x1000, 0, 0x2000 | PTE_P | PTE_W);
    set(0x2000, 0, 0x3000 | PTE_P | PTE_W);
    set(0x3000, 0, 0x4000 | PTE_P | PTE_W);
    set(0x4000, 8, 0x200000 | PTE_P | PTE_W);      /* VA 0x8000 -> GPA 0x200000 */
    set(0x4000, 9, 0x100000 | PTE_P | PTE_W);      /* VA 0x9000 -> GPA 0x100000 (alias) */
    /* VA 0xa000 is not mapped */
    set(0x1000, 511, 0x5000 | PTE_P | PTE_W);
    set(0x5000, 510, 0x6000 | PTE_P | PTE_W);
    set(0x6000, 0, 0x0 | PTE_P | PTE_W | PS);
    paging = (struct gdb_view){ &vm.mem, { 0x80000011, 0x1000, 0x20, 0x500 }, false };
    flat = (struct gdb_view){ &vm.mem, { 0x11, 0, 0, 0 }, false };
    for (int i = 0; i < 4096; i++) {
        uint8_t b = (uint8_t)i;
        gpa_write(&vm.mem, 0x100000 + i, &b, 1);
    }
    vm.ncpus = 2;
    return 0;
}

static int teardown(void **state)
{
    guest_mem_free(&vm.mem);
    return 0;
}

static void test_translate(void **state)
{
    uint64_t gpa, span;
    assert_int_equal(gdb_translate(&paging, KTEXT + 0x10, &gpa, &span), 0);
    assert_int_equal(gpa, 0x100010);
    assert_int_equal(span, 0x100000 - 0x10);          /* to the end of the 2 MiB page */
    assert_int_equal(gdb_translate(&paging, 0x8ff8, &gpa, &span), 0);
    assert_int_equal(span, 8);
    assert_int_equal(gdb_translate(&paging, 0xa000, &gpa, &span), -1);
    assert_int_equal(gdb_translate(&flat, 0x100000, &gpa, &span), 0);
    /* paging off: no truncation of a 64-bit address to 32 bits */
    assert_int_equal(gdb_translate(&flat, KTEXT, &gpa, &span), -1);
    struct gdb_view phys = paging;
    phys.phys = true;
    assert_int_equal(gdb_translate(&phys, 0x3fffff, &gpa, &span), 0);
    assert_int_equal(gdb_translate(&phys, 4 * MiB, &gpa, &span), -1);   /* beyond RAM */
}

static void test_read_stops_at_unmapped_page(void **state)
{
    uint8_t buf[32];
    /* 0x9ff0.. is mapped (GPA 0x100ff0), 0xa000 is not: a 16-byte prefix */
    assert_int_equal(gdb_mem_read(&paging, &bps, 0x9ff0, buf, sizeof buf), 16);
    assert_int_equal(buf[0], 0xf0);
    assert_int_equal(gdb_mem_read(&paging, &bps, 0xa000, buf, 4), -1);
    /* across the page boundary 0x8fff -> 0x9000 the bytes come from two places */
    assert_int_equal(gdb_mem_read(&paging, &bps, 0x9000 - 1, buf, 2), 2);
    assert_int_equal(buf[1], 0x00);
    /* a write that would touch the unmapped page writes nothing */
    uint8_t w[32];
    memset(w, 0xee, sizeof w);
    assert_int_equal(gdb_mem_write(&paging, &bps, 0x9ff0, w, sizeof w), -1);
    assert_int_equal(gdb_mem_read(&paging, &bps, 0x9ff0, buf, 1), 1);
    assert_int_equal(buf[0], 0xf0);
}

static void test_breakpoint_patched_and_hidden(void **state)
{
    uint8_t b;
    assert_int_equal(gdb_swbp_insert(&paging, &bps, KTEXT + 5), GDB_BP_OK);
    assert_int_equal(gpa_read(&vm.mem, 0x100005, &b, 1), 0);
    assert_int_equal(b, GDB_INT3);                        /* in guest RAM */
    assert_true(gdb_swbp_at(&bps, 0x100005));
    assert_int_equal(gdb_mem_read(&paging, &bps, KTEXT + 5, &b, 1), 1);
    assert_int_equal(b, 5);                               /* hidden from GDB */
    assert_int_equal(gdb_mem_read(&paging, &bps, 0x9005, &b, 1), 1);
    assert_int_equal(b, 5);                               /* also through the alias */
    /* GDB writes over it: the new byte is remembered, the int3 stays */
    uint8_t nb = 0x90;
    assert_int_equal(gdb_mem_write(&paging, &bps, KTEXT + 5, &nb, 1), 0);
    assert_int_equal(gpa_read(&vm.mem, 0x100005, &b, 1), 0);
    assert_int_equal(b, GDB_INT3);
    assert_int_equal(gdb_swbp_remove(&vm.mem, &bps, KTEXT + 5), 0);
    assert_int_equal(gpa_read(&vm.mem, 0x100005, &b, 1), 0);
    assert_int_equal(b, 0x90);
    assert_int_equal(gdb_swbp_remove(&vm.mem, &bps, KTEXT + 5), -1);
    assert_false(gdb_swbp_any(&bps, true));
}

static void test_two_addresses_one_byte(void **state)
{
    uint8_t b;
    assert_int_equal(gdb_swbp_insert(&paging, &bps, KTEXT + 7), GDB_BP_OK);
    assert_int_equal(gdb_swbp_insert(&paging, &bps, 0x9007), GDB_BP_OK);   /* same GPA */
    assert_int_equal(gdb_swbp_remove(&vm.mem, &bps, KTEXT + 7), 0);
    assert_int_equal(gpa_read(&vm.mem, 0x100007, &b, 1), 0);
    assert_int_equal(b, GDB_INT3);                 /* the other one still needs it */
    assert_int_equal(gdb_mem_read(&paging, &bps, 0x9007, &b, 1), 1);
    assert_int_equal(b, 7);                        /* and it saved the guest's byte, not 0xcc */
    gdb_swbp_remove_all(&vm.mem, &bps);
    assert_int_equal(gpa_read(&vm.mem, 0x100007, &b, 1), 0);
    assert_int_equal(b, 7);
}

static void test_deferred_until_paging(void **state)
{
    uint8_t b;
    assert_int_equal(gdb_swbp_insert(&flat, &bps, KTEXT + 9), GDB_BP_OK);
    assert_true(gdb_swbp_any(&bps, false));
    assert_false(gdb_swbp_any(&bps, true));
    assert_int_equal(gpa_read(&vm.mem, 0x100009, &b, 1), 0);
    assert_int_equal(b, 9);                        /* nothing written yet */
    assert_int_equal(gdb_swbp_plant_deferred(&flat, &bps), 1);
    assert_int_equal(gdb_swbp_plant_deferred(&paging, &bps), 0);
    assert_int_equal(gpa_read(&vm.mem, 0x100009, &b, 1), 0);
    assert_int_equal(b, GDB_INT3);
    gdb_swbp_remove_all(&vm.mem, &bps);
    /* with paging on, an unmapped address is an error at once */
    assert_int_equal(gdb_swbp_insert(&paging, &bps, 0xa000), GDB_BP_UNMAPPED);
    assert_false(gdb_swbp_any(&bps, false));
}

static void test_breakpoint_table_full(void **state)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++)
        assert_int_equal(gdb_swbp_insert(&paging, &bps, KTEXT + 0x100 + i), GDB_BP_OK);
    assert_int_equal(gdb_swbp_insert(&paging, &bps, KTEXT + 0x800), GDB_BP_FULL);
    assert_int_equal(gdb_swbp_insert(&paging, &bps, KTEXT + 0x100), GDB_BP_OK);  /* exists */
    gdb_swbp_remove_all(&vm.mem, &bps);
    uint8_t b;
    assert_int_equal(gpa_read(&vm.mem, 0x100100, &b, 1), 0);
    assert_int_equal(b, 0);
}

/* ---- monitor ---- */

static struct kvm_sregs sregs;
static bool phys;
static char out[4096];

static int monitor(const char *cmd)
{
    sregs.cr0 = 0x80000011;
    sregs.cr3 = 0x1000;
    sregs.cr4 = 0x20;
    sregs.efer = 0x500;
    struct gdb_monitor m = { &vm, 1, &sregs, &phys };
    return gdb_monitor_run(&m, cmd, out, sizeof out);
}

static void test_monitor_phys(void **state)
{
    phys = false;
    assert_int_equal(monitor("phys on"), 0);
    assert_true(phys);
    assert_int_equal(monitor("phys off"), 0);
    assert_false(phys);
    assert_int_equal(monitor("phys maybe"), -1);
    assert_false(phys);
    assert_non_null(strstr(out, "usage: phys on|off"));
}

static void test_monitor_walk(void **state)
{
    assert_int_equal(monitor("walk 0x8010"), 0);
    assert_non_null(strstr(out, "PML4E [  0] at 0x000001000 = 0x0000000000002003 P W"));
    assert_non_null(strstr(out, "PTE   [  8] at 0x000004040 = 0x0000000000200003 P W"));
    assert_non_null(strstr(out, "-> physical 0x200010, 4 KiB page, writable kernel-only"));
    assert_int_equal(monitor("walk 0xffffffff80100000"), 0);
    assert_non_null(strstr(out, "PDE   [  0] at 0x000006000 = 0x0000000000000083 P W PS"));
    assert_non_null(strstr(out, "2 MiB page"));
    assert_int_equal(monitor("walk 0xa000"), 0);
    assert_non_null(strstr(out, "-> not present"));
    assert_int_equal(monitor("walk"), -1);
    assert_int_equal(monitor("walk 12zz"), -1);
    assert_int_equal(monitor("walk -1"), -1);
}

static void test_monitor_cr_and_exits(void **state)
{
    assert_int_equal(monitor("cr"), 0);
    assert_non_null(strstr(out, "vCPU 1 (cpl 0)"));
    assert_non_null(strstr(out, "cr0  0x0000000080000011 PE ET PG"));
    assert_non_null(strstr(out, "cr3  0x0000000000001000"));
    assert_non_null(strstr(out, "efer 0x0000000000000500 LME LMA"));
    vm.vcpus[1].exits[KVM_EXIT_IO] = 42;
    vm.vcpus[1].exits[KVM_EXIT_HLT] = 3;
    assert_int_equal(monitor("exits"), 0);
    assert_non_null(strstr(out, "vCPU 0: 0 exits"));
    assert_non_null(strstr(out, "vCPU 1: 45 exits\n  IO               42\n  reason 5         3"));
    assert_int_equal(monitor("reboot now"), -1);
    assert_non_null(strstr(out, "unknown monitor command 'reboot'"));
    assert_int_equal(monitor(""), 0);
    assert_non_null(strstr(out, "walk ADDR"));
}

static void test_monitor_output_is_cut_not_overrun(void **state)
{
    char small[16];
    memset(small, 'x', sizeof small);
    struct gdb_monitor m = { &vm, 0, &sregs, &phys };
    assert_int_equal(gdb_monitor_run(&m, "help", small, 8), 0);
    assert_int_equal(strlen(small), 7);
    assert_int_equal(small[8], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translate),
        cmocka_unit_test(test_read_stops_at_unmapped_page),
        cmocka_unit_test(test_breakpoint_patched_and_hidden),
        cmocka_unit_test(test_two_addresses_one_byte),
        cmocka_unit_test(test_deferred_until_paging),
        cmocka_unit_test(test_breakpoint_table_full),
        cmocka_unit_test(test_monitor_phys),
        cmocka_unit_test(test_monitor_walk),
        cmocka_unit_test(test_monitor_cr_and_exits),
        cmocka_unit_test(test_monitor_output_is_cut_not_overrun),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
