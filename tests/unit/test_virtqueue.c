/* Unit tests of split virtqueues (devices/virtqueue.c): the test plays the driver, laying
 * out descriptor tables and rings in a small buffer posing as guest RAM (read through the
 * real memory/guest_mem.c accessor), and checks what the device takes and gives back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/virtqueue.h"

#define RAM_SIZE  (256 * 1024)
#define DESC      0x1000
#define AVAIL     0x2000
#define USED      0x3000
#define TABLE     0x5000      /* indirect tables */
#define BUF       0x10000     /* data buffers */
#define NUM       8

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static const struct guest_mem mem = { .hva = ram, .size = RAM_SIZE };
static struct virtq q;
static struct virtq_chain c;
static uint16_t avail_idx;

static void put_desc(uint64_t table, int i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    struct virtq_desc d = { addr, len, flags, next };
    memcpy(ram + table + 16 * i, &d, sizeof d);
}

static uint16_t *avail16(int i) { return (uint16_t *)(ram + AVAIL) + i; }
static uint16_t *used16(int i) { return (uint16_t *)(ram + USED) + i; }
static uint32_t *used_elem(int slot) { return (uint32_t *)(ram + USED + 4 + 8 * slot); }

/* Make chain `head` available. */
static void publish(uint16_t head)
{
    *avail16(2 + avail_idx % NUM) = head;
    *avail16(1) = ++avail_idx;
}

static int setup(void **state)
{
    memset(ram, 0, sizeof ram);
    virtq_reset(&q);
    q.num = NUM;
    q.desc_gpa = DESC, q.avail_gpa = AVAIL, q.used_gpa = USED;
    avail_idx = 0;
    return virtq_enable(&q, &mem);
}

static void enable_checks_size_alignment_and_ram(void **state)
{
    struct { uint32_t num; uint64_t desc, avail, used; int ok; } cases[] = {
        { 8, DESC, AVAIL, USED, 0 },
        { 256, DESC, AVAIL, USED, 0 },
        { 0, DESC, AVAIL, USED, -1 },
        { 6, DESC, AVAIL, USED, -1 },           /* not a power of two */
        { 512, DESC, AVAIL, USED, -1 },         /* above QueueNumMax */
        { 8, DESC + 8, AVAIL, USED, -1 },       /* descriptor table not 16-aligned */
        { 8, DESC, AVAIL + 1, USED, -1 },
        { 8, DESC, AVAIL, USED + 2, -1 },
        { 8, RAM_SIZE - 64, AVAIL, USED, -1 },  /* table runs past the end of RAM */
        { 8, DESC, RAM_SIZE - 20, USED, -1 },   /* avail needs 6 + 2 * 8 bytes */
        { 8, DESC, AVAIL, RAM_SIZE - 68, -1 },  /* used needs 6 + 8 * 8 bytes */
        { 8, DESC, AVAIL, UINT64_MAX - 3, -1 }, /* wraps around */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct virtq t = { .num = cases[i].num, .desc_gpa = cases[i].desc,
                           .avail_gpa = cases[i].avail, .used_gpa = cases[i].used };
        assert_int_equal(virtq_enable(&t, &mem), cases[i].ok);
        assert_int_equal(t.ready, cases[i].ok == 0);
    }
}

static void empty_ring_gives_nothing(void **state)
{
    assert_int_equal(virtq_pop(&q, &mem, &c), 0);
}

