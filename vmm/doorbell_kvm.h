/* The benchmark doorbell (devices/doorbell.c) wired to KVM: ioeventfds for its write
 * registers, an irqfd for its echo interrupt, the event loop counting the signals. */
#ifndef VMM_DOORBELL_KVM_H
#define VMM_DOORBELL_KVM_H
#include "vmm/vm.h"

/* Create the doorbell and register its MMIO page on vm->mmio. Call before evloop_start.
 * Exits with a one-line error if an eventfd or KVM_IRQFD fails; a refused KVM_IOEVENTFD
 * is a warning (those writes then exit to the VMM). */
void doorbell_attach(struct vm *vm);

#endif
