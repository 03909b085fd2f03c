/* Unit tests of the virtio-mmio transport and the virtio-blk device, from the driver's
 * side: a fake driver (tests/unit/virtio_driver.c) writes registers and queues in a
 * buffer posing as guest RAM; a temporary file is the disk; interrupts are counted on an
 * eventfd standing in for KVM_IRQFD. Requests run inline, except in the I/O thread test. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/blk_backend.h"
#include "devices/virtio_blk.h"
#include "tests/unit/virtio_driver.h"

#define RAM_SIZE (2 << 20)
#define SECTORS  64
#define FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_FLUSH))
#define OK_STATUS (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
                   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static struct vdrv d;
static struct virtio_blk blk;
static struct blk_backend be;
static int irq_fd;
static char image[64];
static int cuts;

static uint8_t pattern(uint64_t sector, int i)
{
    return (uint8_t)(sector * 7 + i);
}

static void on_cut(void *ctx)
{
    cuts++;
}

/* A fresh image with a known pattern, and a device on it. */
static int make_disk(bool ro, const struct blk_crash_opts *crash)
{
    strcpy(image, "/tmp/test_virtio_blk.XXXXXX");
    int fd = mkstemp(image);
    if (fd < 0)
        return -1;
    static uint8_t buf[SECTORS * 512];
    for (int s = 0; s < SECTORS; s++)
        for (int i = 0; i < 512; i++)
            buf[s * 512 + i] = pattern(s, i);
    if (write(fd, buf, sizeof buf) != sizeof buf)
        return -1;
    close(fd);
    char err[256];
    struct blk_crash_opts none = { 0 };
    /* The image stays writable even for a read-only device: the device's own check is
     * what the tests see. */
    if (blk_backend_open(&be, image, false, crash ? crash : &none, err, sizeof err) < 0)
        return -1;
    be.on_power_cut = on_cut;
    cuts = 0;
    irq_fd = eventfd(0, EFD_NONBLOCK);
    vdrv_init(&d, ram, RAM_SIZE, &blk.t);
    return virtio_blk_init(&blk, &d.mem, SECTORS, ro, "disk-serial-0123456789",
                           (struct irq_line){ .via = IRQ_VIA_IRQFD, .irqfd = irq_fd },
                           blk_backend_submit, &be);
}

static int setup(void **state) { return make_disk(false, NULL); }
static int setup_ro(void **state) { return make_disk(true, NULL); }

static int teardown(void **state)
{
    blk_backend_stop(&be);
    blk_backend_close(&be);
    virtio_blk_destroy(&blk);
    close(irq_fd);
    unlink(image);
    return 0;
}

/* Interrupts sent since the last call. */
static uint64_t irqs(void)
{
    uint64_t n = 0;
    if (read(irq_fd, &n, sizeof n) < 0)
        n = 0;
    return n;
}

static void read_image(uint64_t sector, void *buf, size_t len)
{
    FILE *f = fopen(image, "rb");
    assert_non_null(f);
    fseek(f, sector * 512, SEEK_SET);
    assert_int_equal(fread(buf, 1, len, f), len);
    fclose(f);
}

/* Submit one request and return its status (0xff: not answered). */
static uint8_t request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
    uint8_t *status;
    vdrv_publish(&d, vdrv_blk(&d, type, sector, data, len, &status));
    vdrv_notify(&d);
    return *status;
}

static void identity_registers(void **state)
{
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_VERSION), 2);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
    uint32_t lo = vdrv_rd(&d, VIRTIO_MMIO_DEVICE_FEATURES);
    vdrv_wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    uint32_t hi = vdrv_rd(&d, VIRTIO_MMIO_DEVICE_FEATURES);
    vdrv_wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_DEVICE_FEATURES), 0);
    uint32_t want = 1U << VIRTIO_BLK_F_FLUSH | 1U << VIRTIO_BLK_F_SEG_MAX |
                    1U << VIRTIO_BLK_F_SIZE_MAX | 1U << VIRTIO_BLK_F_BLK_SIZE |
                    1U << VIRTIO_F_INDIRECT_DESC | 1U << VIRTIO_F_EVENT_IDX;
    assert_int_equal(lo & want, want);
    assert_false(lo & (1U << VIRTIO_BLK_F_RO));
    assert_int_equal(hi, 1);                       /* VIRTIO_F_VERSION_1 */
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_NUM_MAX);
    vdrv_wr(&d, VIRTIO_MMIO_QUEUE_SEL, 1);         /* virtio-blk has one queue */
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

