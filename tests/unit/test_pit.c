/* Unit tests of the 8254 model on a fake clock: counting, latches, read-back, the OUT
 * pin per mode, port 0x61, and the IRQ 0 edges and timer deadlines counter 0 produces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/pit.h"
#include "tests/unit/fake_irq.h"

#define HZ 1193182ULL
#define T0 5000000000ULL          /* the clock does not start at 0 */

static uint64_t fake_ns;
static uint64_t fake_now(void) { return fake_ns; }

/* The owner's timer, as the model asked for it. */
static struct { int calls; uint64_t deadline; } timer;
static void fake_arm(void *ctx, uint64_t deadline)
{
    timer.calls++;
    timer.deadline = deadline;
}

/* The instant CLK tick k (counted from T0) happens. */
static uint64_t tick_time(uint64_t k)
{
    return T0 + (k * 1000000000ULL + HZ - 1) / HZ;
}

static void at_tick(uint64_t k) { fake_ns = tick_time(k); }

/* Let exactly k more ticks reach a counter whose clock (re)started at fake_ns. */
static void advance(uint64_t k) { fake_ns += (k * 1000000000ULL + HZ - 1) / HZ; }

static void outb(struct pit *p, unsigned reg, uint8_t v) { pit_io(p, reg, &v, 1, true); }
static uint8_t inb(struct pit *p, unsigned reg)
{
    uint8_t v = 0;
    pit_io(p, reg, &v, 1, false);
    return v;
}
static void out61(struct pit *p, uint8_t v) { pit_port61_io(p, 0, &v, 1, true); }
static uint8_t in61(struct pit *p)
{
    uint8_t v = 0;
    pit_port61_io(p, 0, &v, 1, false);
    return v;
}

/* Control words: counter in 7:6, RW=3 (LSB then MSB) unless said, mode in 3:1. */
static uint8_t cw(int counter, int mode) { return (uint8_t)(counter << 6 | 0x30 | mode << 1); }

static void write16(struct pit *p, int counter, uint16_t n)
{
    outb(p, counter, n & 0xff);
    outb(p, counter, n >> 8);
}

static uint16_t read16(struct pit *p, int counter)
{
    uint8_t lo = inb(p, counter);
    return (uint16_t)(lo | inb(p, counter) << 8);
}

/* Counter latch command, then the latched count. */
static uint16_t latched(struct pit *p, int counter)
{
    outb(p, 3, (uint8_t)(counter << 6));
    return read16(p, counter);
}

/* Read-back of one counter's status byte. */
static uint8_t status(struct pit *p, int counter)
{
    outb(p, 3, (uint8_t)(0xe0 | 2 << counter));
    return inb(p, counter);
}

static int setup(void **state)
{
    fake_irq_reset();
    memset(&timer, 0, sizeof(timer));
    fake_ns = T0;
    *state = pit_create((struct irq_line){ .vm_fd = -1, .gsi = 0 }, fake_now, fake_arm, NULL);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    pit_destroy(*state);
    return 0;
}

/* Mode 2 counts N, N-1, ... 1, then reloads N: the count is a function of time. */
static void test_mode2_count_follows_the_clock(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 2));
    write16(p, 0, 1000);
    assert_int_equal(latched(p, 0), 1000);
    at_tick(1);
    assert_int_equal(latched(p, 0), 999);
    at_tick(100);
    assert_int_equal(latched(p, 0), 900);
    at_tick(999);
    assert_int_equal(latched(p, 0), 1);
    at_tick(1000);
    assert_int_equal(latched(p, 0), 1000);
    at_tick(2050);
    assert_int_equal(latched(p, 0), 950);
}

/* A latched count stays put while time passes, until both bytes are read; a second
 * latch command before that is ignored. */
static void test_latch_freezes_the_count(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 2));
    write16(p, 0, 5000);
    at_tick(10);
    outb(p, 3, 0x00);
    at_tick(300);
    outb(p, 3, 0x00);                             /* ignored: already latched */
    assert_int_equal(inb(p, 0), (4990 & 0xff));
    at_tick(600);
    assert_int_equal(inb(p, 0), 4990 >> 8);
    assert_int_equal(read16(p, 0), 4400);         /* live again */
}

