/* Unit tests of the 16550A model: registers, FIFO, interrupts and modem lines, driven the
 * way a guest driver would drive them, with the IRQ line recorded by fake_irq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/uart.h"
#include "tests/unit/fake_irq.h"

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3,
       MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
enum { GSI = 4 };

/* Bytes the model transmitted, through its tx callback. */
static char sent[64];
static size_t nsent;

static void record_tx(void *ctx, uint8_t byte)
{
    (void)ctx;
    if (nsent < sizeof(sent) - 1)
        sent[nsent++] = (char)byte;
}

static void outb(struct uart *u, unsigned reg, uint8_t val)
{
    uart_io(u, reg, &val, 1, true);
}

static uint8_t inb(struct uart *u, unsigned reg)
{
    uint8_t val = 0;
    uart_io(u, reg, &val, 1, false);
    return val;
}

static void receive_str(struct uart *u, const char *s, size_t expect_taken)
{
    assert_int_equal(uart_receive(u, (const uint8_t *)s, strlen(s)), expect_taken);
}

static int setup(void **state)
{
    fake_irq_reset();
    memset(sent, 0, sizeof(sent));
    nsent = 0;
    *state = uart_create((struct irq_line){ .vm_fd = -1, .gsi = GSI }, record_tx, NULL);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    uart_destroy(*state);
    return 0;
}

/* After reset: nothing pending, transmitter empty, a terminal present on the lines. */
static void test_reset_state(void **state)
{
    struct uart *u = *state;
    assert_int_equal(inb(u, IER), 0x00);
    assert_int_equal(inb(u, IIR), 0x01);
    assert_int_equal(inb(u, LCR), 0x00);
    assert_int_equal(inb(u, MCR), 0x00);
    assert_int_equal(inb(u, LSR), 0x60);          /* THRE | TEMT */
    assert_int_equal(inb(u, MSR), 0xb0);          /* DCD | DSR | CTS, no changes */
    assert_string_equal(fake_irq_history(GSI), "");
}

/* DLAB switches offsets 0 and 1 to the divisor latch; the other registers stay put. */
static void test_dlab_divisor_latch_round_trip(void **state)
{
    struct uart *u = *state;
    outb(u, IER, 0x05);
    outb(u, LCR, 0x80 | 0x03);
    outb(u, DLL, 0x01);                           /* 115200 baud */
    outb(u, DLM, 0x02);
    assert_int_equal(inb(u, DLL), 0x01);
    assert_int_equal(inb(u, DLM), 0x02);
    assert_int_equal(nsent, 0);                   /* a DLL write is not a transmit */

    outb(u, LCR, 0x03);
    assert_int_equal(inb(u, LCR), 0x03);
    assert_int_equal(inb(u, IER), 0x05);
    outb(u, LCR, 0x83);
    assert_int_equal(inb(u, DLL), 0x01);          /* the latch kept its value */
    assert_int_equal(inb(u, DLM), 0x02);
}

static void test_scratch_register(void **state)
{
    struct uart *u = *state;
    outb(u, SCR, 0x5a);
    assert_int_equal(inb(u, SCR), 0x5a);
    outb(u, SCR, 0xa5);
    assert_int_equal(inb(u, SCR), 0xa5);
}

/* A 16-bit access is split into two byte accesses, as the ISA bus does. */
static void test_wide_access_is_split_into_bytes(void **state)
{
    struct uart *u = *state;
    uint8_t div[2] = { 0x34, 0x12 };
    outb(u, LCR, 0x80);
    uart_io(u, DLL, div, 2, true);
    assert_int_equal(inb(u, DLL), 0x34);
    assert_int_equal(inb(u, DLM), 0x12);
}

static void test_thr_transmits_and_lsr_stays_empty(void **state)
{
    struct uart *u = *state;
    outb(u, THR, 'h');
    outb(u, THR, 'i');
    assert_int_equal(nsent, 2);
    assert_memory_equal(sent, "hi", 2);
    assert_int_equal(inb(u, LSR), 0x60);
}

/* The THR-empty interrupt: latched when enabled with THR empty, acknowledged by reading
 * IIR, latched again by the next THR write or by re-enabling it in IER. */