static void chain_of_readable_then_writable_buffers(void **state)
{
    put_desc(DESC, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
    put_desc(DESC, 5, BUF + 100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    put_desc(DESC, 1, BUF + 1000, 1, VIRTQ_DESC_F_WRITE, 0);
    publish(3);
    assert_int_equal(virtq_pop(&q, &mem, &c), 1);
    assert_int_equal(c.head, 3);
    assert_int_equal(c.nseg, 3);
    assert_int_equal(c.nread, 1);
    assert_ptr_equal(c.seg[0].hva, ram + BUF);
    assert_int_equal(c.seg[0].len, 16);
    assert_false(c.seg[0].write);
    assert_ptr_equal(c.seg[1].hva, ram + BUF + 100);
    assert_true(c.seg[1].write);
    assert_ptr_equal(c.seg[2].hva, ram + BUF + 1000);
    assert_int_equal(virtq_pop(&q, &mem, &c), 0);
}

/* Each case is one broken chain published at head 0: pop must refuse it. */
static void broken_chains_are_refused(void **state)
{
    enum { HEAD_OOR, NEXT_OOR, LOOP, OUTSIDE, WRAP, READ_AFTER_WRITE, SELF_LOOP, NCASES };
    for (int k = 0; k < NCASES; k++) {
        setup(state);
        uint16_t head = 0;
        switch (k) {
        case HEAD_OOR: head = NUM; put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_WRITE, 0); break;
        case NEXT_OOR: put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_NEXT, NUM); break;
        case LOOP:
            put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_NEXT, 1);
            put_desc(DESC, 1, BUF, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
            break;
        case SELF_LOOP: put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0); break;
        case OUTSIDE: put_desc(DESC, 0, RAM_SIZE - 4, 8, VIRTQ_DESC_F_WRITE, 0); break;
        case WRAP: put_desc(DESC, 0, UINT64_MAX - 1, 4, VIRTQ_DESC_F_WRITE, 0); break;
        case READ_AFTER_WRITE:
            put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
            put_desc(DESC, 1, BUF, 1, 0, 0);
            break;
        }
        publish(head);
        assert_int_equal(virtq_pop(&q, &mem, &c), -1);
    }
}

static void more_available_than_the_ring_holds_is_refused(void **state)
{
    put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_WRITE, 0);
    *avail16(1) = NUM + 1;
    assert_int_equal(virtq_pop(&q, &mem, &c), -1);
}

static void indexes_wrap_at_65536(void **state)
{
    put_desc(DESC, 2, BUF, 1, VIRTQ_DESC_F_WRITE, 0);
    q.last_avail = 0xffff;
    q.used_idx = 0xffff;
    q.signalled_used = 0xffff;
    *avail16(2 + 0xffff % NUM) = 2;
    *avail16(2 + 0) = 2;
    *avail16(1) = 1;                 /* two buffers: at 0xffff and at 0 */
    assert_int_equal(virtq_pop(&q, &mem, &c), 1);
    assert_int_equal(virtq_pop(&q, &mem, &c), 1);
    assert_int_equal(virtq_pop(&q, &mem, &c), 0);
    virtq_push(&q, 2, 1);
    assert_int_equal(*used16(1), 0);
    assert_int_equal(*used_elem(0xffff % NUM), 2);
}