static void config_space(void **state)
{
    uint64_t cap = 0;
    virtio_mmio_io(&blk.t, VIRTIO_MMIO_CONFIG, (uint8_t *)&cap, 8, false);
    assert_int_equal(cap, SECTORS);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SEG_MAX), VIRTIO_BLK_SEG_MAX);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SIZE_MAX), VIRTIO_BLK_SIZE_MAX);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_BLK_SIZE), 512);
    uint8_t byte = 0xaa;
    virtio_mmio_io(&blk.t, VIRTIO_MMIO_CONFIG, &byte, 1, false);
    assert_int_equal(byte, SECTORS);
    vdrv_wr(&d, VIRTIO_MMIO_CONFIG, 12345);       /* read-only */
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_CONFIG), SECTORS);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_CONFIG + 0xf0), 0);
    uint32_t v = 0x11223344;                      /* straddles the end of the slot */
    virtio_mmio_io(&blk.t, VIRTIO_MMIO_SIZE - 2, (uint8_t *)&v, 4, false);
    assert_int_equal(v, 0);
}

static void read_only_disk_offers_ro(void **state)
{
    assert_true(vdrv_rd(&d, VIRTIO_MMIO_DEVICE_FEATURES) & (1U << VIRTIO_BLK_F_RO));
}

static void features_need_version_1_and_a_subset(void **state)
{
    assert_false(vdrv_setup(&d, 1ULL << VIRTIO_BLK_F_FLUSH, 8) & VIRTIO_STATUS_FEATURES_OK);
    assert_false(vdrv_setup(&d, FEATURES | 1ULL << 40, 8) & VIRTIO_STATUS_FEATURES_OK);
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    /* Frozen after FEATURES_OK. */
    vdrv_wr(&d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    vdrv_wr(&d, VIRTIO_MMIO_DRIVER_FEATURES, 1U << VIRTIO_F_EVENT_IDX);
    assert_false(virtio_mmio_has(&blk.t, VIRTIO_F_EVENT_IDX));
}

static void status_bits_follow_the_state_machine(void **state)
{
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER);          /* skips ACKNOWLEDGE */
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 0);
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                    VIRTIO_STATUS_DRIVER_OK);       /* skips FEATURES_OK */
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 3);
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);     /* clears DRIVER */
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 3);
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, 3 | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 3);
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, 3 | VIRTIO_STATUS_FAILED);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 3 | VIRTIO_STATUS_FAILED);
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 0);
}

static void failed_driver_gets_no_service(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, OK_STATUS | VIRTIO_STATUS_FAILED);
    assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0), 0xff);
    assert_int_equal(vdrv_used_idx(&d), 0);
}

static void narrow_register_accesses_are_ignored(void **state)
{
    uint16_t v = 0xffff;
    virtio_mmio_io(&blk.t, VIRTIO_MMIO_MAGIC_VALUE, (uint8_t *)&v, 2, false);
    assert_int_equal(v, 0);
    v = VIRTIO_STATUS_ACKNOWLEDGE;
    virtio_mmio_io(&blk.t, VIRTIO_MMIO_STATUS, (uint8_t *)&v, 2, true);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 0);
    virtio_mmio_io(&blk.t, VIRTIO_MMIO_STATUS + 2, (uint8_t *)&v, 2, true);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS), 0);
}

