/* A 16550A UART (the PC's COM port): eight byte-wide registers, a 16-byte receive FIFO,
 * four prioritized interrupt sources and the modem lines, as a PC guest sees them.
 *
 * The register file (offset from the base port; DLAB is LCR bit 7):
 *
 *   0  read: RBR, receive buffer      write: THR, transmit holding    (DLAB=1: DLL)
 *   1  IER, interrupt enable                                           (DLAB=1: DLM)
 *   2  read: IIR, interrupt identity  write: FCR, FIFO control
 *   3  LCR, line control      4  MCR, modem control
 *   5  LSR, line status       6  MSR, modem status      7  SCR, scratch
 *
 * Nothing is serialized: a byte written to THR leaves at once through the tx callback,
 * so THR and the transmitter are always empty (LSR THRE and TEMT stay set) and the
 * divisor, word length, parity and stop bits only round-trip through their registers.
 * Received bytes wait in the FIFO until the guest reads them; uart_receive takes only
 * what fits, so the host side never overruns the guest. In loopback (MCR bit 4) the
 * transmitter feeds the receiver, and that path can overrun, as on the real chip.
 *
 * Interrupts, highest priority first, each gated by its IER bit:
 *   IIR 0x06  line status: overrun (LSR OE)           cleared by reading LSR
 *   IIR 0x04  receive data at or above the FIFO trigger level   by reading RBR below it
 *   IIR 0x0c  character timeout: data below the trigger level   by reading RBR empty
 *   IIR 0x02  THR empty                                by reading IIR, or writing THR
 *   IIR 0x00  modem status: a change on CTS/DSR/RI/DCD cleared by reading MSR
 * A real 16550 raises the character timeout after four idle character times; with no
 * clock here it is raised at once, so a lone keystroke still interrupts the guest.
 *
 * On a PC the UART's INTR pin reaches the interrupt controller only through a buffer
 * enabled by MCR OUT2, so a guest must set OUT2 to get any interrupt (Linux's 8250
 * driver, BSDs and most hobby kernels do). Loopback forces the OUT pins inactive, so on
 * a PC a UART in loopback interrupts nobody; IIR still shows what is pending. */
#include <pthread.h>
#include <stdlib.h>

#include "devices/uart.h"

enum {
    REG_RBR_THR = 0, REG_IER = 1, REG_IIR_FCR = 2, REG_LCR = 3,
    REG_MCR = 4, REG_LSR = 5, REG_MSR = 6, REG_SCR = 7, NREGS = 8,
};

#define IER_RDI   0x01   /* receive data available (and timeout) */
#define IER_THRI  0x02   /* THR empty */
#define IER_RLSI  0x04   /* receiver line status */
#define IER_MSI   0x08   /* modem status */

#define IIR_NONE  0x01
#define IIR_MSI   0x00
#define IIR_THRI  0x02
#define IIR_RDI   0x04
#define IIR_RLSI  0x06
#define IIR_CTI   0x0c
#define IIR_FIFO  0xc0   /* bits 7:6 read 11 when the FIFOs are enabled */

#define FCR_ENABLE    0x01
#define FCR_CLEAR_RX  0x02

#define LCR_DLAB  0x80

#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define LSR_ERRORS 0x1e  /* OE, PE, FE, BI: the line-status interrupt sources */

#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04
#define MSR_DDCD  0x08
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80
/* What the far end drives outside loopback: a terminal that is present and ready. */
#define MSR_LINES_EXTERNAL (MSR_CTS | MSR_DSR | MSR_DCD)

#define FIFO_SIZE 16

struct uart {
    pthread_mutex_t lock;
    struct irq_line irq;
    uart_tx_fn tx;
    void *tx_ctx;

    uint8_t ier, lcr, mcr, scr, dll, dlm;
    uint8_t lsr_errors;      /* sticky LSR error bits until LSR is read */
    uint8_t msr;             /* line states (7:4) and change flags (3:0) */
    bool fifo_enabled;
    uint8_t rx_trigger;      /* bytes in the FIFO that raise IIR_RDI */
    bool thr_ipending;       /* the THR-empty interrupt is latched */

    uint8_t rx[FIFO_SIZE];   /* ring; without FIFOs only one byte (the RBR) is used */
    unsigned rx_head, rx_count;

    int irq_level;           /* what was last driven onto the line */
};

/* --- receive FIFO ---------------------------------------------------------------- */

