/* Unit tests of vmm/fdt.c: the tree is built, parsed back with libfdt, and every node
 * and property of docs/machine.md is checked; bad descriptions and small buffers fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>
#include "abi/machine.h"
#include "vmm/board.h"
#include "vmm/boot.h"

static _Alignas(8) uint8_t buf[16384];
static char err[ERR_MAX];
static char *const argv_hi[] = { "/bin/sh", "-c", "echo hello world", "", NULL };
static struct machine_desc desc;
static struct board board;

static int fresh(void **state)
{
    desc = (struct machine_desc){
        .ram_size = 5ULL << 30 >> 1,        /* 2.5 GiB: the top bit of the low cell */
        .ncpus = 2, .bootargs = "quiet loglevel=3", .command = argv_hi,
        .syscall_gate = "trap", .host_backend = "pvm", .tick = "pit", .board = &board,
    };
    board_layout(&board, 2);
    memset(buf, 0xff, sizeof buf);
    memset(err, 0, sizeof err);
    return 0;
}

static void build_ok(void)
{
    if (fdt_build(&desc, buf, sizeof buf, err) != 0)
        fail_msg("fdt_build failed: %s", err);
    assert_int_equal(fdt_check_header(buf), 0);
    assert_true(fdt_totalsize(buf) <= sizeof buf);
}

static int node(const char *path)
{
    int off = fdt_path_offset(buf, path);
    if (off < 0)
        fail_msg("no node %s: %s", path, fdt_strerror(off));
    return off;
}

/* The node's property must hold exactly len bytes equal to want. */
static void expect_prop(const char *path, const char *name, const void *want, int len)
{
    int got_len;
    const void *got = fdt_getprop(buf, node(path), name, &got_len);
    if (got == NULL)
        fail_msg("%s has no property %s", path, name);
    if (got_len != len || memcmp(got, want, len) != 0)
        fail_msg("%s: property %s differs (length %d, expected %d)", path, name, got_len, len);
}

static void expect_str(const char *path, const char *name, const char *want)
{
    expect_prop(path, name, want, (int)strlen(want) + 1);
}

