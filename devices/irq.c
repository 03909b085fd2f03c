/* Interrupt lines into KVM's in-kernel irqchip: KVM_IRQ_LINE sets a GSI's level, which
 * drives the matching PIC and IOAPIC inputs; a KVM_IRQFD eventfd write injects an edge. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "devices/irq.h"

/* Only a broken VM fd or a bad GSI gets here; say so once rather than once per interrupt,
 * and let the run loop notice the dead VM. */
static void warn_once(const struct irq_line *l, const char *what)
{
    static atomic_bool warned;
    if (!atomic_exchange(&warned, true))
        fprintf(stderr, "vmm: %s gsi %u: %s\n", what, l->gsi, strerror(errno));
}

void irq_set_level(const struct irq_line *l, int level)
{
    struct kvm_irq_level il = { .irq = l->gsi, .level = level ? 1 : 0 };
    if (l->via != IRQ_VIA_LINE || l->vm_fd < 0)
        return;
    if (ioctl(l->vm_fd, KVM_IRQ_LINE, &il) < 0)
        warn_once(l, "KVM_IRQ_LINE");
}

void irq_pulse(const struct irq_line *l)
{
    if (l->via == IRQ_VIA_IRQFD) {
        uint64_t one = 1;
        /* Fails only if the counter would overflow: the interrupt is pending anyway. */
        if (l->irqfd >= 0 && write(l->irqfd, &one, sizeof one) < 0 && errno != EAGAIN)
            warn_once(l, "irqfd write");
        return;
    }
    irq_set_level(l, 1);
    irq_set_level(l, 0);
}