/* RW selects which bytes a count takes: LSB only, MSB only, or LSB then MSB. */
static void test_lsb_msb_sequencing(void **state)
{
    struct pit *p = *state;
    outb(p, 3, 0x14);                             /* counter 0, LSB only, mode 2 */
    outb(p, 0, 0x80);
    assert_int_equal(inb(p, 0), 0x80);
    assert_int_equal(inb(p, 0), 0x80);            /* every read is the LSB */
    assert_int_equal(status(p, 0) & 0x40, 0);     /* the count was complete */

    outb(p, 3, 0x24);                             /* MSB only: count 0x1200 */
    outb(p, 0, 0x12);
    at_tick(0x100);
    assert_int_equal(inb(p, 0), 0x11);
    outb(p, 3, 0x00);
    assert_int_equal(inb(p, 0), 0x11);

    outb(p, 3, 0x34);                             /* LSB then MSB */
    outb(p, 0, 0x34);
    assert_int_equal(status(p, 0) & 0x40, 0x40);  /* half a count: still null */
    outb(p, 0, 0x12);
    assert_int_equal(read16(p, 0), 0x1234);
    assert_int_equal(read16(p, 0), 0x1234);       /* the byte pointer wrapped to LSB */
}

/* Read-back latches status and/or count of several counters at once; the status
 * (OUT, null count, RW, mode, BCD) is read first. */
static void test_read_back_status_and_count(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 0));
    outb(p, 3, cw(1, 2));
    write16(p, 1, 18);
    assert_int_equal(status(p, 0), 0x40 | 0x30);  /* mode 0: OUT low, null count */
    assert_int_equal(status(p, 1), 0x80 | 0x34);  /* mode 2: OUT high, loaded */

    write16(p, 0, 300);
    at_tick(5);
    outb(p, 3, 0xc0 | 0x06);                      /* count + status of counters 0, 1 */
    at_tick(50);
    assert_int_equal(inb(p, 0), 0x30);
    assert_int_equal(read16(p, 0), 295);
    assert_int_equal(inb(p, 1), 0x80 | 0x34);
    assert_int_equal(read16(p, 1), 13);
    assert_int_equal(read16(p, 1), 18 - 50 % 18);   /* live again */

    outb(p, 3, 0xd0 | 0x08);                      /* latch counter 2's count... */
    outb(p, 3, cw(2, 3) | 1);                     /* ...which a control word drops */
    assert_int_equal(status(p, 2), 0x80 | 0x40 | 0x37);   /* BCD kept in the status */
    write16(p, 2, 100);
    assert_int_equal(read16(p, 2), 100);
}

/* Mode 0: OUT low from the count until terminal count, then high; counter 0 raises
 * IRQ 0 exactly once there, and the timer is armed for that instant, then disarmed. */
static void test_mode0_one_edge_at_terminal_count(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 0));
    write16(p, 0, 100);
    assert_int_equal(timer.deadline, tick_time(100));
    assert_int_equal(status(p, 0) & 0x80, 0);

    at_tick(99);
    pit_timer_expired(p);                         /* an early timer raises nothing */
    assert_string_equal(fake_irq_history(0), "");
    assert_int_equal(timer.deadline, tick_time(100));

    at_tick(100);
    pit_timer_expired(p);
    assert_string_equal(fake_irq_history(0), "10");
    assert_int_equal(pit_irq_count(p), 1);
    assert_int_equal(timer.deadline, 0);
    assert_int_equal(status(p, 0) & 0x80, 0x80);

    at_tick(70000);                               /* the count wraps, OUT stays high */
    pit_timer_expired(p);
    assert_int_equal(pit_irq_count(p), 1);
    assert_int_equal(status(p, 0) & 0x80, 0x80);
    assert_int_equal(latched(p, 0), (uint16_t)(100 - 70000));
}

/* A port access after terminal count raises the due edge itself, without the timer. */
static void test_due_edge_is_raised_by_any_access(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 0));
    write16(p, 0, 10);
    at_tick(20);
    outb(p, 3, cw(0, 0));                         /* reprogramming does not lose it */
    assert_string_equal(fake_irq_history(0), "10");
    assert_int_equal(timer.deadline, 0);
}

/* Writing the first byte of a two-byte count stops mode 0 with OUT low; the second
 * starts the new count. */
static void test_mode0_rewrite_restarts(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 0));
    write16(p, 0, 100);
    at_tick(200);
    pit_timer_expired(p);
    outb(p, 0, 50);
    assert_int_equal(status(p, 0) & 0x80, 0);
    assert_int_equal(timer.deadline, 0);
    at_tick(260);
    assert_int_equal(latched(p, 0), (uint16_t)(100 - 200));  /* held */
    outb(p, 0, 0);
    assert_int_equal(timer.deadline, tick_time(310));
    at_tick(310);
    pit_timer_expired(p);
    assert_int_equal(pit_irq_count(p), 2);
}

