/* Tests the guest kernel's FDT parser (guest/kernel/fdt.c) on the host: a tree shaped like
 * the VMM's is read back field by field, and truncated, mis-sized or corrupted trees are
 * rejected (or at least parsed without reading outside the blob). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>
#include "guest/kernel/platform.h"

struct bootinfo bootinfo;

static uint8_t tree[8192];

#define OK(x) assert_int_equal((x), 0)

static void cells(void *fdt, const char *name, int n, ...)
{
    fdt32_t v[8];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
    va_end(ap);
    OK(fdt_property(fdt, name, v, n * 4));
}

/* A tree like the VMM's: 256 MiB, two CPUs (APIC IDs 0 and 3), the ISA devices, a virtio
 * slot, and a two-string compatible list. */
static size_t build(void)
{
    void *f = tree;
    memset(tree, 0, sizeof tree);
    OK(fdt_create(f, sizeof tree));
    OK(fdt_finish_reservemap(f));
    OK(fdt_begin_node(f, ""));
    cells(f, "#address-cells", 1, 2);
    cells(f, "#size-cells", 1, 2);
    OK(fdt_begin_node(f, "chosen"));
    OK(fdt_property_string(f, "bootargs", "quiet selftest=x"));
    OK(fdt_property(f, "minivmm,command", "/bin/echo\0hi there\0", 19));
    OK(fdt_property_string(f, "minivmm,syscall-gate", "trap"));
    OK(fdt_property_string(f, "minivmm,host", "pvm"));
    OK(fdt_property_string(f, "minivmm,tick", "pit"));
    OK(fdt_property_string(f, "minivmm,mmu", "shadow"));
    cells(f, "minivmm,pt-pool", 4, 0, 0xf000000, 0, 0x1000000);
    OK(fdt_end_node(f));
    OK(fdt_begin_node(f, "memory@0"));
    OK(fdt_property_string(f, "device_type", "memory"));
    cells(f, "reg", 4, 0, 0, 0, 0x10000000);
    OK(fdt_end_node(f));
    OK(fdt_begin_node(f, "cpus"));
    cells(f, "#address-cells", 1, 1);
    cells(f, "#size-cells", 1, 0);
    OK(fdt_begin_node(f, "cpu@0"));
    OK(fdt_property_string(f, "device_type", "cpu"));
    cells(f, "reg", 1, 0);
    OK(fdt_end_node(f));
    OK(fdt_begin_node(f, "cpu@3"));
    cells(f, "reg", 1, 3);                        /* reg before device_type */
    OK(fdt_property_string(f, "device_type", "cpu"));
    OK(fdt_end_node(f));
    OK(fdt_end_node(f));
    OK(fdt_begin_node(f, "ioapic@fec00000"));
    OK(fdt_property_string(f, "compatible", "intel,ce4100-ioapic"));
    cells(f, "reg", 4, 0, 0xfec00000, 0, 0x1000);
    OK(fdt_end_node(f));
    OK(fdt_begin_node(f, "isa"));
    OK(fdt_property_string(f, "compatible", "isa"));
    cells(f, "#address-cells", 1, 2);
    cells(f, "#size-cells", 1, 1);
    OK(fdt_begin_node(f, "serial@i3f8"));
    OK(fdt_property_string(f, "compatible", "ns16550a"));
    cells(f, "reg", 3, 1, 0x3f8, 8);
    cells(f, "interrupts", 2, 4, 0);
    OK(fdt_end_node(f));
    OK(fdt_begin_node(f, "timer@i40"));
    OK(fdt_property(f, "compatible", "intel,8254\0minivmm,i8254", 25));
    cells(f, "reg", 3, 1, 0x40, 4);
    cells(f, "interrupts", 2, 2, 8);
    OK(fdt_end_node(f));
    OK(fdt_end_node(f));
    OK(fdt_begin_node(f, "virtio_mmio@feb00000"));
    OK(fdt_property_string(f, "compatible", "virtio,mmio"));
    cells(f, "reg", 4, 0, 0xfeb00000, 0, 0x200);
    cells(f, "interrupts", 2, 5, 0);
    OK(fdt_end_node(f));
    OK(fdt_end_node(f));
    OK(fdt_finish(f));
    return fdt_totalsize(f);
}

