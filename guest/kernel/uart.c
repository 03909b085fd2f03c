/* The console: a 16550A UART. Output by polling LSR.THRE, a FIFO-full (16 bytes) at a
 * time when the FIFO exists; input by the receive interrupt into a ring that
 * console_read drains. Each port access is a VM exit (~15 µs), so the code does as few
 * as it can. */
#include "guest/kernel/platform.h"
#include "guest/kernel/spinlock.h"
#include "guest/kernel/x86.h"

#define RBR 0       /* receive buffer (read), THR transmit (write) */
#define IER 1
#define IIR 2       /* read; FCR on write */
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define RX_RING  256

static uint16_t uart_port = MACHINE_UART_PORT;
static int tx_burst = 1;                  /* bytes per THRE poll: 16 with a FIFO */
static struct spinlock tx_lock, rx_lock;
static char rx_ring[RX_RING];
static uint32_t rx_head, rx_tail;         /* head: next write; tail: next read */

static void default_sleep(void *chan, struct spinlock *lk);
void (*console_sleep_hook)(void *chan, struct spinlock *lk) = default_sleep;
void (*console_wakeup_hook)(void *chan);

/* 115200 8N1, FIFOs on and cleared with a 1-byte receive trigger (so every byte
 * interrupts), DTR|RTS|OUT2 (OUT2 gates the interrupt line on PCs). */
void uart_init(uint16_t port)
{
    uart_port = port;
    outb(port + IER, 0);
    outb(port + LCR, 0x80);
    outb(port + RBR, 1);                  /* divisor low: 115200 baud */
    outb(port + IER, 0);                  /* divisor high */
    outb(port + LCR, 0x03);
    outb(port + IIR, 0x07);
    outb(port + MCR, 0x0b);
    if ((inb(port + IIR) & 0xc0) == 0xc0)   /* FIFOs enabled: a 16550A */
        tx_burst = 16;
}

void uart_putbuf(const char *s, size_t n)
{
    while (n > 0) {
        while (!(inb(uart_port + LSR) & LSR_THRE))
            pause();
        for (int k = 0; k < tx_burst && n > 0; k++, n--)
            outb(uart_port, *s++);
    }
}

/* Whole buffers under one lock hold, so concurrent lines stay whole. During a panic the
 * lock is skipped: a stopped CPU may hold it. */
void console_write(const char *buf, size_t n)
{
    if (panicking) {
        uart_putbuf(buf, n);
        return;
    }
    uint64_t f = read_rflags();
    acquire(&tx_lock, mycpu()->id);
    uart_putbuf(buf, n);
    release(&tx_lock);
    if (f & RFLAGS_IF)
        sti();
}

static void uart_intr(struct trapframe *tf)
{
    acquire(&rx_lock, mycpu()->id);
    while (inb(uart_port + LSR) & LSR_DR) {
        char c = inb(uart_port + RBR);
        if (rx_head - rx_tail < RX_RING)    /* a full ring drops the byte */
            rx_ring[rx_head++ % RX_RING] = c;
    }
    release(&rx_lock);
    lapic_eoi();
    if (console_wakeup_hook)
        console_wakeup_hook(rx_ring);
}

/* Routes the UART's interrupt (from the tree, default IRQ 4) to CPU 0 and enables the
 * receive interrupt. */
void uart_enable_irq(void)
{
    struct fdt_dev d;
    int pin = MACHINE_UART_IRQ;
    uint32_t flags = 0;
    if (fdt_find("ns16550a", 0, &d) && d.irq >= 0)
        pin = d.irq, flags = d.irq_flags;
    trap_register(T_IRQ0 + pin, uart_intr);
    ioapic_enable(pin, flags, 0);
    outb(uart_port + IER, 0x01);
}

/* Without a scheduler: wait for the next interrupt (input, or at worst the tick). */
static void default_sleep(void *chan, struct spinlock *lk)
{
    int id = lk->cpu;
    release(lk);
    sti_hlt();
    acquire(lk, id);
}

size_t console_read(char *buf, size_t n)
{
    if (n == 0)
        return 0;
    uint64_t f = read_rflags();
    acquire(&rx_lock, mycpu()->id);
    while (rx_head == rx_tail)
        console_sleep_hook(rx_ring, &rx_lock);
    size_t k = 0;
    while (k < n && rx_tail != rx_head)
        buf[k++] = rx_ring[rx_tail++ % RX_RING];
    release(&rx_lock);
    if (f & RFLAGS_IF)
        sti();
    return k;
}