/* Mode 2 on counter 0 is the periodic tick: one IRQ 0 edge per period, each arming the
 * next period's deadline. Loading the count is not an edge (OUT is already high). */
static void test_mode2_periodic_irqs_and_deadlines(void **state)
{
    struct pit *p = *state;
    at_tick(500);
    outb(p, 3, cw(0, 2));
    write16(p, 0, 1193);                          /* about 1 ms */
    assert_int_equal(timer.deadline, tick_time(500 + 1193));
    for (uint64_t k = 1; k <= 5; k++) {
        fake_ns = timer.deadline;
        pit_timer_expired(p);
        assert_int_equal(pit_irq_count(p), k);
        assert_int_equal(timer.deadline, tick_time(500 + 1193 * (k + 1)));
    }
    assert_string_equal(fake_irq_history(0), "1010101010");
}

/* A host timer that fires several periods late raises one edge, not a burst, and arms
 * the next edge that is still in the future. */
static void test_late_timer_raises_once(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 2));
    write16(p, 0, 1193);
    at_tick(1193 * 5 + 600);
    pit_timer_expired(p);
    assert_string_equal(fake_irq_history(0), "10");
    assert_int_equal(timer.deadline, tick_time(1193 * 6));
}

/* A period shorter than the pacing limit is armed no closer than 100 µs apart. */
static void test_fast_periodic_rate_is_paced(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 2));
    write16(p, 0, 2);
    assert_int_equal(timer.deadline, T0 + 100000);
    fake_ns = timer.deadline;
    pit_timer_expired(p);
    assert_int_equal(pit_irq_count(p), 1);
    assert_int_equal(timer.deadline, fake_ns + 100000);
}

/* A new count in mode 2 waits for the end of the current period. */
static void test_mode2_new_count_at_period_end(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 2));
    write16(p, 0, 1000);
    at_tick(300);
    write16(p, 0, 500);
    assert_int_equal(status(p, 0) & 0x40, 0x40);  /* not loaded yet */
    assert_int_equal(latched(p, 0), 700);
    assert_int_equal(timer.deadline, tick_time(1000));
    at_tick(1000);
    pit_timer_expired(p);
    assert_int_equal(timer.deadline, tick_time(1500));
    assert_int_equal(latched(p, 0), 500);
    assert_int_equal(status(p, 0) & 0x40, 0);
    at_tick(1250);
    assert_int_equal(latched(p, 0), 250);
}

/* Modes 6 and 7 are modes 2 and 3; the status shows the mode bits as written. */
static void test_mode6_is_mode2(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 6));
    write16(p, 0, 1000);
    assert_int_equal(timer.deadline, tick_time(1000));
    at_tick(1500);
    assert_int_equal(latched(p, 0), 500);
    assert_int_equal(status(p, 0), 0x80 | 0x3c);
}

/* Mode 4: OUT drops for one tick at terminal count; the rising edge after it is the
 * interrupt, once. */
static void test_mode4_strobe(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(0, 4));
    write16(p, 0, 10);
    assert_int_equal(timer.deadline, tick_time(11));
    at_tick(9);
    assert_int_equal(status(p, 0) & 0x80, 0x80);
    at_tick(10);
    assert_int_equal(status(p, 0) & 0x80, 0);
    at_tick(11);
    assert_int_equal(status(p, 0) & 0x80, 0x80);
    pit_timer_expired(p);
    assert_int_equal(pit_irq_count(p), 1);
    assert_int_equal(timer.deadline, 0);
}

/* Mode 3 counts down by two and gives a square wave: high for the first half. Counter 2
 * shows it on port 0x61 bit 5 while its gate (bit 0) is high. */
static void test_mode3_square_wave_on_port61(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(2, 3));
    write16(p, 2, 100);
    out61(p, 0x01);
    at_tick(10);
    assert_int_equal(latched(p, 2), 80);
    assert_int_equal(in61(p) & 0x20, 0x20);
    at_tick(49);
    assert_int_equal(in61(p) & 0x20, 0x20);
    at_tick(50);
    assert_int_equal(in61(p) & 0x20, 0);
    assert_int_equal(latched(p, 2), 100);
    at_tick(99);
    assert_int_equal(in61(p) & 0x20, 0);
    at_tick(100);
    assert_int_equal(in61(p) & 0x20, 0x20);
    assert_string_equal(fake_irq_history(0), ""); /* counter 2 has no IRQ */
}