static void test_reads_the_machine(void **state)
{
    size_t n = build();
    struct fdt_dev d;
    assert_int_equal(fdt_parse(tree, sizeof tree), n);
    assert_string_equal(bootinfo.cmdline, "quiet selftest=x");
    assert_string_equal(bootinfo.syscall_gate, "trap");
    assert_string_equal(bootinfo.host, "pvm");
    assert_string_equal(bootinfo.tick, "pit");
    assert_string_equal(bootinfo.mmu, "shadow");
    assert_int_equal(bootinfo.pt_pool_pa, 0xf000000);
    assert_int_equal(bootinfo.pt_pool_size, 0x1000000);
    assert_int_equal(bootinfo.ncommand, 2);
    assert_string_equal(bootinfo.command[0], "/bin/echo");
    assert_string_equal(bootinfo.command[1], "hi there");
    assert_null(bootinfo.command[2]);
    assert_int_equal(bootinfo.ram_size, 0x10000000);
    assert_int_equal(fdt_cpus.n, 2);
    assert_int_equal(fdt_cpus.apic_id[1], 3);
    assert_true(fdt_find("ns16550a", 0, &d));
    assert_true(d.io);
    assert_int_equal(d.addr, 0x3f8);
    assert_int_equal(d.size, 8);
    assert_int_equal(d.irq, 4);
    assert_true(fdt_find("minivmm,i8254", 0, &d));     /* second string of the list */
    assert_int_equal(d.irq, 2);
    assert_int_equal(d.irq_flags, 8);
    assert_true(fdt_find("virtio,mmio", 0, &d));
    assert_false(d.io);
    assert_int_equal(d.addr, 0xfeb00000);
    assert_int_equal(d.irq, 5);
    assert_false(fdt_find("virtio,mmio", 1, &d));
    assert_false(fdt_find("virtio", 0, &d));            /* no prefix matches */
    assert_false(fdt_find("isa", 1, &d));
}

static void test_rejects_bad_headers(void **state)
{
    size_t n = build();
    assert_int_equal(fdt_parse(tree, n - 1), 0);        /* totalsize beyond the module */
    fdt_set_magic(tree, 0xd00dfeee);
    assert_int_equal(fdt_parse(tree, n), 0);
    build();
    fdt_set_size_dt_struct(tree, n);                     /* struct block past totalsize */
    assert_int_equal(fdt_parse(tree, n), 0);
    build();
    fdt_set_off_dt_strings(tree, 0xfffffff0);
    assert_int_equal(fdt_parse(tree, n), 0);
    build();
    fdt_set_version(tree, 16);
    assert_int_equal(fdt_parse(tree, n), 0);
}

static void test_rejects_unterminated_strings_and_bad_tokens(void **state)
{
    size_t n = build();
    uint8_t *strs = tree + fdt_off_dt_strings(tree);
    strs[fdt_size_dt_strings(tree) - 1] = 'x';           /* last name unterminated */
    assert_int_equal(fdt_parse(tree, n), 0);
    build();
    fdt_set_size_dt_struct(tree, fdt_size_dt_struct(tree) - 8);   /* cut before FDT_END */
    assert_int_equal(fdt_parse(tree, n), 0);
    assert_int_equal(fdt_cpus.n, 0);
    assert_null(bootinfo.command);
    build();
    uint32_t *s = (uint32_t *)(tree + fdt_off_dt_struct(tree));
    s[0] = cpu_to_fdt32(7);                              /* unknown token */
    assert_int_equal(fdt_parse(tree, n), 0);
}

/* A property length pointing past the structure block must not be followed. */
static void test_rejects_oversized_property(void **state)
{
    size_t n = build();
    uint32_t *s = (uint32_t *)(tree + fdt_off_dt_struct(tree));
    /* BEGIN_NODE "" (2 words), then the first PROP: token, len, nameoff. */
    assert_int_equal(fdt32_to_cpu(s[2]), 3);
    s[3] = cpu_to_fdt32(0x7fffffff);
    assert_int_equal(fdt_parse(tree, n), 0);
}

/* Every single-byte corruption of the structure block: parse must stay inside the blob
 * (the copy sits at the very end of a heap block, so a stray read is likely to fault
 * under a sanitizer) and never report more CPUs than NCPU. */
static void test_survives_byte_corruption(void **state)
{
    size_t n = build();
    uint8_t *copy = malloc(n);
    uint32_t off = fdt_off_dt_struct(tree), len = fdt_size_dt_struct(tree);
    for (uint32_t i = off; i < off + len; i++) {
        for (int v = 0; v < 3; v++) {
            memcpy(copy, tree, n);
            copy[i] = v == 0 ? 0xff : v == 1 ? 0x00 : copy[i] ^ 0x80;
            fdt_parse(copy, n);
            assert_true(fdt_cpus.n <= NCPU);
        }
    }
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_the_machine),
        cmocka_unit_test(test_rejects_bad_headers),
        cmocka_unit_test(test_rejects_unterminated_strings_and_bad_tokens),
        cmocka_unit_test(test_rejects_oversized_property),
        cmocka_unit_test(test_survives_byte_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
