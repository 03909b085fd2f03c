/* Interrupt lines into KVM's in-kernel irqchip (PIC + IOAPIC), by GSI. A line is raised
 * one of two ways, chosen by the board (vmm/board.c) and invisible to the device model:
 * KVM_IRQ_LINE on the VM fd (levels and pulses, from a vCPU or the event-loop thread), or
 * an eventfd registered with KVM_IRQFD (pulses only, from any thread, no ioctl). Unit tests
 * link a recording fake instead of irq.c. */
#ifndef DEVICES_IRQ_H
#define DEVICES_IRQ_H
#include <stdint.h>

enum irq_via { IRQ_VIA_LINE, IRQ_VIA_IRQFD };

struct irq_line {
    int vm_fd;           /* IRQ_VIA_LINE: the VM; -1 with irqfd -1: not connected */
    uint32_t gsi;
    enum irq_via via;
    int irqfd;           /* IRQ_VIA_IRQFD: the eventfd KVM watches for this GSI */
};

/* A level (IRQ_VIA_LINE only: an irqfd has no level). */
void irq_set_level(const struct irq_line *l, int level);
/* An edge: raise then lower the line (ISA edge-triggered devices such as the PIT; virtio
 * and the doorbell through their irqfd). */
void irq_pulse(const struct irq_line *l);

#endif
