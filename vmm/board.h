/* The board: one table of the machine's devices (board.c) and the instances laid out from
 * it for one VM. Each entry says once where a device lives (bus and windows), which
 * interrupt it raises and how (KVM_IRQ_LINE or KVM_IRQFD), and how the guest is told of it
 * (device-tree node and compatible, ACPI _HID). From the instances the VMM registers and
 * wires every device (board_kvm.c) and writes the device tree (fdt.c); nothing else
 * repeats an address or an interrupt. Adding a device is one entry and its model. */
#ifndef VMM_BOARD_H
#define VMM_BOARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "devices/bus.h"
#include "devices/irq.h"

#define BOARD_MAX_WINDOWS 2
#define BOARD_MAX_DEVICES 24
#define BOARD_IOAPIC_PHANDLE 1   /* interrupt-parent of every device in the tree */

enum board_space {
    BOARD_PIO,     /* port I/O: under /isa in the device tree */
    BOARD_MMIO,    /* memory-mapped: at the tree's root */
    BOARD_IN_KVM,  /* memory-mapped and emulated by KVM (LAPIC, IOAPIC): described only */
};

/* Which model an entry is; board_kvm.c attaches each to its model. */
enum board_model {
    MODEL_LAPIC, MODEL_IOAPIC, MODEL_UART, MODEL_PIT, MODEL_CONTROL, MODEL_VIRTIO_BLK,
    MODEL_DOORBELL, BOARD_NMODELS,
};

struct board_dev;

struct board_entry {
    enum board_model model;
    const char *name;            /* bus region and --stats name ("uart"; "virtio" + slot) */
    const char *node;            /* device-tree node name, before the @ ("serial") */
    const char *compatible;
    const char *acpi_hid;        /* ACPI _HID, or NULL if ACPI does not describe it */
    enum board_space space;
    struct { uint64_t base, len; } win[BOARD_MAX_WINDOWS];   /* len 0: unused */
    int gsi;                     /* -1: no interrupt */
    enum irq_via via;            /* how it is raised (board_kvm.c wires the irqfd) */
    int slots;                   /* > 1: that many instances at most, instance i at
                                    win + i * stride with gsi + i (virtio-mmio slots) */
    uint64_t stride;
    /* Properties of its device-tree node beyond compatible, reg and interrupts. */
    int (*fdt_props)(void *fdt, const struct board_dev *d);
};

/* One device of one machine. */
struct board_dev {
    const struct board_entry *e;
    int slot;                    /* instance of e (0 unless e->slots > 1) */
    char name[16];
    struct { uint64_t base, len; bus_handler io; } win[BOARD_MAX_WINDOWS];
    int nwin;
    int gsi;
    struct irq_line irq;         /* set by board_kvm.c before the model is attached */
    void *opaque;                /* the model, handed to its bus handlers */
};

struct board {
    struct board_dev devs[BOARD_MAX_DEVICES];
    int ndevs;
};

/* Lay out the machine: every entry of the table once, and `nvirtio` virtio-blk slots.
 * Pure (no KVM): the device-tree tests use it too. */
void board_layout(struct board *b, int nvirtio);
/* The device of a model (its first slot), or NULL. */
const struct board_dev *board_find(const struct board *b, enum board_model m);

#endif