/* A queue set up with bad values is never enabled, and the device asks for a reset. */
static void bad_queue_setup_needs_reset(void **state)
{
    struct { uint32_t num; uint64_t desc; } cases[] = {
        { 0, VDRV_DESC }, { 3, VDRV_DESC }, { 512, VDRV_DESC },
        { 8, VDRV_DESC + 4 }, { 8, RAM_SIZE - 64 }, { 8, 1ULL << 40 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vdrv_setup(&d, FEATURES, 8);
        vdrv_wr(&d, VIRTIO_MMIO_STATUS, 0);
        vdrv_wr(&d, VIRTIO_MMIO_STATUS, 1);
        vdrv_wr(&d, VIRTIO_MMIO_STATUS, 3);
        vdrv_wr(&d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        vdrv_wr(&d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
        vdrv_wr(&d, VIRTIO_MMIO_STATUS, 11);
        vdrv_wr(&d, VIRTIO_MMIO_QUEUE_NUM, cases[i].num);
        vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)cases[i].desc);
        vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(cases[i].desc >> 32));
        vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, VDRV_AVAIL);
        vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VDRV_USED);
        vdrv_wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
        assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_QUEUE_READY), 0);
        assert_true(vdrv_rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    }
}

static void queue_ready_needs_features_ok_and_freezes_setup(void **state)
{
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, 1);
    vdrv_wr(&d, VIRTIO_MMIO_STATUS, 3);
    vdrv_wr(&d, VIRTIO_MMIO_QUEUE_NUM, 8);
    vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, VDRV_DESC);
    vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, VDRV_AVAIL);
    vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VDRV_USED);
    vdrv_wr(&d, VIRTIO_MMIO_QUEUE_READY, 1);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_QUEUE_READY), 0);
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_QUEUE_READY), 1);
    vdrv_wr(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x123450);
    assert_int_equal(blk.t.queues[0].desc_gpa, VDRV_DESC);
}

static void read_request(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    uint64_t buf = vdrv_alloc(&d, 1024);
    irqs();
    assert_int_equal(request(VIRTIO_BLK_T_IN, 5, buf, 1024), VIRTIO_BLK_S_OK);
    uint8_t *p = vdrv_hva(&d, buf);
    for (int i = 0; i < 1024; i++)
        assert_int_equal(p[i], pattern(5 + i / 512, i % 512));
    uint32_t id, len;
    assert_int_equal(vdrv_used_idx(&d), 1);
    vdrv_used(&d, 0, &id, &len);
    assert_int_equal(id, 0);
    assert_int_equal(len, 1025);
    assert_int_equal(irqs(), 1);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED_BUFFER);
    vdrv_wr(&d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED_BUFFER);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

static void write_request_reaches_the_image(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    uint64_t buf = vdrv_alloc(&d, 512);
    memset(vdrv_hva(&d, buf), 0x5a, 512);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, SECTORS - 1, buf, 512), VIRTIO_BLK_S_OK);
    assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
    uint8_t img[512], want[512];
    memset(want, 0x5a, 512);
    read_image(SECTORS - 1, img, 512);
    assert_memory_equal(img, want, 512);
    uint32_t id, len;
    vdrv_used(&d, 0, &id, &len);
    assert_int_equal(len, 1);                      /* only the status byte was written */
}

static void get_id_answers_20_bytes(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    uint64_t buf = vdrv_alloc(&d, 32);
    memset(vdrv_hva(&d, buf), 0xee, 32);
    assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, buf, 32), VIRTIO_BLK_S_OK);
    assert_memory_equal(vdrv_hva(&d, buf), "disk-serial-01234567", 20);
    assert_int_equal(((uint8_t *)vdrv_hva(&d, buf))[20], 0xee);
    uint32_t id, len;
    vdrv_used(&d, 0, &id, &len);
    assert_int_equal(len, 21);
}

