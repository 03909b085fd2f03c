/* The benchmark doorbell's KVM side: one eventfd per source, each registered with
 * KVM_IOEVENTFD (32-bit writes to the MMIO RING and ECHO registers and to the control
 * port's CTL_DOORBELL) and watched by the event loop, which counts the signals; the echo
 * interrupt is the board's irqfd, which the event loop pulses for every echo. So a ring
 * never leaves KVM, and an echo goes guest -> KVM -> event-loop thread -> KVM -> guest
 * interrupt without a vCPU thread in between. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "abi/machine.h"
#include "devices/doorbell.h"
#include "vmm/board_kvm.h"
#include "vmm/doorbell_kvm.h"
#include "vmm/vm.h"

struct doorbell_kvm {
    struct doorbell *doorbell;
    int source_fd[DOORBELL_NSRC];
};

/* One source's eventfd, handed to the event loop's handler. */
struct source {
    struct doorbell_kvm *k;
    enum doorbell_source s;
};

/* Read and reset an eventfd's count; 0 if nothing is pending (they are non-blocking). */
static uint64_t take(int fd)
{
    uint64_t n;
    return read(fd, &n, sizeof n) == sizeof n ? n : 0;
}

static uint64_t drain(void *ctx, enum doorbell_source s)
{
    struct doorbell_kvm *k = ctx;
    return (unsigned)s < DOORBELL_NSRC && k->source_fd[s] >= 0 ? take(k->source_fd[s]) : 0;
}

/* Event loop: a source's eventfd was signalled. */
static void signalled(void *ctx, int fd)
{
    struct source *src = ctx;
    doorbell_signalled(src->k->doorbell, src->s, take(fd));
}

static void watch(struct vm *vm, struct doorbell_kvm *k, enum doorbell_source s,
                  enum board_space space, uint64_t addr)
{
    struct source *src = malloc(sizeof *src);
    if (!src)
        die("doorbell: out of memory");
    *src = (struct source){ k, s };
    k->source_fd[s] = board_ioeventfd(vm, space, addr, EFD_NONBLOCK, "doorbell");
    if (evloop_add(&vm->loop, k->source_fd[s], signalled, src) < 0)
        die("doorbell: cannot watch its eventfd");
}

void doorbell_attach(struct vm *vm, struct board_dev *d)
{
    struct doorbell_kvm *k = calloc(1, sizeof *k);
    if (!k)
        die("cannot create the doorbell: out of memory");
    for (int s = 0; s < DOORBELL_NSRC; s++)
        k->source_fd[s] = -1;
    k->doorbell = doorbell_create((struct doorbell_ops){ drain, k }, d->irq);
    if (!k->doorbell)
        die("cannot create the doorbell: out of memory");
    uint64_t base = d->win[0].base;
    watch(vm, k, DOORBELL_SRC_RING, BOARD_MMIO, base + DOORBELL_RING);
    watch(vm, k, DOORBELL_SRC_ECHO, BOARD_MMIO, base + DOORBELL_ECHO);
    watch(vm, k, DOORBELL_SRC_PORT, BOARD_PIO, CTL_PORT + CTL_DOORBELL);
    d->opaque = k->doorbell;
    d->win[0].io = doorbell_mmio_io;
}
