/* The benchmark doorbell's KVM side: one eventfd per source, each registered with
 * KVM_IOEVENTFD (32-bit writes to the MMIO RING and ECHO registers and to the control
 * port's CTL_DOORBELL) and watched by the event loop, which counts the signals; and one
 * eventfd registered with KVM_IRQFD on MACHINE_DOORBELL_IRQ, which the event loop writes
 * for every echo. So a ring never leaves KVM, and an echo goes guest -> KVM -> event-loop
 * thread -> KVM -> guest interrupt without a vCPU thread in between. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "abi/machine.h"
#include "devices/doorbell.h"
#include "vmm/doorbell_kvm.h"
#include "vmm/evloop.h"

static struct doorbell *doorbell;
static int source_fd[DOORBELL_NSRC] = { -1, -1, -1 };
static int irq_fd = -1;

/* Read and reset an eventfd's count; 0 if nothing is pending (they are non-blocking). */
static uint64_t take(int fd)
{
    uint64_t n;
    return read(fd, &n, sizeof n) == sizeof n ? n : 0;
}

static uint64_t drain(void *ctx, enum doorbell_source s)
{
    return (unsigned)s < DOORBELL_NSRC && source_fd[s] >= 0 ? take(source_fd[s]) : 0;
}

static void echo(void *ctx)
{
    uint64_t one = 1;
    if (write(irq_fd, &one, sizeof one) != sizeof one)
        fprintf(stderr, "vmm: doorbell: irqfd write: %s\n", strerror(errno));
}

/* Event loop: a source's eventfd was signalled. */
static void signalled(void *ctx, int fd)
{
    enum doorbell_source s = (enum doorbell_source)(intptr_t)ctx;
    doorbell_signalled(doorbell, s, take(fd));
}

static void watch(struct vm *vm, enum doorbell_source s, uint64_t addr, bool pio)
{
    source_fd[s] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (source_fd[s] < 0)
        die("doorbell: eventfd: %s", strerror(errno));
    if (evloop_add(source_fd[s], signalled, (void *)(intptr_t)s) < 0)
        die("doorbell: event loop: %s", strerror(errno));
    struct kvm_ioeventfd ioev = { .addr = addr, .len = 4, .fd = source_fd[s],
                                  .flags = pio ? KVM_IOEVENTFD_FLAG_PIO : 0 };
    if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioev) < 0)
        fprintf(stderr, "vmm: doorbell: KVM_IOEVENTFD at %s 0x%llx: %s (those writes will exit)\n",
                pio ? "port" : "GPA", (unsigned long long)addr, strerror(errno));
}

void doorbell_attach(struct vm *vm)
{
    doorbell = doorbell_create((struct doorbell_ops){ drain, echo, NULL });
    if (!doorbell)
        die("cannot create the doorbell: out of memory");
    irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (irq_fd < 0)
        die("doorbell: eventfd: %s", strerror(errno));
    struct kvm_irqfd irqfd = { .fd = irq_fd, .gsi = MACHINE_DOORBELL_IRQ };
    if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
        die("doorbell: KVM_IRQFD (GSI %d): %s", MACHINE_DOORBELL_IRQ, strerror(errno));
    watch(vm, DOORBELL_SRC_RING, MACHINE_DOORBELL_GPA + DOORBELL_RING, false);
    watch(vm, DOORBELL_SRC_ECHO, MACHINE_DOORBELL_GPA + DOORBELL_ECHO, false);
    watch(vm, DOORBELL_SRC_PORT, CTL_PORT + CTL_DOORBELL, true);
    if (bus_register(&vm->mmio, MACHINE_DOORBELL_GPA, MACHINE_DOORBELL_LEN, "doorbell",
                     doorbell_mmio_io, doorbell) < 0)
        die("mmio bus: cannot register the doorbell at 0x%llx", MACHINE_DOORBELL_GPA);
}
