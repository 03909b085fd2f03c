/* The guest's device tree, written with libfdt's sequential-write API in the layout of
 * docs/machine.md: /chosen, memory, CPUs, then every device of the board (vmm/board.h) in
 * the board's order, the port-I/O ones under /isa.
 * Every libfdt call is checked; the first failure ends the build with its libfdt code. */
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "abi/machine.h"
#include "vmm/board.h"
#include "vmm/boot.h"

#define MAX_CPUS        64

/* Propagate a negative libfdt result to the caller. */
#define TRY(call) do { int r_ = (call); if (r_ < 0) return r_; } while (0)

#define fail boot_fail

/* A property of 32-bit cells, converted to the tree's big-endian order. */
static int prop_cells(void *fdt, const char *name, const uint32_t *cells, int n)
{
    fdt32_t be[8];
    for (int i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(cells[i]);
    return fdt_property(fdt, name, be, n * (int)sizeof be[0]);
}

#define CELLS(fdt, name, ...) \
    prop_cells(fdt, name, (const uint32_t[]){ __VA_ARGS__ }, \
               (int)(sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)))

/* A string list: each argument NUL-terminated, back to back. */
static int prop_strings(void *fdt, const char *name, char *const *list)
{
    size_t len = 0;
    for (int i = 0; list[i] != NULL; i++)
        len += strlen(list[i]) + 1;
    if (len > INT_MAX)
        return -FDT_ERR_NOSPACE;
    void *space;
    TRY(fdt_property_placeholder(fdt, name, (int)len, &space));
    char *p = space;
    for (int i = 0; list[i] != NULL; i++)
        p = stpcpy(p, list[i]) + 1;
    return 0;
}

/* A device's node name: <node>@i<port> under /isa, <node>@<address> at the root. */
static void node_name(const struct board_dev *d, char *buf, size_t n)
{
    snprintf(buf, n, "%s@%s%llx", d->e->node, d->e->space == BOARD_PIO ? "i" : "",
             (unsigned long long)d->win[0].base);
}

static int add_chosen(void *fdt, const struct machine_desc *d)
{
    TRY(fdt_begin_node(fdt, "chosen"));
    TRY(fdt_property_string(fdt, "bootargs", d->bootargs ? d->bootargs : ""));
    if (d->command != NULL)
        TRY(prop_strings(fdt, "minivmm,command", d->command));
    TRY(fdt_property_string(fdt, "minivmm,syscall-gate", d->syscall_gate));
    TRY(fdt_property_string(fdt, "minivmm,host", d->host_backend));
    TRY(fdt_property_string(fdt, "minivmm,tick", d->tick));
    TRY(fdt_property_string(fdt, "minivmm,console", d->console ? d->console : "terminal"));
    if (d->mmu != NULL) {
        TRY(fdt_property_string(fdt, "minivmm,mmu", d->mmu));
        TRY(CELLS(fdt, "minivmm,pt-pool", (uint32_t)(d->pt_pool_gpa >> 32),
                  (uint32_t)d->pt_pool_gpa, (uint32_t)(d->pt_pool_size >> 32),
                  (uint32_t)d->pt_pool_size));
    }
    const struct board_dev *uart = board_find(d->board, MODEL_UART);
    if (uart != NULL) {
        char path[64] = "/isa/";
        node_name(uart, path + 5, sizeof path - 5);
        TRY(fdt_property_string(fdt, "stdout-path", path));
    }
    return fdt_end_node(fdt);
}

static int add_memory(void *fdt, const struct machine_desc *d)
{
    TRY(fdt_begin_node(fdt, "memory@0"));
    TRY(fdt_property_string(fdt, "device_type", "memory"));
    TRY(CELLS(fdt, "reg", 0, 0, (uint32_t)(d->ram_size >> 32), (uint32_t)d->ram_size));
    return fdt_end_node(fdt);
}

/* One cpu node per vCPU; its reg is the LAPIC ID, which KVM sets to the vCPU index. */
static int add_cpus(void *fdt, const struct machine_desc *d)
{
    TRY(fdt_begin_node(fdt, "cpus"));
    TRY(fdt_property_u32(fdt, "#address-cells", 1));
    TRY(fdt_property_u32(fdt, "#size-cells", 0));
    for (int i = 0; i < d->ncpus; i++) {
        char name[16];
        snprintf(name, sizeof name, "cpu@%x", i);
        TRY(fdt_begin_node(fdt, name));
        TRY(fdt_property_string(fdt, "device_type", "cpu"));
        TRY(fdt_property_u32(fdt, "reg", (uint32_t)i));
        TRY(fdt_end_node(fdt));
    }
    return fdt_end_node(fdt);
}

/* reg: <1 port len> per window under /isa (the 1 marks I/O space), <0 base 0 len> per
 * window elsewhere (2 address and 2 size cells). */
static int add_reg(void *fdt, const struct board_dev *d)
{
    uint32_t cells[4 * BOARD_MAX_WINDOWS];
    int n = 0;
    for (int w = 0; w < d->nwin; w++) {
        if (d->e->space == BOARD_PIO) {
            cells[n++] = 1;
            cells[n++] = (uint32_t)d->win[w].base;
            cells[n++] = (uint32_t)d->win[w].len;
        } else {
            cells[n++] = (uint32_t)(d->win[w].base >> 32);
            cells[n++] = (uint32_t)d->win[w].base;
            cells[n++] = (uint32_t)(d->win[w].len >> 32);
            cells[n++] = (uint32_t)d->win[w].len;
        }
    }
    return prop_cells(fdt, "reg", cells, n);
}

