/* libFuzzer harness for the virtio-mmio transport and virtio-blk: each input is a small
 * program of register accesses, guest-RAM writes and queue notifications played against
 * a fresh device on a 16-sector in-memory image, under ASan and UBSan. A crash, an
 * out-of-bounds access or a used ring that claims more than the queue holds is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/blk_backend.h"
#include "devices/virtio_blk.h"

#define RAM_SIZE (64 * 1024)
#define SECTORS  16

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static const struct guest_mem mem = { ram, RAM_SIZE };
static char image[64];

/* Reads the input front to back; past its end every byte is zero. */
struct input {
    const uint8_t *p;
    size_t left;
};

static uint32_t take(struct input *in, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++, in->p++, in->left--) {
        if (in->left == 0)
            return v;
        v |= (uint32_t)*in->p << (8 * i);
    }
    return v;
}

static void reg(struct virtio_blk *b, uint64_t off, uint32_t v)
{
    virtio_mmio_io(&b->t, off, (uint8_t *)&v, 4, true);
}

/* A driver's setup with fuzzed features, size and ring addresses, to reach the
 * request paths quickly. */
static void quick_setup(struct virtio_blk *b, struct input *in)
{
    reg(b, VIRTIO_MMIO_STATUS, 0);
    reg(b, VIRTIO_MMIO_STATUS, 1);
    reg(b, VIRTIO_MMIO_STATUS, 3);
    reg(b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg(b, VIRTIO_MMIO_DRIVER_FEATURES, take(in, 4) & b->t.device_features);
    reg(b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    reg(b, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    reg(b, VIRTIO_MMIO_STATUS, 11);
    reg(b, VIRTIO_MMIO_QUEUE_NUM, 1U << (take(in, 1) % 10));
    reg(b, VIRTIO_MMIO_QUEUE_DESC_LOW, take(in, 2) * 16);
    reg(b, VIRTIO_MMIO_QUEUE_DRIVER_LOW, take(in, 2) * 2);
    reg(b, VIRTIO_MMIO_QUEUE_DEVICE_LOW, take(in, 2) * 4);
    reg(b, VIRTIO_MMIO_QUEUE_READY, 1);
    reg(b, VIRTIO_MMIO_STATUS, 15);
}

static void step(struct virtio_blk *b, struct input *in)
{
    uint8_t data[8] = { 0 };
    uint32_t off, len, v;
    switch (take(in, 1) % 6) {
    case 0:                                  /* any access anywhere in the slot */
        off = take(in, 2) % (VIRTIO_MMIO_SIZE + 8);
        len = 1U << (take(in, 1) % 4);
        v = take(in, 4);
        memcpy(data, &v, 4);
        virtio_mmio_io(&b->t, off, data, len, take(in, 1) & 1);
        break;
    case 1:                                  /* a register write */
        reg(b, (take(in, 1) % 64) * 4, take(in, 4));
        break;
    case 2:                                  /* the driver writes guest RAM */
        off = take(in, 2);
        len = take(in, 1);
        for (uint32_t i = 0; i < len && in->left; i++)
            ram[(off + i) % RAM_SIZE] = take(in, 1);
        break;
    case 3:                                  /* a 16-bit store: ring indexes, next fields */
        off = take(in, 2) & ~1U;
        v = take(in, 2);
        memcpy(ram + off % RAM_SIZE, &v, 2);
        break;
    case 4:
        reg(b, VIRTIO_MMIO_QUEUE_NOTIFY, take(in, 1) % 2);
        break;
    case 5:
        quick_setup(b, in);
        break;
    }
}

/* The device may not have used more chains than it took. */
static void check(const struct virtio_blk *b)
{
    const struct virtq *q = &b->t.queues[0];
    if (q->ready && (uint16_t)(q->last_avail - q->used_idx) > q->num)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct blk_backend be;
    static struct virtio_blk blk;
    if (image[0] == 0) {
        int fd = memfd_create("virtio_fuzz", 0);
        if (fd < 0 || ftruncate(fd, SECTORS * 512) < 0)
            abort();
        snprintf(image, sizeof image, "/proc/self/fd/%d", fd);
        char err[256];
        struct blk_crash_opts none = { 0 };
        if (blk_backend_open(&be, image, false, &none, err, sizeof err) < 0)
            abort();
    }
    memset(ram, 0, sizeof ram);
    bool ro = size > 0 && (data[0] & 0x80);   /* the first byte's top bit: a read-only disk */
    if (virtio_blk_init(&blk, &mem, SECTORS, ro, "fuzz", (struct irq_line){ .vm_fd = -1, .irqfd = -1 }, blk_backend_submit, &be) < 0)
        abort();
    struct input in = { data, size };
    while (in.left > 0) {
        step(&blk, &in);
        check(&blk);
    }
    virtio_blk_destroy(&blk);
    return 0;
}
