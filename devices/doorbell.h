/* The benchmark doorbell: counters for guest writes that KVM_IOEVENTFD catches without an
 * exit (an MMIO ring register, the control port's CTL_DOORBELL, an echo register whose
 * every write is answered by an interrupt), and the register file of its MMIO page.
 * Registers and addresses are in abi/machine.h; the KVM wiring is vmm/doorbell_kvm.c. */
#ifndef DEVICES_DOORBELL_H
#define DEVICES_DOORBELL_H
#include <stdbool.h>
#include <stdint.h>
#include "devices/irq.h"

enum doorbell_source { DOORBELL_SRC_RING, DOORBELL_SRC_PORT, DOORBELL_SRC_ECHO, DOORBELL_NSRC };

struct doorbell_ops {
    /* Signals of source s that reached its eventfd but are not counted yet (read and
     * reset them); NULL or 0 when there are none. Called on vCPU threads. */
    uint64_t (*drain)(void *ctx, enum doorbell_source s);
    void *ctx;
};

struct doorbell;
/* echo: the interrupt answering each ECHO write (pulsed from any thread: an irqfd). */
struct doorbell *doorbell_create(struct doorbell_ops ops, struct irq_line echo);
void doorbell_destroy(struct doorbell *d);

/* n writes of source s arrived (through its eventfd, or as an exit when no ioeventfd
 * caught them): count them and, for the echo, raise the interrupt once. Thread-safe. */
void doorbell_signalled(struct doorbell *d, enum doorbell_source s, uint64_t n);
/* Writes of source s counted so far (after draining what is pending). */
uint64_t doorbell_count(struct doorbell *d, enum doorbell_source s);

/* Bus handler for the MACHINE_DOORBELL_LEN bytes at MACHINE_DOORBELL_GPA. */
void doorbell_mmio_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
                      bool is_write);

#endif
