/* The machine's disks: parses `--disk` specs, and puts one virtio-blk device per disk in
 * virtio-mmio slot i (the board says where the slot is and which GSI it raises).
 * QueueNotify is caught in the kernel by KVM_IOEVENTFD and wakes the disk's I/O thread;
 * completions raise the interrupt through its irqfd; so no disk access ever exits to, or
 * runs on, a vCPU thread. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/machine.h"
#include "devices/blk_backend.h"
#include "devices/virtio_blk.h"
#include "vmm/board_kvm.h"
#include "vmm/disks.h"
#include "vmm/sandbox.h"
#include "vmm/terminal.h"
#include "vmm/vm.h"

struct disk {
    char *path;
    struct vm *vm;
    struct blk_backend backend;
    struct virtio_blk dev;
};

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
            usage_error("--disk %s: crash-after=%s is not a number", spec, eq);
        c->enabled = true;
    } else if (!strcmp(opt, "seed") && eq) {
        if (parse_u64(eq, &c->seed) < 0)
            usage_error("--disk %s: seed=%s is not a number", spec, eq);
    } else {
        usage_error("--disk %s: unknown option '%s%s%s' (ro, crash-after=N, torn, volatile, seed=S)",
            spec, opt, eq ? "=" : "", eq ? eq : "");
    }
}

void disks_add(struct vm *vm, const char *spec)
{
    if (vm->disks.n == MACHINE_VIRTIO_SLOTS)
        usage_error("--disk %s: too many disks (at most %d)", spec, MACHINE_VIRTIO_SLOTS);
    struct disk *d = calloc(1, sizeof *d);
    char *copy = strdup(spec);
    if (d == NULL || copy == NULL)
        die("out of memory");
    bool ro = false;
    struct blk_crash_opts crash = { 0 };
    char *save, *opt;
    d->path = strtok_r(copy, ",", &save);
    if (d->path == NULL || *spec == ',')
        usage_error("--disk %s: no file name", spec);
    while ((opt = strtok_r(NULL, ",", &save)) != NULL)
        parse_option(spec, opt, &ro, &crash);
    if ((crash.torn || crash.volatile_cache) && !crash.enabled)
        usage_error("--disk %s: torn and volatile need crash-after=N", spec);
    if (ro && crash.enabled)
        usage_error("--disk %s: crash-after needs a writable disk (drop ro)", spec);
    struct stat st;
    for (int i = 0; i < vm->disks.n && stat(d->path, &st) == 0; i++) {
        struct disk *o = vm->disks.d[i];
        struct stat ost;
        if (fstat(o->backend.fd, &ost) == 0 && ost.st_dev == st.st_dev &&
            ost.st_ino == st.st_ino && (!ro || !o->backend.ro))
            usage_error("--disk %s: the same image as disk %d (%s); a writable image is "
                        "attached once", spec, i, o->path);
    }
    /* A write past a file-size limit (ulimit -f) then fails with EFBIG, an IOERR for the
     * guest, instead of SIGXFSZ killing the VMM. */
    signal(SIGXFSZ, SIG_IGN);
    char err[512];
    if (blk_backend_open(&d->backend, d->path, ro, &crash, err, sizeof err) < 0)
        die("--disk %s", err);
    d->vm = vm;
    vm->disks.d[vm->disks.n++] = d;
}

/* Runs on the I/O thread of the disk that lost power. */
static void on_power_cut(void *ctx)
{
    struct disk *d = ctx;
    terminal_restore();
    fprintf(stderr, "vmm: power cut: disk %s, after %llu writes\n", d->path,
            (unsigned long long)d->backend.crash.writes);
    vm_stop(d->vm, VMM_EXIT_POWERCUT);
}

static void io_thread_start(void)
{
    sandbox_enter(SANDBOX_IO);
}

/* GET_ID: the image's file name, as much of it as fits in 20 bytes. */
static const char *disk_id(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void disks_attach(struct vm *vm, struct board_dev *bd)
{
    struct disk *d = vm->disks.d[bd->slot];
    if (virtio_blk_init(&d->dev, &vm->mem, d->backend.size / VIRTIO_BLK_SECTOR, d->backend.ro,
                        disk_id(d->path), bd->irq, blk_backend_submit, &d->backend) < 0)
        die("disk %s: %s", d->path, strerror(errno));
    /* If KVM refuses the ioeventfd, a QueueNotify write exits and the handler signals the
     * same eventfd: slower, same behaviour. */
    d->dev.notify_fd = board_ioeventfd(vm, BOARD_MMIO, bd->win[0].base + VIRTIO_MMIO_QUEUE_NOTIFY,
                                       0, d->path);
    bd->opaque = &d->dev.t;
    bd->win[0].io = virtio_mmio_io;
    d->backend.power_lost = &vm->disks.power_lost;
    d->backend.on_power_cut = on_power_cut;
    d->backend.cut_ctx = d;
    d->backend.thread_start = io_thread_start;
    if (blk_backend_start(&d->backend, &d->dev, d->dev.notify_fd) < 0)
        die("disk %s: cannot start its I/O thread: %s", d->path, strerror(errno));
}

void disks_stop(struct vm *vm)
{
    for (int i = 0; i < vm->disks.n; i++) {
        struct disk *d = vm->disks.d[i];
        blk_backend_stop(&d->backend);
        /* A dry run (crash-after larger than the workload) tells the crash tests how many
         * write requests the workload made, counted in the same one-at-a-time order. */
        if (d->backend.crash.o.enabled && !d->backend.crash.cut)
            fprintf(stderr, "vmm: disk %s: %llu writes, no power cut\n", d->path,
                    (unsigned long long)d->backend.crash.writes);
        if (blk_backend_close(&d->backend) < 0)
            fprintf(stderr, "vmm: disk %s: fdatasync at exit: %s\n", d->path, strerror(errno));
    }
}