static void test_thre_interrupt_raise_clear_rearm(void **state)
{
    struct uart *u = *state;
    outb(u, MCR, 0x08);                            /* OUT2 */
    outb(u, IER, 0x02);
    assert_int_equal(fake_irq_level(GSI), 1);
    assert_int_equal(inb(u, IIR), 0x02);           /* reading it acknowledges it */
    assert_int_equal(fake_irq_level(GSI), 0);
    assert_int_equal(inb(u, IIR), 0x01);

    outb(u, IER, 0x02);                            /* still enabled: no new latch */
    assert_int_equal(inb(u, IIR), 0x01);

    outb(u, THR, 'a');                             /* the byte leaves, THR empty again */
    assert_int_equal(fake_irq_level(GSI), 1);
    assert_int_equal(inb(u, IIR), 0x02);

    outb(u, IER, 0x00);                            /* Linux's probe: off, then on */
    outb(u, IER, 0x02);
    assert_int_equal(inb(u, IIR), 0x02);
    assert_string_equal(fake_irq_history(GSI), "101010");

    outb(u, THR, 'b');                             /* disabling drops the latch */
    outb(u, IER, 0x00);
    assert_int_equal(inb(u, IIR), 0x01);
}

/* Writing THR while the interrupt is latched keeps the line high: no glitch per byte. */
static void test_thr_writes_do_not_toggle_a_high_line(void **state)
{
    struct uart *u = *state;
    outb(u, MCR, 0x08);
    outb(u, IER, 0x02);
    for (int i = 0; i < 5; i++)
        outb(u, THR, 'x');
    assert_string_equal(fake_irq_history(GSI), "1");
}

/* The receive FIFO holds 16 bytes; uart_receive takes what fits and reports it. */
static void test_rx_fifo_fills_to_16_then_refuses(void **state)
{
    struct uart *u = *state;
    outb(u, FCR, 0x07);                            /* enable, clear both FIFOs */
    receive_str(u, "0123456789abcdefXYZ", 16);
    receive_str(u, "Z", 0);
    assert_int_equal(inb(u, LSR) & 0x03, 0x01);    /* DR, and no overrun */

    char got[17] = { 0 };
    for (int i = 0; i < 16; i++)
        got[i] = (char)inb(u, RBR);
    assert_string_equal(got, "0123456789abcdef");
    assert_int_equal(inb(u, LSR) & 0x01, 0);
    receive_str(u, "XYZ", 3);                      /* room again */
    assert_int_equal(inb(u, RBR), 'X');
}

/* Without FIFOs the receiver is the one-byte RBR of the 16450. */
static void test_rx_without_fifo_holds_one_byte(void **state)
{
    struct uart *u = *state;
    receive_str(u, "abc", 1);
    assert_int_equal(inb(u, LSR), 0x61);
    assert_int_equal(inb(u, RBR), 'a');
    assert_int_equal(inb(u, LSR), 0x60);
    receive_str(u, "bc", 1);
    assert_int_equal(inb(u, RBR), 'b');
}

/* Changing the FIFO enable bit, or FCR bit 1, empties the receive FIFO. */
static void test_fcr_clears_rx_fifo(void **state)
{
    struct uart *u = *state;
    outb(u, FCR, 0x01);
    receive_str(u, "abc", 3);
    outb(u, FCR, 0x03);
    assert_int_equal(inb(u, LSR) & 0x01, 0);
    receive_str(u, "abc", 3);
    outb(u, FCR, 0x00);                            /* FIFOs off */
    assert_int_equal(inb(u, LSR) & 0x01, 0);
    assert_int_equal(inb(u, IIR) & 0xc0, 0x00);
}

/* Receive data interrupts at the trigger level; below it the character timeout reports
 * the data (at once: the model has no clock). IIR bits 7:6 show the FIFOs are on. */
static void test_rx_trigger_level_and_timeout(void **state)
{
    struct uart *u = *state;
    outb(u, MCR, 0x08);
    outb(u, IER, 0x01);
    outb(u, FCR, 0x81);                            /* trigger level 8 */
    assert_int_equal(inb(u, IIR), 0xc1);
    receive_str(u, "1234567", 7);
    assert_int_equal(inb(u, IIR), 0xcc);           /* timeout: data below the trigger */
    receive_str(u, "8", 1);
    assert_int_equal(inb(u, IIR), 0xc4);           /* data available */
    inb(u, RBR);
    assert_int_equal(inb(u, IIR), 0xcc);
    for (int i = 0; i < 7; i++)
        inb(u, RBR);
    assert_int_equal(inb(u, IIR), 0xc1);
    assert_string_equal(fake_irq_history(GSI), "10");
}