static unsigned rx_capacity(const struct uart *u)
{
    return u->fifo_enabled ? FIFO_SIZE : 1;
}

/* Queue one received byte. Returns false, setting OE, if the receiver is full: with
 * FIFOs the new byte is lost; without them it overwrites the unread RBR. */
static bool rx_push(struct uart *u, uint8_t byte)
{
    if (u->rx_count == rx_capacity(u)) {
        u->lsr_errors |= LSR_OE;
        if (!u->fifo_enabled)
            u->rx[u->rx_head] = byte;
        return false;
    }
    u->rx[(u->rx_head + u->rx_count) % FIFO_SIZE] = byte;
    u->rx_count++;
    return true;
}

static uint8_t rx_pop(struct uart *u)
{
    if (u->rx_count == 0)
        return 0;
    uint8_t byte = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % FIFO_SIZE;
    u->rx_count--;
    return byte;
}

static void rx_clear(struct uart *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
}

/* --- interrupts and the modem lines ------------------------------------------------ */

/* The highest-priority enabled interrupt (an IIR_* identity), or IIR_NONE. */
static uint8_t pending_source(const struct uart *u)
{
    if ((u->ier & IER_RLSI) && (u->lsr_errors & LSR_ERRORS))
        return IIR_RLSI;
    if ((u->ier & IER_RDI) && u->rx_count > 0) {
        if (!u->fifo_enabled || u->rx_count >= u->rx_trigger)
            return IIR_RDI;
        return IIR_CTI;
    }
    if ((u->ier & IER_THRI) && u->thr_ipending)
        return IIR_THRI;
    if ((u->ier & IER_MSI) && (u->msr & 0x0f))
        return IIR_MSI;
    return IIR_NONE;
}

/* Drive the IRQ line to "an enabled interrupt is pending and OUT2 lets it out";
 * KVM is told only about changes. Called at the end of every state change. */
static void update_irq(struct uart *u)
{
    bool out2 = (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
    int level = out2 && pending_source(u) != IIR_NONE;

    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set_level(&u->irq, level);
    }
}

/* The modem input lines the chip sees: the terminal's outside loopback, the chip's own
 * MCR outputs inside it (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). */
static uint8_t modem_lines(const struct uart *u)
{
    if (!(u->mcr & MCR_LOOP))
        return MSR_LINES_EXTERNAL;
    uint8_t m = 0;
    if (u->mcr & MCR_RTS)  m |= MSR_CTS;
    if (u->mcr & MCR_DTR)  m |= MSR_DSR;
    if (u->mcr & MCR_OUT1) m |= MSR_RI;
    if (u->mcr & MCR_OUT2) m |= MSR_DCD;
    return m;
}

/* Latch the new line states in MSR and flag what changed; RI flags only its
 * trailing edge (on to off), as the 16550 does. */
static void update_msr(struct uart *u)
{
    uint8_t old = u->msr & 0xf0, now = modem_lines(u), changed = old ^ now;
    uint8_t delta = u->msr & 0x0f;

    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= MSR_DDSR;
    if (changed & MSR_DCD) delta |= MSR_DDCD;
    if ((old & MSR_RI) && !(now & MSR_RI)) delta |= MSR_TERI;
    u->msr = now | delta;
}

/* --- registers --------------------------------------------------------------------- */

static void transmit(struct uart *u, uint8_t byte)
{
    if (u->mcr & MCR_LOOP)
        rx_push(u, byte);         /* serial out is held at mark; the byte loops back */
    else if (u->tx)
        u->tx(u->tx_ctx, byte);
    /* Writing THR clears its interrupt; the byte leaves at once, THR is empty again,
     * and the interrupt is latched anew. */
    u->thr_ipending = (u->ier & IER_THRI) != 0;
}

/* IER: bits 3:0. Enabling the THR-empty interrupt while THR is empty (always, here)
 * latches it, even if it was cleared before: the datasheet does not say so, but real
 * 16550s behave this way and Linux's 8250 driver probes for it at startup (it toggles
 * IER THRI off and on and expects a fresh interrupt; without one it falls back to
 * polling). Disabling it drops the latch. */
static void write_ier(struct uart *u, uint8_t val)
{
    uint8_t old = u->ier;

    u->ier = val & 0x0f;
    if ((u->ier & IER_THRI) && !(old & IER_THRI))
        u->thr_ipending = true;
    else if (!(u->ier & IER_THRI))
        u->thr_ipending = false;
}

