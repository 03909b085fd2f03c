/* The machine's disks: parses `--disk` specs, and puts one virtio-blk device per disk in
 * virtio-mmio slot i (MACHINE_VIRTIO_GPA + i * stride, GSI 5 + i). QueueNotify is caught
 * in the kernel by KVM_IOEVENTFD and wakes the disk's I/O thread; completions raise the
 * interrupt with KVM_IRQFD; so no disk access ever exits to, or runs on, a vCPU thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "abi/machine.h"
#include "devices/blk_backend.h"
#include "devices/virtio_blk.h"
#include "vmm/console.h"
#include "vmm/disks.h"
#include "vmm/vm.h"

struct disk {
    char *path;
    struct blk_backend backend;
    struct virtio_blk dev;
    int irq_fd, notify_fd;
};

static struct disk *disks[MACHINE_VIRTIO_SLOTS];
static int ndisks;
static atomic_bool power_lost;   /* shared: after a cut no disk writes anything */
static struct vm *the_vm;

/* A decimal or 0x-hex number, the whole string. */
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}

/* Apply one ",option" of a spec. */
static void parse_option(const char *spec, char *opt, bool *ro, struct blk_crash_opts *c)
{
    char *eq = strchr(opt, '=');
    if (eq)
        *eq++ = 0;
    if (!strcmp(opt, "ro") && !eq)
        *ro = true;
    else if (!strcmp(opt, "torn") && !eq)
        c->torn = true;
    else if (!strcmp(opt, "volatile") && !eq)
        c->volatile_cache = true;
    else if (!strcmp(opt, "crash-after") && eq) {
        if (parse_u64(eq, &c->after) < 0)
            die("--disk %s: crash-after=%s is not a number", spec, eq);
        c->enabled = true;
    } else if (!strcmp(opt, "seed") && eq) {
        if (parse_u64(eq, &c->seed) < 0)
            die("--disk %s: seed=%s is not a number", spec, eq);
    } else {
        die("--disk %s: unknown option '%s%s%s' (ro, crash-after=N, torn, volatile, seed=S)",
            spec, opt, eq ? "=" : "", eq ? eq : "");
    }
}

void disks_add(struct vm *vm, const char *spec)
{
    if (ndisks == MACHINE_VIRTIO_SLOTS)
        die("--disk %s: too many disks (at most %d)", spec, MACHINE_VIRTIO_SLOTS);
    struct disk *d = calloc(1, sizeof *d);
    char *copy = strdup(spec);
    if (d == NULL || copy == NULL)
        die("out of memory");
    bool ro = false;
    struct blk_crash_opts crash = { 0 };
    char *save, *opt;
    d->path = strtok_r(copy, ",", &save);
    if (d->path == NULL || *spec == ',')
        die("--disk %s: no file name", spec);
    while ((opt = strtok_r(NULL, ",", &save)) != NULL)
        parse_option(spec, opt, &ro, &crash);
    if ((crash.torn || crash.volatile_cache) && !crash.enabled)
        die("--disk %s: torn and volatile need crash-after=N", spec);
    if (ro && crash.enabled)
        die("--disk %s: crash-after needs a writable disk (drop ro)", spec);
    char err[512];
    if (blk_backend_open(&d->backend, d->path, ro, &crash, err, sizeof err) < 0)
        die("--disk %s", err);
    d->irq_fd = d->notify_fd = -1;
    disks[ndisks++] = d;
}

int disks_count(void)
{
    return ndisks;
}

/* Runs on the I/O thread of the disk that lost power. */
static void on_power_cut(void *ctx)
{
    struct disk *d = ctx;
    console_restore();
    fprintf(stderr, "vmm: power cut: disk %s, after %llu writes\n", d->path,
            (unsigned long long)d->backend.crash.writes);
    vm_stop(the_vm, VMM_EXIT_POWERCUT);
}

/* GET_ID: the image's file name, as much of it as fits in 20 bytes. */
static const char *disk_id(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void start_one(struct vm *vm, struct disk *d, int slot)
{
    uint64_t base = MACHINE_VIRTIO_GPA + (uint64_t)slot * MACHINE_VIRTIO_STRIDE;
    d->irq_fd = eventfd(0, EFD_CLOEXEC);
    d->notify_fd = eventfd(0, EFD_CLOEXEC);
    if (d->irq_fd < 0 || d->notify_fd < 0)
        die("disk %s: eventfd: %s", d->path, strerror(errno));
    if (virtio_blk_init(&d->dev, &vm->mem, d->backend.size / VIRTIO_BLK_SECTOR, d->backend.ro,
                        disk_id(d->path), d->irq_fd, blk_backend_submit, &d->backend) < 0)
        die("disk %s: %s", d->path, strerror(errno));
    /* Without the ioeventfd below, a QueueNotify write exits and the handler signals the
     * same eventfd: slower, same behaviour. */
    d->dev.notify_fd = d->notify_fd;
    char name[16];
    snprintf(name, sizeof name, "virtio%d", slot);
    if (bus_register(&vm->mmio, base, MACHINE_VIRTIO_STRIDE, strdup(name), virtio_mmio_io,
                     &d->dev.t) < 0)
        die("mmio bus: cannot register %s at 0x%llx", name, (unsigned long long)base);
    struct kvm_irqfd irqfd = { .fd = d->irq_fd, .gsi = MACHINE_VIRTIO_IRQ + slot };
    if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
        die("disk %s: KVM_IRQFD (GSI %d): %s", d->path, MACHINE_VIRTIO_IRQ + slot,
            strerror(errno));
    struct kvm_ioeventfd ioev = { .addr = base + VIRTIO_MMIO_QUEUE_NOTIFY, .len = 4,
                                  .fd = d->notify_fd };
    if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioev) < 0)
        fprintf(stderr, "vmm: disk %s: KVM_IOEVENTFD: %s (queue notifications will exit)\n",
                d->path, strerror(errno));
    d->backend.power_lost = &power_lost;
    d->backend.on_power_cut = on_power_cut;
    d->backend.cut_ctx = d;
    if (blk_backend_start(&d->backend, &d->dev, d->notify_fd) < 0)
        die("disk %s: cannot start its I/O thread: %s", d->path, strerror(errno));
}

void disks_start(struct vm *vm)
{
    the_vm = vm;
    for (int i = 0; i < ndisks; i++)
        start_one(vm, disks[i], i);
}

void disks_stop(void)
{
    for (int i = 0; i < ndisks; i++) {
        struct disk *d = disks[i];
        blk_backend_stop(&d->backend);
        /* A dry run (crash-after larger than the workload) tells the crash tests how many
         * write requests the workload made, counted in the same one-at-a-time order. */
        if (d->backend.crash.o.enabled && !d->backend.crash.cut)
            fprintf(stderr, "vmm: disk %s: %llu writes, no power cut\n", d->path,
                    (unsigned long long)d->backend.crash.writes);
        blk_backend_close(&d->backend);
    }
}
