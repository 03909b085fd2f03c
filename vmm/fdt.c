/* The guest's device tree, written with libfdt's sequential-write API in the layout of
 * docs/machine.md: memory, CPUs, /chosen, interrupt controllers, ISA devices, virtio-mmio,
 * the benchmark doorbell.
 * Every libfdt call is checked; the first failure ends the build with its libfdt code. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "abi/machine.h"
#include "vmm/boot.h"

#define MAX_CPUS        64
#define IOAPIC_PHANDLE  1
#define SERIAL_PATH     "/isa/serial@i3f8"

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

static int add_chosen(void *fdt, const struct machine_desc *d)
{
    TRY(fdt_begin_node(fdt, "chosen"));
    TRY(fdt_property_string(fdt, "bootargs", d->bootargs ? d->bootargs : ""));
    if (d->command != NULL)
        TRY(prop_strings(fdt, "minivmm,command", d->command));
    TRY(fdt_property_string(fdt, "minivmm,syscall-gate", d->syscall_gate));
    TRY(fdt_property_string(fdt, "minivmm,host", d->host_backend));
    TRY(fdt_property_string(fdt, "minivmm,tick", d->tick));
    TRY(fdt_property_string(fdt, "stdout-path", SERIAL_PATH));
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

static int add_irqchips(void *fdt)
{
    TRY(fdt_begin_node(fdt, "lapic@fee00000"));
    TRY(fdt_property_string(fdt, "compatible", "intel,ce4100-lapic"));
    TRY(CELLS(fdt, "reg", 0, (uint32_t)MACHINE_LAPIC_GPA, 0, 0x1000));
    TRY(fdt_end_node(fdt));
    TRY(fdt_begin_node(fdt, "ioapic@fec00000"));
    TRY(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
    TRY(CELLS(fdt, "reg", 0, (uint32_t)MACHINE_IOAPIC_GPA, 0, 0x1000));
    TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    TRY(fdt_property_u32(fdt, "#interrupt-cells", 2));
    TRY(fdt_property_u32(fdt, "phandle", IOAPIC_PHANDLE));
    return fdt_end_node(fdt);
}

/* The ISA bus: reg = <1 port len>, the 1 marking I/O space; interrupts = <pin flags>. */
static int add_isa(void *fdt)
{
    TRY(fdt_begin_node(fdt, "isa"));
    TRY(fdt_property_string(fdt, "compatible", "isa"));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 1));
    TRY(fdt_property_u32(fdt, "interrupt-parent", IOAPIC_PHANDLE));

    TRY(fdt_begin_node(fdt, "serial@i3f8"));
    TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
    TRY(CELLS(fdt, "reg", 1, MACHINE_UART_PORT, 8));
    TRY(CELLS(fdt, "interrupts", MACHINE_UART_IRQ, 0));
    TRY(fdt_property_u32(fdt, "clock-frequency", MACHINE_UART_CLOCK));
    TRY(fdt_end_node(fdt));

    TRY(fdt_begin_node(fdt, "timer@i40"));
    TRY(fdt_property_string(fdt, "compatible", "minivmm,i8254"));
    TRY(CELLS(fdt, "reg", 1, MACHINE_PIT_PORT, 4));
    TRY(CELLS(fdt, "interrupts", MACHINE_PIT_IRQ, 0));
    TRY(fdt_end_node(fdt));

    TRY(fdt_begin_node(fdt, "control@i700"));
    TRY(fdt_property_string(fdt, "compatible", "minivmm,control"));
    TRY(CELLS(fdt, "reg", 1, CTL_PORT, CTL_PORT_LEN));
    TRY(fdt_end_node(fdt));
    return fdt_end_node(fdt);
}

static int add_virtio(void *fdt, int nslots)
{
    for (int i = 0; i < nslots; i++) {
        uint64_t base = MACHINE_VIRTIO_GPA + (uint64_t)i * MACHINE_VIRTIO_STRIDE;
        char name[32];
        snprintf(name, sizeof name, "virtio_mmio@%llx", (unsigned long long)base);
        TRY(fdt_begin_node(fdt, name));
        TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
        TRY(CELLS(fdt, "reg", 0, (uint32_t)base, 0, (uint32_t)MACHINE_VIRTIO_STRIDE));
        TRY(fdt_property_u32(fdt, "interrupt-parent", IOAPIC_PHANDLE));
        TRY(CELLS(fdt, "interrupts", (uint32_t)(MACHINE_VIRTIO_IRQ + i), 0));
        TRY(fdt_end_node(fdt));
    }
    return 0;
}

/* The benchmark doorbell (docs/machine.md): its MMIO page, its echo interrupt, and the
 * control-port register that rings it too. */
static int add_doorbell(void *fdt)
{
    char name[32];
    snprintf(name, sizeof name, "doorbell@%llx", (unsigned long long)MACHINE_DOORBELL_GPA);
    TRY(fdt_begin_node(fdt, name));
    TRY(fdt_property_string(fdt, "compatible", "minivmm,doorbell"));
    TRY(CELLS(fdt, "reg", 0, (uint32_t)MACHINE_DOORBELL_GPA, 0, MACHINE_DOORBELL_LEN));
    TRY(fdt_property_u32(fdt, "interrupt-parent", IOAPIC_PHANDLE));
    TRY(CELLS(fdt, "interrupts", MACHINE_DOORBELL_IRQ, 0));
    TRY(fdt_property_u32(fdt, "minivmm,port", CTL_PORT + CTL_DOORBELL));
    return fdt_end_node(fdt);
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
    TRY(add_irqchips(buf));
    TRY(add_isa(buf));
    TRY(add_virtio(buf, d->nvirtio));
    TRY(add_doorbell(buf));
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

    if (d->ncpus < 1 || d->ncpus > MAX_CPUS)
        return fail(err, "device tree: %d CPUs (must be 1 to %d)", d->ncpus, MAX_CPUS);
    if (d->ram_size == 0 || d->ram_size > MACHINE_RAM_MAX)
        return fail(err, "device tree: RAM size 0x%llx (must be 1 byte to 3 GiB)",
                    (unsigned long long)d->ram_size);
    if (d->nvirtio < 0 || d->nvirtio > MACHINE_VIRTIO_SLOTS)
        return fail(err, "device tree: %d virtio-mmio slots (must be 0 to %d)", d->nvirtio,
                    MACHINE_VIRTIO_SLOTS);
    if (d->command != NULL && d->command[0] == NULL)
        return fail(err, "device tree: empty command (argv needs at least one word)");
    if (!one_of(d->syscall_gate, gates))
        return fail(err, "device tree: syscall gate must be \"syscall\" or \"trap\"");
    if (!one_of(d->host_backend, hosts))
        return fail(err, "device tree: host must be \"vmx\", \"svm\", \"pvm\" or \"unknown\"");
    if (!one_of(d->tick, ticks))
        return fail(err, "device tree: tick must be \"lapic\" or \"pit\"");
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