static void expect_cells(const char *path, const char *name, const uint32_t *cells, int n)
{
    fdt32_t be[8];
    for (int i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    expect_prop(path, name, be, n * 4);
}

#define EXPECT_CELLS(path, name, ...) \
    expect_cells(path, name, (const uint32_t[]){ __VA_ARGS__ }, \
                 (int)(sizeof((const uint32_t[]){ __VA_ARGS__ }) / 4))

static void expect_no_prop(const char *path, const char *name)
{
    if (fdt_getprop(buf, node(path), name, NULL) != NULL)
        fail_msg("%s should have no property %s", path, name);
}

static void test_root(void **state)
{
    build_ok();
    EXPECT_CELLS("/", "#address-cells", 2);
    EXPECT_CELLS("/", "#size-cells", 2);
    expect_str("/", "compatible", "minivmm,pc");
    expect_str("/", "model", "minivmm");
}

static void test_chosen(void **state)
{
    build_ok();
    expect_str("/chosen", "bootargs", "quiet loglevel=3");
    static const char list[] = "/bin/sh\0-c\0echo hello world\0";   /* + the empty arg */
    expect_prop("/chosen", "minivmm,command", list, sizeof list);
    assert_int_equal(fdt_stringlist_count(buf, node("/chosen"), "minivmm,command"), 4);
    int len;
    const char *s = fdt_stringlist_get(buf, node("/chosen"), "minivmm,command", 2, &len);
    assert_string_equal(s, "echo hello world");
    expect_str("/chosen", "minivmm,syscall-gate", "trap");
    expect_str("/chosen", "minivmm,host", "pvm");
    expect_str("/chosen", "minivmm,tick", "pit");
    expect_str("/chosen", "minivmm,console", "terminal");     /* the default */
    expect_str("/chosen", "stdout-path", "/isa/serial@i3f8");
    node("/isa/serial@i3f8");   /* stdout-path names a real node */
    expect_no_prop("/chosen", "minivmm,mmu");       /* direct mode says nothing */
    expect_no_prop("/chosen", "minivmm,pt-pool");
}

static void test_chosen_mmu_shadow(void **state)
{
    desc.mmu = "shadow";
    desc.pt_pool_gpa = desc.ram_size - (16 << 20);
    desc.pt_pool_size = 16 << 20;
    build_ok();
    expect_str("/chosen", "minivmm,mmu", "shadow");
    EXPECT_CELLS("/chosen", "minivmm,pt-pool", 0, (uint32_t)desc.pt_pool_gpa, 0, 16 << 20);
}

static void test_chosen_without_command(void **state)
{
    desc.command = NULL;
    desc.bootargs = NULL;
    desc.syscall_gate = "syscall";
    desc.host_backend = "svm";
    desc.tick = "lapic";
    desc.console = "stream";
    build_ok();
    expect_str("/chosen", "minivmm,console", "stream");
    expect_no_prop("/chosen", "minivmm,command");
    expect_str("/chosen", "bootargs", "");
    expect_str("/chosen", "minivmm,syscall-gate", "syscall");
    expect_str("/chosen", "minivmm,host", "svm");
    expect_str("/chosen", "minivmm,tick", "lapic");
}

static void test_memory(void **state)
{
    build_ok();
    expect_str("/memory@0", "device_type", "memory");
    EXPECT_CELLS("/memory@0", "reg", 0, 0, 0, 0xa0000000);
    desc.ram_size = MACHINE_RAM_MAX;
    build_ok();
    EXPECT_CELLS("/memory@0", "reg", 0, 0, 0, 0xc0000000);
}

static void test_cpus(void **state)
{
    desc.ncpus = 64;
    build_ok();
    EXPECT_CELLS("/cpus", "#address-cells", 1);
    EXPECT_CELLS("/cpus", "#size-cells", 0);
    int n = 0, child;
    fdt_for_each_subnode(child, buf, node("/cpus")) {
        char path[32];
        snprintf(path, sizeof path, "/cpus/cpu@%x", n);
        assert_string_equal(fdt_get_name(buf, child, NULL), path + 6);
        expect_str(path, "device_type", "cpu");
        EXPECT_CELLS(path, "reg", (uint32_t)n);
        n++;
    }
    assert_int_equal(n, 64);
    node("/cpus/cpu@3f");   /* unit addresses are hex */
}

static void test_irqchips(void **state)
{
    build_ok();
    expect_str("/lapic@fee00000", "compatible", "intel,ce4100-lapic");
    EXPECT_CELLS("/lapic@fee00000", "reg", 0, 0xfee00000, 0, 0x1000);
    const char *io = "/ioapic@fec00000";
    expect_str(io, "compatible", "intel,ce4100-ioapic");
    EXPECT_CELLS(io, "reg", 0, 0xfec00000, 0, 0x1000);
    expect_prop(io, "interrupt-controller", "", 0);
    EXPECT_CELLS(io, "#interrupt-cells", 2);
    assert_int_equal(fdt_node_offset_by_phandle(buf, fdt_get_phandle(buf, node(io))),
                     node(io));
    assert_int_not_equal(fdt_get_phandle(buf, node(io)), 0);
}

static void test_isa(void **state)
{
    build_ok();
    uint32_t ioapic = fdt_get_phandle(buf, node("/ioapic@fec00000"));
    expect_str("/isa", "compatible", "isa");
    EXPECT_CELLS("/isa", "#address-cells", 2);
    EXPECT_CELLS("/isa", "#size-cells", 1);
    EXPECT_CELLS("/isa", "interrupt-parent", ioapic);
    expect_str("/isa/serial@i3f8", "compatible", "ns16550a");
    EXPECT_CELLS("/isa/serial@i3f8", "reg", 1, 0x3f8, 8);
    EXPECT_CELLS("/isa/serial@i3f8", "interrupts", 4, 0);
    EXPECT_CELLS("/isa/serial@i3f8", "clock-frequency", 1843200);
    expect_str("/isa/timer@i40", "compatible", "minivmm,i8254");
    EXPECT_CELLS("/isa/timer@i40", "reg", 1, 0x40, 4, 1, 0x61, 1);   /* and port 0x61 */
    EXPECT_CELLS("/isa/timer@i40", "interrupts", 0, 0);
    expect_str("/isa/control@i700", "compatible", "minivmm,control");
    EXPECT_CELLS("/isa/control@i700", "reg", 1, 0x700, 32);
    expect_no_prop("/isa/control@i700", "interrupts");
}

static void test_virtio_slots(void **state)
{
    board_layout(&board, MACHINE_VIRTIO_SLOTS);
    build_ok();
    uint32_t ioapic = fdt_get_phandle(buf, node("/ioapic@fec00000"));
    for (int i = 0; i < MACHINE_VIRTIO_SLOTS; i++) {
        char path[40];
        uint32_t base = 0xfeb00000 + 0x200 * i;
        snprintf(path, sizeof path, "/virtio_mmio@%x", base);
        expect_str(path, "compatible", "virtio,mmio");
        EXPECT_CELLS(path, "reg", 0, base, 0, 0x200);
        EXPECT_CELLS(path, "interrupt-parent", ioapic);
        EXPECT_CELLS(path, "interrupts", (uint32_t)(5 + i), 0);
    }
    assert_int_equal(fdt_node_offset_by_compatible(buf, -1, "virtio,mmio"),
                     node("/virtio_mmio@feb00000"));
}

/* The board never lays out more slots than the machine has. */
static void test_virtio_slots_are_bounded(void **state)
{
    board_layout(&board, MACHINE_VIRTIO_SLOTS + 1);
    build_ok();
    int n = 0;
    for (int off = fdt_node_offset_by_compatible(buf, -1, "virtio,mmio"); off >= 0;
         off = fdt_node_offset_by_compatible(buf, off, "virtio,mmio"))
        n++;
    assert_int_equal(n, MACHINE_VIRTIO_SLOTS);
}

static void test_no_virtio_slots(void **state)
{
    board_layout(&board, 0);
    build_ok();
    assert_true(fdt_node_offset_by_compatible(buf, -1, "virtio,mmio") < 0);
}

/* The benchmark doorbell: its MMIO page, echo interrupt on the IOAPIC, and its port. */
static void test_doorbell(void **state)
{
    build_ok();
    expect_str("/doorbell@feb10000", "compatible", "minivmm,doorbell");
    EXPECT_CELLS("/doorbell@feb10000", "reg", 0, 0xfeb10000, 0, 0x1000);
    uint32_t ioapic = fdt_get_phandle(buf, node("/ioapic@fec00000"));
    EXPECT_CELLS("/doorbell@feb10000", "interrupt-parent", ioapic);
    EXPECT_CELLS("/doorbell@feb10000", "interrupts", 13, 0);
    EXPECT_CELLS("/doorbell@feb10000", "minivmm,port", 0x70c);
    assert_int_equal(fdt_node_offset_by_compatible(buf, -1, "minivmm,doorbell"),
                     node("/doorbell@feb10000"));
    /* It is there without any disk, too. */
    board_layout(&board, 0);
    build_ok();
    node("/doorbell@feb10000");
}

/* Exactly the nodes of docs/machine.md below the root, in its order. */
static void test_root_children(void **state)
{
    board_layout(&board, 1);
    build_ok();
    static const char *const want[] = { "chosen", "memory@0", "cpus", "lapic@fee00000",
        "ioapic@fec00000", "isa", "virtio_mmio@feb00000", "doorbell@feb10000" };
    int n = 0, child;
    fdt_for_each_subnode(child, buf, 0) {
        assert_true(n < 8);
        assert_string_equal(fdt_get_name(buf, child, NULL), want[n]);
        n++;
    }
    assert_int_equal(n, 8);
}

static void test_small_buffer(void **state)
{
    build_ok();
    size_t need = fdt_totalsize(buf);
    assert_int_equal(fdt_build(&desc, buf, need - 1, err), -1);
    assert_non_null(strstr(err, "does not fit"));
    assert_int_equal(fdt_build(&desc, buf, 16, err), -1);
    assert_non_null(strstr(err, "16-byte buffer"));
    assert_int_equal(fdt_build(&desc, buf, need, err), 0);   /* exactly enough is enough */
    assert_int_equal(fdt_check_header(buf), 0);
}

static void expect_refused(const char *want)
{
    memset(err, 0, sizeof err);
    assert_int_equal(fdt_build(&desc, buf, sizeof buf, err), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not mention \"%s\"", err, want);
    fresh(NULL);
}

static void test_bad_descriptions(void **state)
{
    desc.ncpus = 0;                     expect_refused("0 CPUs");
    desc.ncpus = 65;                    expect_refused("65 CPUs");
    desc.ram_size = 0;                  expect_refused("RAM size");
    desc.ram_size = MACHINE_RAM_MAX + 1; expect_refused("RAM size");
    desc.board = NULL;                  expect_refused("no board");
    static char *const empty[] = { NULL };
    desc.command = empty;               expect_refused("empty command");
    desc.syscall_gate = "int80";        expect_refused("syscall gate");
    desc.console = "tty";               expect_refused("console");
    desc.syscall_gate = NULL;           expect_refused("syscall gate");
    desc.host_backend = "tcg";          expect_refused("host must be");
    desc.tick = "hpet";                 expect_refused("tick must be");
    desc.tick = NULL;                   expect_refused("tick must be");
    desc.mmu = "direct";                expect_refused("mmu must be");
    desc.mmu = "shadow";                expect_refused("mmu must be");   /* no pool */
    desc.mmu = "shadow"; desc.pt_pool_size = 4096; desc.pt_pool_gpa = desc.ram_size;
    expect_refused("mmu must be");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, fresh)
    const struct CMUnitTest tests[] = {
        T(test_root), T(test_chosen), T(test_chosen_mmu_shadow), T(test_chosen_without_command), T(test_memory),
        T(test_cpus), T(test_irqchips), T(test_isa), T(test_virtio_slots),
        T(test_virtio_slots_are_bounded), T(test_no_virtio_slots), T(test_doorbell), T(test_root_children), T(test_small_buffer),
        T(test_bad_descriptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
