/* Unit tests of the benchmark doorbell: signals counted per source, one echo interrupt per
 * batch of echoes, counts that include what the eventfds still hold, and the MMIO page's
 * registers with their hostile-access rules. Fakes stand in for the eventfds and the irq line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "abi/machine.h"
#include "devices/doorbell.h"
#include "tests/unit/fake_irq.h"

/* The fake KVM side: pending eventfd counts; the echo interrupts are fake_irq's rises. */
static uint64_t pending[DOORBELL_NSRC];
#define echoes ((int)fake_irq_rises(MACHINE_DOORBELL_IRQ))

static uint64_t fake_drain(void *ctx, enum doorbell_source s)
{
    uint64_t n = pending[s];
    pending[s] = 0;
    return n;
}

static int setup(void **state)
{
    memset(pending, 0, sizeof pending);
    fake_irq_reset();
    *state = doorbell_create((struct doorbell_ops){ fake_drain, NULL },
                             (struct irq_line){ .vm_fd = -1, .gsi = MACHINE_DOORBELL_IRQ });
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    doorbell_destroy(*state);
    return 0;
}

static uint32_t rd(struct doorbell *d, uint64_t off)
{
    uint32_t v = 0;
    doorbell_mmio_io(d, off, (uint8_t *)&v, 4, false);
    return v;
}

static void wr(struct doorbell *d, uint64_t off, uint32_t v)
{
    doorbell_mmio_io(d, off, (uint8_t *)&v, 4, true);
}

static void test_id(void **state)
{
    assert_int_equal(rd(*state, DOORBELL_ID), DOORBELL_MAGIC);
}

static void test_signals_count_per_source(void **state)
{
    struct doorbell *d = *state;
    doorbell_signalled(d, DOORBELL_SRC_RING, 3);
    doorbell_signalled(d, DOORBELL_SRC_RING, 2);
    doorbell_signalled(d, DOORBELL_SRC_PORT, 7);
    assert_int_equal(rd(d, DOORBELL_COUNT_RING), 5);
    assert_int_equal(rd(d, DOORBELL_COUNT_PORT), 7);
    assert_int_equal(rd(d, DOORBELL_COUNT_ECHO), 0);
    assert_int_equal(echoes, 0);            /* rings raise no interrupt */
}

static void test_echo_raises_one_interrupt_per_batch(void **state)
{
    struct doorbell *d = *state;
    doorbell_signalled(d, DOORBELL_SRC_ECHO, 1);
    assert_int_equal(echoes, 1);
    doorbell_signalled(d, DOORBELL_SRC_ECHO, 4);
    assert_int_equal(echoes, 2);
    doorbell_signalled(d, DOORBELL_SRC_ECHO, 0);   /* a spurious wake-up: nothing */
    assert_int_equal(echoes, 2);
    assert_int_equal(rd(d, DOORBELL_COUNT_ECHO), 5);
}

/* A count read sees signals the event loop has not taken yet, and counts them once. */
static void test_count_drains_pending(void **state)
{
    struct doorbell *d = *state;
    doorbell_signalled(d, DOORBELL_SRC_RING, 2);
    pending[DOORBELL_SRC_RING] = 10;
    assert_int_equal(rd(d, DOORBELL_COUNT_RING), 12);
    assert_int_equal(pending[DOORBELL_SRC_RING], 0);
    assert_int_equal(rd(d, DOORBELL_COUNT_RING), 12);
    /* A drained echo is still answered with its interrupt. */
    pending[DOORBELL_SRC_ECHO] = 1;
    assert_int_equal(doorbell_count(d, DOORBELL_SRC_ECHO), 1);
    assert_int_equal(echoes, 1);
}

/* Writes that exit (no ioeventfd) count exactly as the eventfd path would. */
static void test_exiting_writes_count(void **state)
{
    struct doorbell *d = *state;
    wr(d, DOORBELL_RING, 0);
    wr(d, DOORBELL_RING, 0xdeadbeef);
    wr(d, DOORBELL_ECHO, 1);
    assert_int_equal(rd(d, DOORBELL_COUNT_RING), 2);
    assert_int_equal(rd(d, DOORBELL_COUNT_ECHO), 1);
    assert_int_equal(echoes, 1);
}

static void test_hostile_accesses(void **state)
{
    struct doorbell *d = *state;
    uint8_t b[8];
    /* Narrow, wide and misaligned accesses do nothing and read as all ones. */
    memset(b, 0, sizeof b);
    doorbell_mmio_io(d, DOORBELL_RING, b, 1, true);
    doorbell_mmio_io(d, DOORBELL_RING, b, 8, true);
    doorbell_mmio_io(d, DOORBELL_ECHO + 2, b, 4, true);
    doorbell_mmio_io(d, DOORBELL_ID, b, 2, false);
    assert_int_equal(b[0], 0xff);
    assert_int_equal(b[1], 0xff);
    doorbell_mmio_io(d, DOORBELL_ID + 1, b, 4, false);
    assert_int_equal(b[3], 0xff);
    /* Writes to read-only and unassigned registers are ignored; the rest reads as ones. */
    wr(d, DOORBELL_COUNT_RING, 99);
    wr(d, DOORBELL_ID, 0);
    wr(d, MACHINE_DOORBELL_LEN - 4, 1);
    assert_int_equal(rd(d, DOORBELL_COUNT_RING), 0);
    assert_int_equal(rd(d, DOORBELL_ID), DOORBELL_MAGIC);
    assert_int_equal(rd(d, DOORBELL_RING), 0xffffffffU);
    assert_int_equal(rd(d, MACHINE_DOORBELL_LEN - 4), 0xffffffffU);
    assert_int_equal(echoes, 0);
    /* A source number out of range is refused. */
    doorbell_signalled(d, DOORBELL_NSRC, 5);
    doorbell_signalled(d, (enum doorbell_source)-1, 5);
    assert_int_equal(doorbell_count(d, DOORBELL_NSRC), 0);
}

/* The counter registers carry the low 32 bits of a count that passed 2^32. */
static void test_counts_wrap_in_registers(void **state)
{
    struct doorbell *d = *state;
    doorbell_signalled(d, DOORBELL_SRC_PORT, (1ULL << 32) + 3);
    assert_int_equal(rd(d, DOORBELL_COUNT_PORT), 3);
    assert_true(doorbell_count(d, DOORBELL_SRC_PORT) == (1ULL << 32) + 3);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_id), T(test_signals_count_per_source), T(test_echo_raises_one_interrupt_per_batch),
        T(test_count_drains_pending), T(test_exiting_writes_count), T(test_hostile_accesses),
        T(test_counts_wrap_in_registers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