static void bad_requests_get_an_error_status(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 256), OK_STATUS);
    uint64_t buf = vdrv_alloc(&d, 4096);
    struct { uint32_t type; uint64_t sector; uint32_t len; uint8_t want; } cases[] = {
        { VIRTIO_BLK_T_IN, SECTORS, 512, VIRTIO_BLK_S_IOERR },          /* past the end */
        { VIRTIO_BLK_T_IN, SECTORS - 1, 1024, VIRTIO_BLK_S_IOERR },     /* straddles it */
        { VIRTIO_BLK_T_OUT, UINT64_MAX, 512, VIRTIO_BLK_S_IOERR },      /* would wrap */
        { VIRTIO_BLK_T_OUT, UINT64_MAX / 512 + 1, 512, VIRTIO_BLK_S_IOERR },
        { VIRTIO_BLK_T_IN, 0, 100, VIRTIO_BLK_S_IOERR },                /* not whole sectors */
        { VIRTIO_BLK_T_OUT, 0, 513, VIRTIO_BLK_S_IOERR },
        { 11, 0, 512, VIRTIO_BLK_S_UNSUPP },                            /* DISCARD */
        { 0xdeadbeef, 0, 512, VIRTIO_BLK_S_UNSUPP },
        { VIRTIO_BLK_T_IN, SECTORS - 1, 512, VIRTIO_BLK_S_OK },
        { VIRTIO_BLK_T_IN, SECTORS, 0, VIRTIO_BLK_S_OK },               /* empty, at the end */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(request(cases[i].type, cases[i].sector, buf, cases[i].len),
                         cases[i].want);
    uint8_t img[512];
    read_image(0, img, 512);
    assert_int_equal(img[0], pattern(0, 0));
}

static void short_header_gets_ioerr(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    uint64_t hdr = vdrv_alloc(&d, 16), st = vdrv_alloc(&d, 1);
    struct vbuf b[] = { { hdr, 8, false }, { st, 1, true } };
    vdrv_publish(&d, vdrv_chain(&d, b, 2));
    vdrv_notify(&d);
    assert_int_equal(*(uint8_t *)vdrv_hva(&d, st), VIRTIO_BLK_S_IOERR);
}

static void writes_to_a_read_only_disk_fail(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES | 1ULL << VIRTIO_BLK_F_RO, 8), OK_STATUS);
    uint64_t buf = vdrv_alloc(&d, 512);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 0, buf, 512), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(VIRTIO_BLK_T_IN, 0, buf, 512), VIRTIO_BLK_S_OK);
    uint8_t img[512];
    read_image(0, img, 512);
    assert_int_equal(img[1], pattern(0, 1));
}

static void chain_without_status_byte_needs_reset(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    irqs();
    uint64_t hdr = vdrv_alloc(&d, 16);
    struct vbuf b[] = { { hdr, 16, false } };
    vdrv_publish(&d, vdrv_chain(&d, b, 1));
    vdrv_notify(&d);
    assert_true(vdrv_rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG_CHANGE);
    assert_int_equal(irqs(), 1);
    assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0), 0xff);   /* queue stopped */
    /* A reset brings the device back. */
    vdrv_init(&d, ram, RAM_SIZE, &blk.t);
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
}

static void broken_ring_needs_reset(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    struct vbuf b[] = { { RAM_SIZE - 8, 16, true } };
    vdrv_publish(&d, vdrv_chain(&d, b, 1));
    vdrv_notify(&d);
    assert_true(vdrv_rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_int_equal(vdrv_used_idx(&d), 0);
}

/* Header split over two buffers, data and status sharing one. */
static void any_layout_is_accepted(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    uint64_t hdr = vdrv_alloc(&d, 16), data = vdrv_alloc(&d, 1025);
    uint32_t type = VIRTIO_BLK_T_IN;
    uint64_t sector = 9;
    memcpy(vdrv_hva(&d, hdr), &type, 4);
    memcpy((uint8_t *)vdrv_hva(&d, hdr) + 8, &sector, 8);
    struct vbuf b[] = { { hdr, 5, false }, { hdr + 5, 11, false },
                        { data, 700, true }, { data + 700, 325, true } };
    vdrv_publish(&d, vdrv_chain(&d, b, 4));
    vdrv_notify(&d);
    uint8_t *p = vdrv_hva(&d, data);
    assert_int_equal(p[1024], VIRTIO_BLK_S_OK);
    for (int i = 0; i < 1024; i++)
        assert_int_equal(p[i], pattern(9 + i / 512, i % 512));
}

static void indirect_request(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES | 1ULL << VIRTIO_F_INDIRECT_DESC, 8), OK_STATUS);
    uint64_t hdr = vdrv_alloc(&d, 16), data = vdrv_alloc(&d, 512), st = vdrv_alloc(&d, 1);
    uint32_t type = VIRTIO_BLK_T_IN;
    uint64_t sector = 3;
    memcpy(vdrv_hva(&d, hdr), &type, 4);
    memcpy((uint8_t *)vdrv_hva(&d, hdr) + 8, &sector, 8);
    struct vbuf b[] = { { hdr, 16, false }, { data, 512, true }, { st, 1, true } };
    vdrv_publish(&d, vdrv_chain_indirect(&d, b, 3));
    vdrv_notify(&d);
    assert_int_equal(*(uint8_t *)vdrv_hva(&d, st), VIRTIO_BLK_S_OK);
    assert_int_equal(((uint8_t *)vdrv_hva(&d, data))[7], pattern(3, 7));
}