static void test_rx_trigger_levels_1_4_14(void **state)
{
    struct uart *u = *state;
    static const struct { uint8_t fcr; size_t level; } cases[] = {
        { 0x01, 1 }, { 0x41, 4 }, { 0xc1, 14 },
    };
    outb(u, IER, 0x01);
    for (size_t c = 0; c < 3; c++) {
        outb(u, FCR, cases[c].fcr | 0x02);
        for (size_t n = 1; n <= cases[c].level; n++) {
            receive_str(u, "x", 1);
            assert_int_equal(inb(u, IIR), n < cases[c].level ? 0xcc : 0xc4);
        }
    }
}

/* Line status > receive data > THR empty > modem status; each is cleared its own way. */
static void test_iir_priority_order(void **state)
{
    struct uart *u = *state;
    outb(u, FCR, 0x01);
    outb(u, MCR, 0x10);                            /* loopback: makes every source */
    outb(u, IER, 0x0f);
    for (int i = 0; i < 17; i++)                   /* the 17th byte overruns */
        outb(u, THR, 'a' + i);

    assert_int_equal(inb(u, IIR), 0xc6);           /* line status: overrun */
    assert_int_equal(inb(u, LSR), 0x63);           /* DR | OE; reading clears OE */
    assert_int_equal(inb(u, IIR), 0xc4);           /* receive data (trigger 1) */
    assert_int_equal(inb(u, IIR), 0xc4);           /* reading IIR does not clear it */
    for (int i = 0; i < 16; i++)
        assert_int_equal(inb(u, RBR), 'a' + i);    /* the overrunning byte was lost */
    assert_int_equal(inb(u, IIR), 0xc2);           /* THR empty, acknowledged by the read */
    assert_int_equal(inb(u, IIR), 0xc0);           /* modem status: loopback changed lines */
    inb(u, MSR);
    assert_int_equal(inb(u, IIR), 0xc1);
}

/* THR empty is not acknowledged by an IIR read that reports something more urgent. */
static void test_iir_read_keeps_thre_behind_higher_source(void **state)
{
    struct uart *u = *state;
    outb(u, IER, 0x03);
    receive_str(u, "k", 1);
    assert_int_equal(inb(u, IIR), 0x04);
    inb(u, RBR);
    assert_int_equal(inb(u, IIR), 0x02);
    assert_int_equal(inb(u, IIR), 0x01);
}

/* In loopback TX feeds RX; the terminal is disconnected both ways. */
static void test_loopback_tx_goes_to_rx(void **state)
{
    struct uart *u = *state;
    outb(u, FCR, 0x01);
    outb(u, MCR, 0x10);
    outb(u, THR, 'L');
    outb(u, THR, 'B');
    assert_int_equal(nsent, 0);
    receive_str(u, "host", 0);
    assert_int_equal(inb(u, LSR), 0x61);
    assert_int_equal(inb(u, RBR), 'L');
    assert_int_equal(inb(u, RBR), 'B');

    outb(u, MCR, 0x00);
    outb(u, THR, 'T');
    assert_int_equal(nsent, 1);
    receive_str(u, "host", 4);
}

/* Without FIFOs a second unread byte overwrites RBR and sets OE until LSR is read. */
static void test_overrun_without_fifo(void **state)
{
    struct uart *u = *state;
    outb(u, MCR, 0x10);
    outb(u, THR, '1');
    outb(u, THR, '2');
    assert_int_equal(inb(u, LSR), 0x63);
    assert_int_equal(inb(u, LSR), 0x61);
    assert_int_equal(inb(u, RBR), '2');
}

/* Outside loopback the terminal holds CTS, DSR and DCD; inside, the MCR outputs drive
 * the inputs (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD) and MSR flags each change. */
static void test_loopback_modem_lines(void **state)
{
    struct uart *u = *state;
    outb(u, MCR, 0x10 | 0x02);                     /* loopback, RTS */
    assert_int_equal(inb(u, MSR), 0x10 | 0x0a);    /* CTS kept; DSR, DCD dropped */
    assert_int_equal(inb(u, MSR), 0x10);           /* reading cleared the changes */
    outb(u, MCR, 0x10 | 0x02 | 0x01 | 0x08);       /* + DTR, OUT2 */
    assert_int_equal(inb(u, MSR), 0xb0 | 0x0a);
    outb(u, MCR, 0x10 | 0x04);                     /* OUT1 on: RI's leading edge */
    assert_int_equal(inb(u, MSR), 0x40 | 0x0b);
    outb(u, MCR, 0x10);                            /* RI off: trailing edge flagged */
    assert_int_equal(inb(u, MSR), 0x04);
    outb(u, MCR, 0x00);
    assert_int_equal(inb(u, MSR), 0xb0 | 0x0b);
}

