/* The machine's disks: `--disk` specs, and the virtio-blk devices behind them, wired to
 * KVM (QueueNotify through KVM_IOEVENTFD, completions through KVM_IRQFD). */
#ifndef VMM_DISKS_H
#define VMM_DISKS_H
#include <stdatomic.h>
#include "abi/machine.h"

struct vm;
struct board_dev;
struct disk;

struct disks {
    struct disk *d[MACHINE_VIRTIO_SLOTS];   /* disk i is in virtio-mmio slot i */
    int n;
    atomic_bool power_lost;   /* shared: after a cut no disk writes anything */
};

/* Parse FILE[,ro][,crash-after=N][,torn][,volatile][,seed=S] and open the image; a bad
 * spec or image is a one-line error and exit. Call before the board is laid out. */
void disks_add(struct vm *vm, const char *spec);
/* The board's attach function for virtio-blk slot d->slot: the device model on the
 * slot's window, its notify ioeventfd, its I/O thread (board_kvm.c calls it). */
void disks_attach(struct vm *vm, struct board_dev *d);
/* Stop the I/O threads (after the vCPUs have stopped) and close the images. */
void disks_stop(struct vm *vm);

#endif