static void event_idx_suppresses_interrupts(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES | 1ULL << VIRTIO_F_EVENT_IDX, 8), OK_STATUS);
    uint16_t *used_event = (uint16_t *)vdrv_hva(&d, VDRV_AVAIL) + 2 + 8;
    uint16_t *avail_event = (uint16_t *)vdrv_hva(&d, VDRV_USED) + 2 + 4 * 8;
    irqs();
    *used_event = 1;                       /* wake me when the second one is used */
    request(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
    assert_int_equal(irqs(), 0);
    assert_int_equal(*avail_event, 1);     /* and the device wants the next notify */
    request(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
    assert_int_equal(irqs(), 1);
    assert_int_equal(vdrv_used_idx(&d), 2);
}

static void no_interrupt_flag_suppresses_interrupts(void **state)
{
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    irqs();
    *((uint16_t *)vdrv_hva(&d, VDRV_AVAIL)) = VIRTQ_AVAIL_F_NO_INTERRUPT;
    assert_int_equal(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_OK);
    assert_int_equal(irqs(), 0);
}

/* The real path: notifications wake the I/O thread, io_uring runs many requests at once,
 * completions come back as interrupts on the eventfd. */
static void io_thread_runs_many_requests_in_flight(void **state)
{
    enum { N = 64 };
    assert_int_equal(vdrv_setup(&d, FEATURES, 256), OK_STATUS);
    int notify_fd = eventfd(0, 0);
    blk.notify_fd = notify_fd;
    assert_int_equal(blk_backend_start(&be, &blk, notify_fd), 0);
    uint8_t *status[2 * N];
    uint64_t buf = vdrv_alloc(&d, N * 512), back = vdrv_alloc(&d, N * 512);
    for (int i = 0; i < N; i++) {
        memset(vdrv_hva(&d, buf + 512 * i), i + 1, 512);
        vdrv_publish(&d, vdrv_blk(&d, VIRTIO_BLK_T_OUT, i, buf + 512 * i, 512, &status[i]));
    }
    alarm(30);                                 /* a hang fails the test instead of CI */
    fcntl(irq_fd, F_SETFL, 0);                 /* block until the next interrupt */
    vdrv_notify(&d);
    while (vdrv_used_idx(&d) != N) {
        uint64_t n;
        assert_int_equal(read(irq_fd, &n, sizeof n), 8);
    }
    for (int i = 0; i < N; i++)
        vdrv_publish(&d, vdrv_blk(&d, VIRTIO_BLK_T_IN, i, back + 512 * i, 512, &status[N + i]));
    vdrv_notify(&d);
    while (vdrv_used_idx(&d) != 2 * N) {
        uint64_t n;
        assert_int_equal(read(irq_fd, &n, sizeof n), 8);
    }
    alarm(0);
    for (int i = 0; i < 2 * N; i++)
        assert_int_equal(*status[i], VIRTIO_BLK_S_OK);
    assert_memory_equal(vdrv_hva(&d, buf), vdrv_hva(&d, back), N * 512);
    blk_backend_stop(&be);
    close(notify_fd);
}

/* crash-after=2: the third write cuts the power; it and everything after are lost. */
static void power_cut_after_n_writes(void **state)
{
    teardown(state);
    struct blk_crash_opts c = { .enabled = true, .after = 2 };
    assert_int_equal(make_disk(false, &c), 0);
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    uint64_t buf = vdrv_alloc(&d, 512);
    memset(vdrv_hva(&d, buf), 0x77, 512);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 1, buf, 512), VIRTIO_BLK_S_OK);
    assert_int_equal(request(VIRTIO_BLK_T_IN, 1, buf, 512), VIRTIO_BLK_S_OK);  /* not a write */
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 2, buf, 512), VIRTIO_BLK_S_OK);
    assert_int_equal(cuts, 0);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 3, buf, 512), 0xff);    /* never answered */
    assert_int_equal(cuts, 1);
    assert_int_equal(vdrv_used_idx(&d), 3);
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_MAGIC_VALUE), 0);        /* the device is off */
    uint8_t img[4 * 512];
    read_image(0, img, sizeof img);
    assert_int_equal(img[0], pattern(0, 0));
    assert_int_equal(img[512], 0x77);
    assert_int_equal(img[1024], 0x77);
    assert_int_equal(img[1536], pattern(3, 0));
}

