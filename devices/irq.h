/* Interrupt lines into KVM's in-kernel irqchip (PIC + IOAPIC), by GSI. Unit tests link a
 * recording fake instead of irq.c. */
#ifndef DEVICES_IRQ_H
#define DEVICES_IRQ_H
#include <stdint.h>

struct irq_line {
    int vm_fd;
    uint32_t gsi;
};

void irq_set_level(const struct irq_line *l, int level);
/* An edge: raise then lower the line (ISA edge-triggered devices such as the PIT). */
void irq_pulse(const struct irq_line *l);

#endif
