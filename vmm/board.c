/* The machine's devices, one entry each (docs/machine.md draws the same map). Addresses,
 * ports and interrupts come from abi/machine.h, which the guest kernel shares. */
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "abi/machine.h"
#include "vmm/board.h"

static int serial_props(void *fdt, const struct board_dev *d)
{
    return fdt_property_u32(fdt, "clock-frequency", MACHINE_UART_CLOCK);
}

static int ioapic_props(void *fdt, const struct board_dev *d)
{
    int r = fdt_property(fdt, "interrupt-controller", NULL, 0);
    if (r == 0)
        r = fdt_property_u32(fdt, "#interrupt-cells", 2);
    if (r == 0)
        r = fdt_property_u32(fdt, "phandle", BOARD_IOAPIC_PHANDLE);
    return r;
}

/* The control-port register that rings the doorbell too. */
static int doorbell_props(void *fdt, const struct board_dev *d)
{
    return fdt_property_u32(fdt, "minivmm,port", CTL_PORT + CTL_DOORBELL);
}

/* In device-tree order: the ISA devices are written together under /isa. */
static const struct board_entry table[] = {
    { .model = MODEL_LAPIC, .name = "lapic", .node = "lapic", .compatible = "intel,ce4100-lapic",
      .space = BOARD_IN_KVM, .win = { { MACHINE_LAPIC_GPA, 0x1000 } }, .gsi = -1 },
    { .model = MODEL_IOAPIC, .name = "ioapic", .node = "ioapic",
      .compatible = "intel,ce4100-ioapic", .space = BOARD_IN_KVM,
      .win = { { MACHINE_IOAPIC_GPA, 0x1000 } }, .gsi = -1, .fdt_props = ioapic_props },
    { .model = MODEL_UART, .name = "uart", .node = "serial", .compatible = "ns16550a",
      .acpi_hid = "PNP0501", .space = BOARD_PIO, .win = { { MACHINE_UART_PORT, 8 } },
      .gsi = MACHINE_UART_IRQ, .via = IRQ_VIA_LINE, .fdt_props = serial_props },
    { .model = MODEL_PIT, .name = "pit", .node = "timer", .compatible = "minivmm,i8254",
      .acpi_hid = "PNP0100", .space = BOARD_PIO,
      .win = { { MACHINE_PIT_PORT, 4 }, { MACHINE_PORT_B, 1 } },
      .gsi = MACHINE_PIT_IRQ, .via = IRQ_VIA_LINE },
    { .model = MODEL_CONTROL, .name = "control", .node = "control",
      .compatible = "minivmm,control", .space = BOARD_PIO,
      .win = { { CTL_PORT, CTL_PORT_LEN } }, .gsi = -1 },
    { .model = MODEL_VIRTIO_BLK, .name = "virtio", .node = "virtio_mmio",
      .compatible = "virtio,mmio", .acpi_hid = "LNRO0005", .space = BOARD_MMIO,
      .win = { { MACHINE_VIRTIO_GPA, MACHINE_VIRTIO_STRIDE } },
      .gsi = MACHINE_VIRTIO_IRQ, .via = IRQ_VIA_IRQFD,
      .slots = MACHINE_VIRTIO_SLOTS, .stride = MACHINE_VIRTIO_STRIDE },
    { .model = MODEL_DOORBELL, .name = "doorbell", .node = "doorbell",
      .compatible = "minivmm,doorbell", .space = BOARD_MMIO,
      .win = { { MACHINE_DOORBELL_GPA, MACHINE_DOORBELL_LEN } },
      .gsi = MACHINE_DOORBELL_IRQ, .via = IRQ_VIA_IRQFD, .fdt_props = doorbell_props },
};

static void add(struct board *b, const struct board_entry *e, int slot)
{
    struct board_dev *d = &b->devs[b->ndevs++];
    *d = (struct board_dev){ .e = e, .slot = slot, .gsi = e->gsi < 0 ? -1 : e->gsi + slot };
    if (e->slots > 1)
        snprintf(d->name, sizeof d->name, "%s%d", e->name, slot);
    else
        snprintf(d->name, sizeof d->name, "%s", e->name);
    for (int w = 0; w < BOARD_MAX_WINDOWS && e->win[w].len; w++) {
        d->win[w].base = e->win[w].base + (uint64_t)slot * e->stride;
        d->win[w].len = e->win[w].len;
        d->nwin++;
    }
}

void board_layout(struct board *b, int nvirtio)
{
    b->ndevs = 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct board_entry *e = &table[i];
        int n = e->model == MODEL_VIRTIO_BLK ? nvirtio : 1;
        for (int slot = 0; slot < n && slot < (e->slots > 1 ? e->slots : 1); slot++)
            add(b, e, slot);
    }
}

const struct board_dev *board_find(const struct board *b, enum board_model m)
{
    for (int i = 0; i < b->ndevs; i++)
        if (b->devs[i].e->model == m)
            return &b->devs[i];
    return NULL;
}
