/* Interrupt lines into KVM's in-kernel irqchip: a device sets a GSI's level with
 * KVM_IRQ_LINE, which drives the matching PIC and IOAPIC inputs. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "devices/irq.h"

void irq_set_level(const struct irq_line *l, int level)
{
    struct kvm_irq_level il = { .irq = l->gsi, .level = level ? 1 : 0 };

    if (ioctl(l->vm_fd, KVM_IRQ_LINE, &il) < 0) {
        /* Only a broken VM fd or a bad GSI gets here; say so once rather than once per
         * interrupt, and let the run loop notice the dead VM. */
        static atomic_bool warned;
        if (!atomic_exchange(&warned, true))
            fprintf(stderr, "vmm: KVM_IRQ_LINE gsi %u level %d: %s\n", l->gsi, il.level,
                    strerror(errno));
    }
}

void irq_pulse(const struct irq_line *l)
{
    irq_set_level(l, 1);
    irq_set_level(l, 0);
}
