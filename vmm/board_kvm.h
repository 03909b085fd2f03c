/* The board wired into KVM (board_kvm.c): interrupts, models, bus windows, ioeventfds. */
#ifndef VMM_BOARD_KVM_H
#define VMM_BOARD_KVM_H
#include <stdint.h>
#include "vmm/board.h"

struct vm;

/* Attach and register every device of vm->board (laid out by board_layout), after guest
 * RAM, the irqchip and the event loop exist and before any vCPU runs. Exits with a
 * one-line error on failure. */
void board_create(struct vm *vm);
/* An eventfd (eventfd(2) flags efd_flags, e.g. EFD_NONBLOCK for the event loop; 0 for an
 * io_uring reader) that KVM signals for each 32-bit guest write at addr (port or GPA),
 * without an exit. If KVM refuses, a warning: the writes then exit to the bus handler,
 * which must signal the same eventfd (or count) itself. */
int board_ioeventfd(struct vm *vm, enum board_space space, uint64_t addr, int efd_flags,
                    const char *who);

#endif