/* An odd count spends one tick more high than low. */
static void test_mode3_odd_count(void **state)
{
    struct pit *p = *state;
    static const uint16_t counts[5] = { 5, 4, 2, 5, 2 };
    static const uint8_t out[5] = { 1, 1, 1, 0, 0 };
    outb(p, 3, cw(0, 3));
    write16(p, 0, 5);
    for (int k = 0; k < 5; k++) {
        at_tick(10 + k);
        assert_int_equal(latched(p, 0), counts[k]);
        assert_int_equal(status(p, 0) >> 7, out[k]);
    }
}

/* Gate low holds a mode 2/3 counter with OUT high; raising it restarts the count. */
static void test_gate_low_stops_and_restarts_mode2(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(2, 2));
    write16(p, 2, 100);
    out61(p, 0x01);
    at_tick(99);
    assert_int_equal(in61(p) & 0x20, 0);          /* the one low tick */
    out61(p, 0x00);
    assert_int_equal(in61(p) & 0x20, 0x20);
    at_tick(150);
    assert_int_equal(latched(p, 2), 1);           /* frozen */
    out61(p, 0x01);
    assert_int_equal(latched(p, 2), 100);
    advance(30);
    assert_int_equal(latched(p, 2), 70);
}

/* The calibration pattern of Linux and others: counter 2 in mode 0 counts only while
 * gate 2 is high, and OUT2 on port 0x61 rises at terminal count. */
static void test_port61_gate_and_out2_mode0(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(2, 0));
    write16(p, 2, 1000);
    at_tick(500);
    assert_int_equal(latched(p, 2), 1000);        /* gate low: not counting */
    assert_int_equal(in61(p) & 0x20, 0);
    out61(p, 0x01);
    advance(999);
    assert_int_equal(in61(p) & 0x20, 0);
    assert_int_equal(latched(p, 2), 1);
    advance(1);
    assert_int_equal(in61(p) & 0x20, 0x20);
}

/* Mode 1 waits for a rising gate, then OUT is low for N ticks. */
static void test_mode1_is_triggered_by_the_gate(void **state)
{
    struct pit *p = *state;
    outb(p, 3, cw(2, 1));
    write16(p, 2, 100);
    at_tick(200);
    assert_int_equal(in61(p) & 0x20, 0x20);
    out61(p, 0x01);
    assert_int_equal(in61(p) & 0x20, 0);
    advance(99);
    assert_int_equal(in61(p) & 0x20, 0);
    advance(1);
    assert_int_equal(in61(p) & 0x20, 0x20);
}

/* Port 0x61: bits 3:0 read back, bit 4 toggles with the refresh clock, 7:6 read 0. */
static void test_port61_bits(void **state)
{
    struct pit *p = *state;
    out61(p, 0xff);
    uint8_t a = in61(p);
    assert_int_equal(a & 0xcf, 0x0f);
    fake_ns += 15085;
    assert_int_equal((in61(p) ^ a) & 0x10, 0x10);
    out61(p, 0x02);
    assert_int_equal(in61(p) & 0x0f, 0x02);
}

/* A 16-bit access is split into byte accesses to consecutive ports, as on the ISA
 * bus: a word written at 0x40 reaches counters 0 and 1. */
static void test_wide_access_is_split(void **state)
{
    struct pit *p = *state;
    outb(p, 3, 0x14);                             /* counters 0 and 1: LSB only, mode 2 */
    outb(p, 3, 0x54);
    uint8_t n[2] = { 0x10, 0x27 };
    pit_io(p, 0, n, 2, true);
    assert_int_equal(inb(p, 0), 0x10);
    assert_int_equal(inb(p, 1), 0x27);
    uint8_t r = 0;
    pit_io(p, 3, &r, 1, false);
    assert_int_equal(r, 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_mode2_count_follows_the_clock),
        T(test_latch_freezes_the_count),
        T(test_lsb_msb_sequencing),
        T(test_read_back_status_and_count),
        T(test_mode0_one_edge_at_terminal_count),
        T(test_due_edge_is_raised_by_any_access),
        T(test_mode0_rewrite_restarts),
        T(test_mode2_periodic_irqs_and_deadlines),
        T(test_late_timer_raises_once),
        T(test_fast_periodic_rate_is_paced),
        T(test_mode2_new_count_at_period_end),
        T(test_mode6_is_mode2),
        T(test_mode4_strobe),
        T(test_mode3_square_wave_on_port61),
        T(test_mode3_odd_count),
        T(test_gate_low_stops_and_restarts_mode2),
        T(test_port61_gate_and_out2_mode0),
        T(test_mode1_is_triggered_by_the_gate),
        T(test_port61_bits),
        T(test_wide_access_is_split),
#undef T
    };
    return cmocka_run_group_tests_name("pit", tests, NULL, NULL);
}