/* One request through the I/O thread: its status once it is in the used ring. */
static uint8_t request_async(uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
    uint8_t *status;
    uint16_t want = vdrv_used_idx(&d) + 1;
    vdrv_publish(&d, vdrv_blk(&d, type, sector, data, len, &status));
    vdrv_notify(&d);
    alarm(30);                                 /* a hang fails the test instead of CI */
    while (vdrv_used_idx(&d) != want) {
        struct pollfd p = { irq_fd, POLLIN, 0 };
        poll(&p, 1, 100);
        irqs();
    }
    alarm(0);
    return *status;
}

/* Host faults: whatever the image's file refuses completes with IOERR, and the device
 * serves the next request. /dev/full refuses writes (ENOSPC), a write-only descriptor
 * reads (EBADF), a pipe fdatasync (EINVAL); an EIO from the disk takes the same path.
 * Inline (power-cut injection's path), then through io_uring. */
static void host_errors_become_ioerr(bool thread)
{
    uint8_t (*req)(uint32_t, uint64_t, uint64_t, uint32_t) = thread ? request_async : request;
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    int notify_fd = eventfd(0, 0), pipefd[2];
    if (thread) {
        blk.notify_fd = notify_fd;
        assert_int_equal(blk_backend_start(&be, &blk, notify_fd), 0);
    }
    uint64_t buf = vdrv_alloc(&d, 1024);
    int image_fd = be.fd, full = open("/dev/full", O_RDWR), wronly = open(image, O_WRONLY);
    assert_true(full >= 0 && wronly >= 0 && pipe(pipefd) == 0);
    be.fd = full;
    assert_int_equal(req(VIRTIO_BLK_T_OUT, 3, buf, 1024), VIRTIO_BLK_S_IOERR);
    be.fd = wronly;
    assert_int_equal(req(VIRTIO_BLK_T_IN, 3, buf, 1024), VIRTIO_BLK_S_IOERR);
    be.fd = pipefd[1];
    assert_int_equal(req(VIRTIO_BLK_T_FLUSH, 0, 0, 0), VIRTIO_BLK_S_IOERR);
    be.fd = image_fd;
    assert_int_equal(req(VIRTIO_BLK_T_IN, 3, buf, 1024), VIRTIO_BLK_S_OK);
    assert_int_equal(((uint8_t *)vdrv_hva(&d, buf))[0], pattern(3, 0));
    assert_int_equal(vdrv_rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0);
    blk_backend_stop(&be);
    close(full), close(wronly), close(pipefd[0]), close(pipefd[1]), close(notify_fd);
}

static void host_errors_inline(void **state) { host_errors_become_ioerr(false); }
static void host_errors_io_uring(void **state) { host_errors_become_ioerr(true); }