static void indirect_needs_the_feature(void **state)
{
    put_desc(TABLE, 0, BUF, 1, VIRTQ_DESC_F_WRITE, 0);
    put_desc(DESC, 0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
    publish(0);
    assert_int_equal(virtq_pop(&q, &mem, &c), -1);
}

static void indirect_table_is_walked(void **state)
{
    q.indirect = true;
    put_desc(TABLE, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
    put_desc(TABLE, 2, BUF + 16, 512, VIRTQ_DESC_F_NEXT, 1);
    put_desc(TABLE, 1, BUF + 600, 1, VIRTQ_DESC_F_WRITE, 0);
    /* The WRITE flag on the pointing descriptor is ignored. */
    put_desc(DESC, 4, TABLE, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
    publish(4);
    assert_int_equal(virtq_pop(&q, &mem, &c), 1);
    assert_int_equal(c.head, 4);
    assert_int_equal(c.nseg, 3);
    assert_int_equal(c.nread, 2);
    assert_ptr_equal(c.seg[1].hva, ram + BUF + 16);
    assert_ptr_equal(c.seg[2].hva, ram + BUF + 600);
    assert_true(c.seg[2].write);
}

static void broken_indirect_tables_are_refused(void **state)
{
    enum { ODD_LEN, EMPTY, NESTED, WITH_NEXT, OUTSIDE, NEXT_OOR, LOOP, TOO_LONG, NCASES };
    for (int k = 0; k < NCASES; k++) {
        setup(state);
        q.indirect = true;
        uint32_t len = 2 * 16;
        uint16_t flags = VIRTQ_DESC_F_INDIRECT;
        uint64_t table = TABLE;
        put_desc(TABLE, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
        put_desc(TABLE, 1, BUF + 16, 1, VIRTQ_DESC_F_WRITE, 0);
        switch (k) {
        case ODD_LEN: len = 20; break;
        case EMPTY: len = 0; break;
        case NESTED: put_desc(TABLE, 1, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0); break;
        case WITH_NEXT: flags |= VIRTQ_DESC_F_NEXT; put_desc(DESC, 1, BUF, 1, 2, 0); break;
        case OUTSIDE: table = RAM_SIZE - 16; break;
        case NEXT_OOR: put_desc(TABLE, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 2); break;
        case LOOP: put_desc(TABLE, 1, BUF + 16, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0); break;
        case TOO_LONG:
            len = (VIRTQ_SEG_MAX + 1) * 16;
            for (int i = 0; i <= VIRTQ_SEG_MAX; i++)
                put_desc(TABLE, i, BUF, 1, VIRTQ_DESC_F_WRITE | (i < VIRTQ_SEG_MAX ? VIRTQ_DESC_F_NEXT : 0), i + 1);
            break;
        }
        put_desc(DESC, 0, table, len, flags, 1);
        publish(0);
        assert_int_equal(virtq_pop(&q, &mem, &c), -1);
    }
}

static void push_fills_the_used_ring(void **state)
{
    virtq_push(&q, 5, 513);
    virtq_push(&q, 7, 1);
    assert_int_equal(*used16(1), 2);
    assert_int_equal(used_elem(0)[0], 5);
    assert_int_equal(used_elem(0)[1], 513);
    assert_int_equal(used_elem(1)[0], 7);
    assert_int_equal(used_elem(1)[1], 1);
}

static void interrupts_follow_the_no_interrupt_flag(void **state)
{
    assert_false(virtq_should_interrupt(&q));       /* nothing used yet */
    virtq_push(&q, 0, 1);
    assert_true(virtq_should_interrupt(&q));
    assert_false(virtq_should_interrupt(&q));       /* nothing new since */
    *avail16(0) = VIRTQ_AVAIL_F_NO_INTERRUPT;
    virtq_push(&q, 0, 1);
    assert_false(virtq_should_interrupt(&q));
}

static void interrupts_follow_used_event(void **state)
{
    q.event_idx = true;
    *avail16(2 + NUM) = 2;                /* used_event: interrupt once used->idx passes 2 */
    *avail16(0) = VIRTQ_AVAIL_F_NO_INTERRUPT;   /* ignored with event idx */
    virtq_push(&q, 0, 1);
    assert_false(virtq_should_interrupt(&q));   /* idx 1 */
    virtq_push(&q, 0, 1);
    assert_false(virtq_should_interrupt(&q));   /* idx 2 */
    virtq_push(&q, 0, 1);
    virtq_push(&q, 0, 1);
    assert_true(virtq_should_interrupt(&q));    /* idx 4: crossed 3 */
    virtq_push(&q, 0, 1);
    assert_false(virtq_should_interrupt(&q));   /* event stays behind */
}

static void arm_notify_publishes_avail_event(void **state)
{
    q.event_idx = true;
    put_desc(DESC, 0, BUF, 1, VIRTQ_DESC_F_WRITE, 0);
    publish(0);
    publish(0);
    assert_true(virtq_arm_notify(&q));             /* two waiting */
    assert_int_equal(*used16(2 + 4 * NUM), 0);
    assert_int_equal(virtq_pop(&q, &mem, &c), 1);
    assert_int_equal(virtq_pop(&q, &mem, &c), 1);
    assert_false(virtq_arm_notify(&q));
    assert_int_equal(*used16(2 + 4 * NUM), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enable_checks_size_alignment_and_ram),
        cmocka_unit_test_setup(empty_ring_gives_nothing, setup),
        cmocka_unit_test_setup(chain_of_readable_then_writable_buffers, setup),
        cmocka_unit_test_setup(broken_chains_are_refused, setup),
        cmocka_unit_test_setup(more_available_than_the_ring_holds_is_refused, setup),
        cmocka_unit_test_setup(indexes_wrap_at_65536, setup),
        cmocka_unit_test_setup(indirect_needs_the_feature, setup),
        cmocka_unit_test_setup(indirect_table_is_walked, setup),
        cmocka_unit_test_setup(broken_indirect_tables_are_refused, setup),
        cmocka_unit_test_setup(push_fills_the_used_ring, setup),
        cmocka_unit_test_setup(interrupts_follow_the_no_interrupt_flag, setup),
        cmocka_unit_test_setup(interrupts_follow_used_event, setup),
        cmocka_unit_test_setup(arm_notify_publishes_avail_event, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
