/* The benchmark doorbell (devices/doorbell.c) wired to KVM: ioeventfds for its write
 * registers, the board's irqfd for its echo interrupt, the event loop counting signals. */
#ifndef VMM_DOORBELL_KVM_H
#define VMM_DOORBELL_KVM_H

struct vm;
struct board_dev;

/* The board's attach function for the doorbell (board_kvm.c calls it, before the event
 * loop starts). A refused KVM_IOEVENTFD is a warning (those writes then exit). */
void doorbell_attach(struct vm *vm, struct board_dev *d);

#endif