/* The image shrinks under the device (its capacity stays what the driver was told): a
 * read reaching past the new end is IOERR, one before it still works, a write there
 * grows the file again. */
static void image_truncated_while_in_use(bool thread)
{
    uint8_t (*req)(uint32_t, uint64_t, uint64_t, uint32_t) = thread ? request_async : request;
    assert_int_equal(vdrv_setup(&d, FEATURES, 8), OK_STATUS);
    int notify_fd = eventfd(0, 0);
    if (thread) {
        blk.notify_fd = notify_fd;
        assert_int_equal(blk_backend_start(&be, &blk, notify_fd), 0);
    }
    uint64_t buf = vdrv_alloc(&d, 1024);
    assert_int_equal(ftruncate(be.fd, 8 * 512), 0);
    assert_int_equal(req(VIRTIO_BLK_T_IN, 10, buf, 512), VIRTIO_BLK_S_IOERR);
    assert_int_equal(req(VIRTIO_BLK_T_IN, 7, buf, 1024), VIRTIO_BLK_S_IOERR);   /* half */
    assert_int_equal(req(VIRTIO_BLK_T_IN, 6, buf, 1024), VIRTIO_BLK_S_OK);
    assert_int_equal(req(VIRTIO_BLK_T_OUT, SECTORS - 1, buf, 512), VIRTIO_BLK_S_OK);
    assert_int_equal(req(VIRTIO_BLK_T_IN, SECTORS - 1, buf, 512), VIRTIO_BLK_S_OK);
    blk_backend_stop(&be);
    close(notify_fd);
}

/* The I/O thread's ring runs what the device submits and refuses anything else: a
 * hijacked I/O thread cannot open files through io_uring behind the seccomp filter. */
static void ring_refuses_other_operations(void **state)
{
    struct io_uring ring;
    assert_int_equal(blk_ring_init(&ring), 0);
    uint64_t n = 0;
    int zero = open("/dev/zero", O_RDONLY);
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, zero, &n, sizeof n, 0);
    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_openat(sqe, AT_FDCWD, "/tmp", O_RDONLY, 0);
    assert_int_equal(io_uring_submit_and_wait(&ring, 2), 2);
    struct io_uring_cqe *cqe;
    int res[2], i = 0;
    unsigned head;
    io_uring_for_each_cqe(&ring, head, cqe)
        res[i++] = cqe->res;
    assert_int_equal(i, 2);
    assert_int_equal(res[0], sizeof n);
    assert_int_equal(res[1], -EACCES);
    io_uring_queue_exit(&ring);
    close(zero);
}

static void truncated_inline(void **state) { image_truncated_while_in_use(false); }
static void truncated_io_uring(void **state) { image_truncated_while_in_use(true); }

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(identity_registers),
        T(config_space),
        cmocka_unit_test_setup_teardown(read_only_disk_offers_ro, setup_ro, teardown),
        T(features_need_version_1_and_a_subset),
        T(status_bits_follow_the_state_machine),
        T(failed_driver_gets_no_service),
        T(narrow_register_accesses_are_ignored),
        T(bad_queue_setup_needs_reset),
        T(queue_ready_needs_features_ok_and_freezes_setup),
        T(read_request),
        T(write_request_reaches_the_image),
        T(get_id_answers_20_bytes),
        T(bad_requests_get_an_error_status),
        T(short_header_gets_ioerr),
        cmocka_unit_test_setup_teardown(writes_to_a_read_only_disk_fail, setup_ro, teardown),
        T(chain_without_status_byte_needs_reset),
        T(broken_ring_needs_reset),
        T(any_layout_is_accepted),
        T(indirect_request),
        T(event_idx_suppresses_interrupts),
        T(no_interrupt_flag_suppresses_interrupts),
        T(io_thread_runs_many_requests_in_flight),
        T(power_cut_after_n_writes),
        T(host_errors_inline),
        T(host_errors_io_uring),
        T(ring_refuses_other_operations),
        T(truncated_inline),
        T(truncated_io_uring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