/* A modem status change interrupts when IER bit 3 is set. */
static void test_modem_status_interrupt(void **state)
{
    struct uart *u = *state;
    outb(u, IER, 0x08);
    outb(u, MCR, 0x10);
    assert_int_equal(inb(u, IIR), 0x00);
    inb(u, MSR);
    assert_int_equal(inb(u, IIR), 0x01);
}

/* On a PC, OUT2 enables the IRQ output: a pending interrupt reaches the line only with
 * it, and the level follows the pending state, changing only when it must. */
static void test_out2_gates_the_irq_line(void **state)
{
    struct uart *u = *state;
    outb(u, IER, 0x01);
    receive_str(u, "a", 1);
    assert_int_equal(inb(u, IIR), 0x04);
    assert_string_equal(fake_irq_history(GSI), "");
    outb(u, MCR, 0x08);
    assert_string_equal(fake_irq_history(GSI), "1");
    inb(u, RBR);
    assert_string_equal(fake_irq_history(GSI), "10");
    receive_str(u, "b", 1);
    outb(u, MCR, 0x00);
    assert_string_equal(fake_irq_history(GSI), "1010");
}

static void test_line_level_changes_only_on_change(void **state)
{
    struct uart *u = *state;
    outb(u, MCR, 0x08);
    outb(u, FCR, 0x01);
    outb(u, IER, 0x01);
    receive_str(u, "a", 1);
    receive_str(u, "bc", 2);
    outb(u, SCR, 1);
    inb(u, RBR);
    inb(u, RBR);
    assert_string_equal(fake_irq_history(GSI), "1");
    inb(u, RBR);
    assert_string_equal(fake_irq_history(GSI), "10");
}

/* Loopback forces OUT2 inactive, so nothing reaches the line though IIR shows it. */
static void test_loopback_keeps_the_line_low(void **state)
{
    struct uart *u = *state;
    outb(u, IER, 0x01);
    outb(u, MCR, 0x18);
    outb(u, THR, 'q');
    assert_int_equal(inb(u, IIR), 0x04);
    assert_int_equal(fake_irq_level(GSI), 0);
    outb(u, MCR, 0x08);
    assert_int_equal(fake_irq_level(GSI), 1);
}

/* Overrun raises the line-status interrupt; reading LSR clears it. */
static void test_line_status_interrupt(void **state)
{
    struct uart *u = *state;
    outb(u, IER, 0x04);
    outb(u, MCR, 0x10);
    outb(u, THR, '1');
    assert_int_equal(inb(u, IIR), 0x01);
    outb(u, THR, '2');
    assert_int_equal(inb(u, IIR), 0x06);
    assert_int_equal(inb(u, LSR) & 0x02, 0x02);
    assert_int_equal(inb(u, IIR), 0x01);
}

/* The console may feed input only once the guest listens: IER receive bit and OUT2. */
static void test_listening_needs_rx_interrupt_and_out2(void **state)
{
    struct uart *u = *state;
    assert_false(uart_listening(u));
    outb(u, IER, 0x01);
    assert_false(uart_listening(u));
    outb(u, MCR, 0x08);
    assert_true(uart_listening(u));
    outb(u, MCR, 0x18);                 /* loopback: the terminal is disconnected */
    assert_false(uart_listening(u));
    outb(u, MCR, 0x08);
    outb(u, IER, 0x02);
    assert_false(uart_listening(u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_reset_state),
        T(test_dlab_divisor_latch_round_trip),
        T(test_scratch_register),
        T(test_wide_access_is_split_into_bytes),
        T(test_thr_transmits_and_lsr_stays_empty),
        T(test_thre_interrupt_raise_clear_rearm),
        T(test_thr_writes_do_not_toggle_a_high_line),
        T(test_rx_fifo_fills_to_16_then_refuses),
        T(test_rx_without_fifo_holds_one_byte),
        T(test_fcr_clears_rx_fifo),
        T(test_rx_trigger_level_and_timeout),
        T(test_rx_trigger_levels_1_4_14),
        T(test_iir_priority_order),
        T(test_iir_read_keeps_thre_behind_higher_source),
        T(test_loopback_tx_goes_to_rx),
        T(test_overrun_without_fifo),
        T(test_loopback_modem_lines),
        T(test_modem_status_interrupt),
        T(test_out2_gates_the_irq_line),
        T(test_line_level_changes_only_on_change),
        T(test_loopback_keeps_the_line_low),
        T(test_line_status_interrupt),
        T(test_listening_needs_rx_interrupt_and_out2),
#undef T
    };
    return cmocka_run_group_tests_name("uart", tests, NULL, NULL);
}
