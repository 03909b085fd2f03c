/* The board wired into KVM: for every device laid out in vm->board, its interrupt (a
 * KVM_IRQ_LINE line, or an eventfd registered with KVM_IRQFD), its model (attached by the
 * function of its board_model), and its windows on the port-I/O or MMIO bus. Models that
 * need more of KVM (ioeventfds for doorbell-style registers) take it from board_ioeventfd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "abi/machine.h"
#include "devices/control.h"
#include "devices/pit.h"
#include "devices/uart.h"
#include "vmm/board_kvm.h"
#include "vmm/doorbell_kvm.h"
#include "vmm/stats.h"
#include "vmm/terminal.h"
#include "vmm/vm.h"

static void attach_uart(struct vm *vm, struct board_dev *d)
{
    vm->uart = uart_create(d->irq, console_tx, vm);
    if (!vm->uart)
        die("cannot create the UART: out of memory");
    d->opaque = vm->uart;
    d->win[0].io = uart_io;
}

/* The PIT's deadlines become a timerfd that the event loop watches. */
struct pit_timer {
    struct pit *pit;
    int fd;
};

static void pit_arm(void *ctx, uint64_t deadline_ns)
{
    struct pit_timer *t = ctx;
    evloop_timer_arm(t->fd, deadline_ns);
}

static void pit_fired(void *ctx, int fd)
{
    struct pit_timer *t = ctx;
    uint64_t expirations;
    if (read(fd, &expirations, sizeof expirations) > 0)
        pit_timer_expired(t->pit);
}

static void attach_pit(struct vm *vm, struct board_dev *d)
{
    struct pit_timer *t = calloc(1, sizeof *t);
    if (!t)
        die("cannot create the PIT: out of memory");
    t->fd = evloop_timer(&vm->loop, pit_fired, t);
    vm->pit = t->pit = pit_create(d->irq, now_ns, pit_arm, t);
    if (!vm->pit)
        die("cannot create the PIT: out of memory");
    d->opaque = vm->pit;
    d->win[0].io = pit_io;
    d->win[1].io = pit_port61_io;
}

static void on_poweroff(void *ctx, int status)
{
    vm_stop(ctx, status);
}

static void on_panic(void *ctx, const char *msg)
{
    terminal_restore();
    fprintf(stderr, "vmm: guest panic: %s\n", msg);
    vm_stop(ctx, VMM_EXIT_PANIC);
}

static void on_mark(void *ctx, uint32_t id)
{
    stats_mark(ctx, id);
}

static void on_mark_name(void *ctx, uint32_t id, const char *name)
{
    stats_mark_name(ctx, id, name);
}

static void attach_control(struct vm *vm, struct board_dev *d)
{
    d->opaque = control_create(&vm->mem, (struct control_ops){ on_poweroff, on_panic, on_mark,
                                                               on_mark_name, vm });
    if (!d->opaque)
        die("cannot create the control port: out of memory");
    d->win[0].io = control_io;
}

typedef void (*attach_fn)(struct vm *vm, struct board_dev *d);
static const attach_fn attach[BOARD_NMODELS] = {
    [MODEL_UART] = attach_uart,
    [MODEL_PIT] = attach_pit,
    [MODEL_CONTROL] = attach_control,
    [MODEL_VIRTIO_BLK] = disks_attach,
    [MODEL_DOORBELL] = doorbell_attach,
    /* MODEL_LAPIC, MODEL_IOAPIC: KVM's in-kernel irqchip, nothing to attach. */
};

static struct irq_line wire_irq(struct vm *vm, const struct board_dev *d)
{
    struct irq_line l = { .vm_fd = -1, .gsi = d->gsi < 0 ? 0 : (uint32_t)d->gsi, .irqfd = -1 };
    if (d->gsi < 0)
        return l;
    if (d->e->via == IRQ_VIA_LINE) {
        l.vm_fd = vm->vm_fd;
        return l;
    }
    l.via = IRQ_VIA_IRQFD;
    l.irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l.irqfd < 0)
        die("%s: eventfd: %s", d->name, strerror(errno));
    struct kvm_irqfd irqfd = { .fd = l.irqfd, .gsi = l.gsi };
    if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
        die("%s: KVM_IRQFD (GSI %u): %s", d->name, l.gsi, strerror(errno));
    return l;
}

void board_create(struct vm *vm)
{
    vm->pio.name = "pio";
    vm->mmio.name = "mmio";
    for (int i = 0; i < vm->board.ndevs; i++) {
        struct board_dev *d = &vm->board.devs[i];
        if (d->e->space == BOARD_IN_KVM)
            continue;
        d->irq = wire_irq(vm, d);
        if (attach[d->e->model])
            attach[d->e->model](vm, d);
        struct bus *b = d->e->space == BOARD_PIO ? &vm->pio : &vm->mmio;
        for (int w = 0; w < d->nwin; w++)
            if (bus_register(b, d->win[w].base, d->win[w].len, d->name, d->win[w].io,
                             d->opaque) < 0)
                die("%s bus: cannot register %s at 0x%llx", b->name, d->name,
                    (unsigned long long)d->win[w].base);
    }
}

int board_ioeventfd(struct vm *vm, enum board_space space, uint64_t addr, int efd_flags,
                    const char *who)
{
    int fd = eventfd(0, EFD_CLOEXEC | efd_flags);
    if (fd < 0)
        die("%s: eventfd: %s", who, strerror(errno));
    struct kvm_ioeventfd ioev = { .addr = addr, .len = 4, .fd = fd,
                                  .flags = space == BOARD_PIO ? KVM_IOEVENTFD_FLAG_PIO : 0 };
    if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioev) < 0)
        fprintf(stderr, "vmm: %s: KVM_IOEVENTFD at %s 0x%llx: %s (those writes will exit)\n",
                who, space == BOARD_PIO ? "port" : "GPA", (unsigned long long)addr,
                strerror(errno));
    return fd;
}
