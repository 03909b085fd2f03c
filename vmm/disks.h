/* The machine's disks: `--disk` specs, and the virtio-blk devices behind them, wired to
 * KVM (QueueNotify through KVM_IOEVENTFD, completions through KVM_IRQFD). */
#ifndef VMM_DISKS_H
#define VMM_DISKS_H

struct vm;

/* Parse FILE[,ro][,crash-after=N][,torn][,volatile][,seed=S] and open the image; a bad
 * spec or image is a one-line error and exit. Call before disks_start. */
void disks_add(struct vm *vm, const char *spec);
/* How many disks were added: the virtio-mmio slots the device tree must describe. */
int disks_count(void);
/* Create the devices on vm->mmio and start their I/O threads (after guest RAM and the
 * irqchip exist, before the vCPUs run). */
void disks_start(struct vm *vm);
/* Stop the I/O threads (after the vCPUs have stopped) and close the images. */
void disks_stop(void);

#endif