/* FCR: bit 0 enables the FIFOs (changing it empties them; with it clear the other bits
 * are ignored), bit 1 empties the receive FIFO, bit 2 the (always empty) transmit
 * FIFO, bits 7:6 pick the receive trigger level 1, 4, 8 or 14. */
static void write_fcr(struct uart *u, uint8_t val)
{
    static const uint8_t triggers[4] = { 1, 4, 8, 14 };
    bool enable = val & FCR_ENABLE;

    if (enable != u->fifo_enabled)
        rx_clear(u);
    u->fifo_enabled = enable;
    if (!enable)
        return;
    if (val & FCR_CLEAR_RX)
        rx_clear(u);
    u->rx_trigger = triggers[val >> 6];
}

static void write_reg(struct uart *u, unsigned reg, uint8_t val)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (reg) {
    case REG_RBR_THR:
        if (dlab) u->dll = val; else transmit(u, val);
        break;
    case REG_IER:
        if (dlab) u->dlm = val; else write_ier(u, val);
        break;
    case REG_IIR_FCR: write_fcr(u, val); break;
    case REG_LCR:     u->lcr = val; break;
    case REG_MCR:     u->mcr = val & 0x1f; update_msr(u); break;
    case REG_SCR:     u->scr = val; break;
    default:          break;   /* LSR and MSR are read-only (factory test on writes) */
    }
}

/* IIR: the highest pending source; reading it is how the THR-empty interrupt is
 * acknowledged, but only when that is the source it reports. */
static uint8_t read_iir(struct uart *u)
{
    uint8_t id = pending_source(u);

    if (id == IIR_THRI)
        u->thr_ipending = false;
    return id | (u->fifo_enabled ? IIR_FIFO : 0);
}

static uint8_t read_reg(struct uart *u, unsigned reg)
{
    bool dlab = u->lcr & LCR_DLAB;
    uint8_t v;

    switch (reg) {
    case REG_RBR_THR: return dlab ? u->dll : rx_pop(u);
    case REG_IER:     return dlab ? u->dlm : u->ier;
    case REG_IIR_FCR: return read_iir(u);
    case REG_LCR:     return u->lcr;
    case REG_MCR:     return u->mcr;
    case REG_LSR:
        v = u->lsr_errors | LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
        u->lsr_errors = 0;
        return v;
    case REG_MSR:
        v = u->msr;
        u->msr &= 0xf0;
        return v;
    case REG_SCR:     return u->scr;
    default:          return 0xff;
    }
}

/* --- the outside --------------------------------------------------------------------- */

struct uart *uart_create(struct irq_line irq, uart_tx_fn tx, void *tx_ctx)
{
    struct uart *u = calloc(1, sizeof(*u));
    if (u == NULL)
        return NULL;
    pthread_mutex_init(&u->lock, NULL);
    u->irq = irq;
    u->tx = tx;
    u->tx_ctx = tx_ctx;
    u->dll = 12;                  /* 9600 baud, what a PC BIOS leaves behind */
    u->rx_trigger = 1;
    u->msr = MSR_LINES_EXTERNAL;  /* reset clears only the change flags */
    return u;
}

void uart_destroy(struct uart *u)
{
    if (u == NULL)
        return;
    pthread_mutex_destroy(&u->lock);
    free(u);
}

/* The UART sits on the 8-bit ISA bus: a wider access is carried out as consecutive
 * byte accesses, as the bus would split it. */
void uart_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
    struct uart *u = opaque;

    pthread_mutex_lock(&u->lock);
    for (uint32_t i = 0; i < len; i++) {
        uint64_t reg = offset + i;
        if (reg >= NREGS) {
            if (!is_write)
                data[i] = 0xff;
        } else if (is_write) {
            write_reg(u, reg, data[i]);
        } else {
            data[i] = read_reg(u, reg);
        }
    }
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
}

/* In loopback the receiver hears only the transmitter: terminal bytes wait. */
bool uart_listening(struct uart *u)
{
    pthread_mutex_lock(&u->lock);
    bool on = (u->ier & IER_RDI) && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
    pthread_mutex_unlock(&u->lock);
    return on;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n)
{
    size_t taken = 0;

    pthread_mutex_lock(&u->lock);
    if (!(u->mcr & MCR_LOOP))
        while (taken < n && u->rx_count < rx_capacity(u))
            rx_push(u, buf[taken++]);
    update_irq(u);
    pthread_mutex_unlock(&u->lock);
    return taken;
}