/* One device's node. */
static int add_device(void *fdt, const struct board_dev *d)
{
    char name[48];
    node_name(d, name, sizeof name);
    TRY(fdt_begin_node(fdt, name));
    TRY(fdt_property_string(fdt, "compatible", d->e->compatible));
    TRY(add_reg(fdt, d));
    if (d->gsi >= 0) {
        if (d->e->space != BOARD_PIO)       /* /isa names it for its children */
            TRY(fdt_property_u32(fdt, "interrupt-parent", BOARD_IOAPIC_PHANDLE));
        TRY(CELLS(fdt, "interrupts", (uint32_t)d->gsi, 0));
    }
    if (d->e->fdt_props)
        TRY(d->e->fdt_props(fdt, d));
    return fdt_end_node(fdt);
}

/* The ISA bus node with every port-I/O device in it. */
static int add_isa(void *fdt, const struct board *b)
{
    TRY(fdt_begin_node(fdt, "isa"));
    TRY(fdt_property_string(fdt, "compatible", "isa"));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 1));
    TRY(fdt_property_u32(fdt, "interrupt-parent", BOARD_IOAPIC_PHANDLE));
    for (int i = 0; i < b->ndevs; i++)
        if (b->devs[i].e->space == BOARD_PIO)
            TRY(add_device(fdt, &b->devs[i]));
    return fdt_end_node(fdt);
}

/* Every device of the board in its order; /isa where its first device stands. */
static int add_board(void *fdt, const struct board *b)
{
    bool isa_done = false;
    for (int i = 0; i < b->ndevs; i++) {
        const struct board_dev *d = &b->devs[i];
        if (d->e->space != BOARD_PIO)
            TRY(add_device(fdt, d));
        else if (!isa_done) {
            TRY(add_isa(fdt, b));
            isa_done = true;
        }
    }
    return 0;
}

static int build(const struct machine_desc *d, void *buf, int size)
{
    TRY(fdt_create(buf, size));
    TRY(fdt_finish_reservemap(buf));
    TRY(fdt_begin_node(buf, ""));
    TRY(fdt_property_u32(buf, "#address-cells", 2));
    TRY(fdt_property_u32(buf, "#size-cells", 2));
    TRY(fdt_property_string(buf, "compatible", "minivmm,pc"));
    TRY(fdt_property_string(buf, "model", "minivmm"));
    TRY(add_chosen(buf, d));
    TRY(add_memory(buf, d));
    TRY(add_cpus(buf, d));
    TRY(add_board(buf, d->board));
    TRY(fdt_end_node(buf));
    return fdt_finish(buf);
}

/* True if s is one of the NULL-terminated choices. */
static int one_of(const char *s, const char *const *choices)
{
    for (; s != NULL && *choices != NULL; choices++)
        if (strcmp(s, *choices) == 0)
            return 1;
    return 0;
}

static int check_desc(const struct machine_desc *d, char *err)
{
    static const char *const gates[] = { "syscall", "trap", NULL };
    static const char *const hosts[] = { "vmx", "svm", "pvm", "unknown", NULL };
    static const char *const ticks[] = { "lapic", "pit", NULL };
    static const char *const consoles[] = { "terminal", "stream", NULL };

    if (d->ncpus < 1 || d->ncpus > MAX_CPUS)
        return fail(err, "device tree: %d CPUs (must be 1 to %d)", d->ncpus, MAX_CPUS);
    if (d->ram_size == 0 || d->ram_size > MACHINE_RAM_MAX)
        return fail(err, "device tree: RAM size 0x%llx (must be 1 byte to 3 GiB)",
                    (unsigned long long)d->ram_size);
    if (d->board == NULL || d->board->ndevs < 0 || d->board->ndevs > BOARD_MAX_DEVICES)
        return fail(err, "device tree: no board (or one of more than %d devices)",
                    BOARD_MAX_DEVICES);
    if (d->command != NULL && d->command[0] == NULL)
        return fail(err, "device tree: empty command (argv needs at least one word)");
    if (!one_of(d->syscall_gate, gates))
        return fail(err, "device tree: syscall gate must be \"syscall\" or \"trap\"");
    if (!one_of(d->host_backend, hosts))
        return fail(err, "device tree: host must be \"vmx\", \"svm\", \"pvm\" or \"unknown\"");
    if (!one_of(d->tick, ticks))
        return fail(err, "device tree: tick must be \"lapic\" or \"pit\"");
    if (d->console && !one_of(d->console, consoles))
        return fail(err, "device tree: console must be \"terminal\" or \"stream\"");
    if (d->mmu != NULL && (strcmp(d->mmu, "shadow") != 0 || d->pt_pool_size == 0 ||
                           d->pt_pool_gpa + d->pt_pool_size > d->ram_size))
        return fail(err, "device tree: mmu must be \"shadow\" with a pool inside RAM");
    return 0;
}

int fdt_build(const struct machine_desc *d, void *buf, size_t bufsize, char *err)
{
    if (check_desc(d, err) < 0)
        return -1;
    int size = bufsize > INT_MAX ? INT_MAX : (int)bufsize;
    int r = build(d, buf, size);
    if (r == -FDT_ERR_NOSPACE)
        return fail(err, "device tree does not fit in its %zu-byte buffer", bufsize);
    if (r < 0)
        return fail(err, "device tree: libfdt: %s", fdt_strerror(r));
    return 0;
}
