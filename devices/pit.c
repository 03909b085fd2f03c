/* An 8254 programmable interval timer: three 16-bit down-counters clocked at 1.193182
 * MHz, whose OUT pins drive IRQ 0 (counter 0) and the PC speaker (counter 2, gated and
 * read back through port 0x61).
 *
 * Nothing ticks here. Each counter remembers when it started counting and from which
 * count; its current count and OUT level are computed from the elapsed time on the
 * injected clock, whenever the guest looks. Counter 0's OUT rising edges are the timer
 * interrupts: the model works out when the next one is due and asks its owner to arm a
 * timer for that instant (arm(ctx, deadline), 0 to disarm); when the timer fires,
 * pit_timer_expired raises IRQ 0 with an edge, once however many edges came due (a
 * late host must not replay a burst of stale ticks; the rest are counted as missed),
 * and arms the next one. Every port access also raises any edge that is already due,
 * so reprogramming the counter never swallows a tick the guest was owed.
 *
 * The programming interface, per counter:
 *   port 0x43 control word: SC(7:6) counter, RW(5:4) 1 LSB, 2 MSB, 3 LSB then MSB
 *       (0 latches the count instead), M(3:1) mode, BCD(0). SC = 3 is read-back.
 *   ports 0x40-0x42: the count, written and read a byte at a time as RW says.
 *   Modes: 0 interrupt on terminal count (OUT low until the count runs out), 1 gate-
 *   triggered one-shot, 2 rate generator (OUT low for one tick every N), 3 square wave
 *   (OUT high for ceil(N/2), low for floor(N/2)), 4 software strobe and 5 gate-triggered
 *   strobe (OUT low for one tick when the count runs out). Modes 6 and 7 are 2 and 3.
 *
 * Simplifications, each invisible to the usual guests (Linux, the BSDs, hobby kernels):
 * a count loads at the instant it is written, not at the next CLK edge; BCD counting is
 * not modelled (the bit is kept and reported in the status byte, the counter counts in
 * binary); a new count in mode 3 takes effect at the end of the whole period, not of the
 * half period; a count of 1, illegal in modes 2 and 3, is taken as 2. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "abi/machine.h"
#include "devices/pit.h"

#define NS_PER_SEC          1000000000ULL
/* Periodic IRQ 0 is paced to at most one every 100 µs (like KVM's own
 * min_timer_period_us): a guest asking for a 600 kHz tick cannot make its host
 * spin; the ticks it loses are counted as missed. */
#define PIT_MIN_PERIOD_NS   100000ULL
/* Port 0x61 bit 4 follows the DRAM refresh request, which toggles every 15.085 µs;
 * old code times short delays by it. */
#define REFRESH_TOGGLE_NS   15085ULL
#define NO_EDGE             UINT64_MAX

enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };

#define PORT61_GATE2        0x01
#define PORT61_WRITABLE     0x0f   /* gate 2, speaker, parity and I/O check enables */
#define PORT61_REFRESH      0x10
#define PORT61_OUT2         0x20

struct pit_channel {
    /* Programming. */
    uint8_t ctrl;            /* control word bits 5:0 as written: RW, M, BCD */
    uint8_t mode;            /* 0-5 (6 and 7 folded into 2 and 3) */
    uint8_t rw;              /* RW_LSB, RW_MSB or RW_WORD */
    uint16_t cr;             /* count register: the last count written (0 = 65536) */
    uint8_t cr_lsb;          /* RW_WORD: the LSB, waiting for its MSB */
    bool write_msb_next;
    bool read_msb_next;
    bool has_count;          /* a full count was written since the control word */
    bool null_count;         /* ... and not yet loaded into the counter */
    bool count_latched, status_latched;
    uint16_t latch;
    uint8_t status;

    /* The CLK input, in ticks this counter has seen: gate low stops it in the modes
     * where the gate suspends counting. */
    bool gate;
    bool running;
    uint64_t ticks_base;     /* ticks seen before start_ns */
    uint64_t start_ns;       /* when the clock last (re)started reaching the counter */

    /* Counting: since tick `origin` the counter counts down from n. */
    bool loaded;             /* false after a control word (modes 1/5: until triggered) */
    uint32_t n;              /* 1..65536 */
    uint64_t origin;
    uint16_t held;           /* the count while not loaded */
    bool reload_pending;     /* modes 2/3: pending_n takes over at pending_tick */
    uint32_t pending_n;
    uint64_t pending_tick;
    uint64_t last_edge;      /* the last OUT rising edge already raised (counter 0) */
};

struct pit {
    pthread_mutex_t lock;
    struct irq_line irq0;
    pit_clock_fn now;
    pit_arm_fn arm;
    void *arm_ctx;
    struct pit_channel ch[3];
    uint8_t port61;          /* the writable bits of port 0x61 */
    uint64_t deadline;       /* what arm() was last told */
    _Atomic uint64_t irqs;   /* IRQ 0 edges raised */
    uint64_t missed;         /* counter 0 edges folded into a later one */
};

/* --- time ------------------------------------------------------------------------- */

static uint64_t ns_to_ticks(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * MACHINE_PIT_HZ / NS_PER_SEC);
}

/* The smallest ns span containing `ticks` ticks. */
static uint64_t ticks_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * NS_PER_SEC + MACHINE_PIT_HZ - 1) /
                      MACHINE_PIT_HZ);
}

/* Ticks the counter has seen by `now`. */
static uint64_t ch_ticks(const struct pit_channel *c, uint64_t now)
{
    if (!c->running || now < c->start_ns)
        return c->ticks_base;
    return c->ticks_base + ns_to_ticks(now - c->start_ns);
}

/* When the running counter sees tick t (t > the ticks seen so far). */
static uint64_t ch_tick_time(const struct pit_channel *c, uint64_t t)
{
    return c->start_ns + ticks_to_ns(t - c->ticks_base);
}

/* Connect or disconnect the counter from CLK, keeping the ticks it has seen. */
static void ch_set_running(struct pit_channel *c, bool run, uint64_t now)
{
    if (run == c->running)
        return;
    c->ticks_base = ch_ticks(c, now);
    c->start_ns = now;
    c->running = run;
}

/* In modes 1 and 5 the gate only triggers; in the others gate low suspends counting. */
static bool counting_enabled(const struct pit_channel *c)
{
    return c->mode == 1 || c->mode == 5 || c->gate;
}

static bool periodic(const struct pit_channel *c)
{
    return c->mode == 2 || c->mode == 3;
}

/* --- the counter ------------------------------------------------------------------- */

static uint32_t count_from_cr(const struct pit_channel *c)
{
    uint32_t n = c->cr ? c->cr : 65536;
    return (periodic(c) && n == 1) ? 2 : n;
}

/* Start counting down from the count register at the current tick. */
static void ch_load(struct pit_channel *c, uint64_t now)
{
    c->n = count_from_cr(c);
    c->origin = ch_ticks(c, now);
    c->last_edge = c->origin;     /* loading is not an edge: OUT was already high */
    c->loaded = true;
    c->null_count = false;
    c->reload_pending = false;
}

/* Modes 2/3: once the current period has ended, count from the new count. */
static void ch_sync(struct pit_channel *c, uint64_t t)
{
    if (c->reload_pending && t >= c->pending_tick) {
        c->origin = c->pending_tick;
        c->n = c->pending_n;
        c->reload_pending = false;
        c->null_count = false;
    }
}

/* Mode 3 counts down by two, twice per period; an odd N spends one more tick high:
 * N, N-1, N-3, ... 2 with OUT high, then N, N-3, N-5, ... 2 with OUT low. */
static uint16_t mode3_count(uint32_t n, uint64_t phase)
{
    uint64_t high = (n + 1) / 2;

    if (n % 2 == 0)
        return (uint16_t)(n - 2 * (phase < high ? phase : phase - high));
    if (phase < high)
        return (uint16_t)(phase == 0 ? n : n - 1 - 2 * (phase - 1));
    phase -= high;
    return (uint16_t)(phase == 0 ? n : n - 3 - 2 * (phase - 1));
}

static uint16_t ch_count(struct pit_channel *c, uint64_t now)
{
    if (!c->loaded)
        return c->held;
    uint64_t t = ch_ticks(c, now);
    ch_sync(c, t);
    uint64_t e = t - c->origin;
    switch (c->mode) {
    case 2:  return (uint16_t)(c->n - e % c->n);
    case 3:  return mode3_count(c->n, e % c->n);
    default: return (uint16_t)(c->n - e);   /* one-shot modes wrap and keep counting */
    }
}

/* The OUT pin. After a control word OUT is low in mode 0 and high in the others. */
static bool ch_out(struct pit_channel *c, uint64_t now)
{
    if (!c->loaded)
        return c->mode != 0;
    if (periodic(c) && !c->gate)
        return true;
    uint64_t t = ch_ticks(c, now);
    ch_sync(c, t);
    uint64_t e = t - c->origin;
    switch (c->mode) {
    case 0: case 1: return e >= c->n;
    case 2:         return e % c->n != c->n - 1;
    case 3:         return e % c->n < (c->n + 1) / 2;
    default:        return e != c->n;        /* 4, 5: one tick low at terminal count */
    }
}

/* The first OUT rising edge after last_edge, as a tick, or NO_EDGE. Modes 2/3 rise at
 * every reload, origin + k*n; the one-shot modes once, when the count runs out (modes
 * 0/1) or one tick later (the end of the strobe, modes 4/5). */
static uint64_t ch_next_edge(const struct pit_channel *c)
{
    if (!c->loaded || !c->running || (periodic(c) && !c->gate))
        return NO_EDGE;
    if (periodic(c)) {
        uint64_t k = c->last_edge < c->origin ? 0 : (c->last_edge - c->origin) / c->n + 1;
        return c->origin + k * c->n;
    }
    uint64_t e = c->origin + c->n + (c->mode >= 4 ? 1 : 0);
    return e > c->last_edge ? e : NO_EDGE;
}

/* Count the rising edges in (last_edge, t] and mark them raised. */
static uint64_t ch_take_edges(struct pit_channel *c, uint64_t t)
{
    ch_sync(c, t);
    uint64_t e = ch_next_edge(c);
    if (e == NO_EDGE || e > t)
        return 0;
    uint64_t edges = 1;
    if (periodic(c)) {
        edges += (t - e) / c->n;
        e += (edges - 1) * c->n;
    }
    c->last_edge = e;
    return edges;
}

/* --- IRQ 0 and the owner's timer ---------------------------------------------------- */

/* Raise IRQ 0 once if any counter-0 edge is due by now. */
static void deliver_due(struct pit *p, uint64_t now)
{
    struct pit_channel *c = &p->ch[0];
    uint64_t edges = ch_take_edges(c, ch_ticks(c, now));

    if (edges == 0)
        return;
    irq_pulse(&p->irq0);
    atomic_fetch_add_explicit(&p->irqs, 1, memory_order_relaxed);
    p->missed += edges - 1;
}

/* Tell the owner when the next counter-0 edge is due: only if that changed, unless
 * `force` (its timer has just fired and needs arming again). */
static void rearm(struct pit *p, uint64_t now, bool force)
{
    struct pit_channel *c = &p->ch[0];
    uint64_t deadline = 0;

    ch_sync(c, ch_ticks(c, now));
    uint64_t e = ch_next_edge(c);
    if (e != NO_EDGE) {
        deadline = ch_tick_time(c, e);
        if (periodic(c) && deadline < now + PIT_MIN_PERIOD_NS)
            deadline = now + PIT_MIN_PERIOD_NS;
    }
    if (force || deadline != p->deadline) {
        p->deadline = deadline;
        if (p->arm)
            p->arm(p->arm_ctx, deadline);
    }
}

/* --- registers ---------------------------------------------------------------------- */

static void latch_count(struct pit_channel *c, uint64_t now)
{
    if (!c->count_latched) {       /* a second latch before the read is ignored */
        c->latch = ch_count(c, now);
        c->count_latched = true;
    }
}

/* Status byte: OUT(7), null count(6), then the control word's RW, M and BCD. */
static void latch_status(struct pit_channel *c, uint64_t now)
{
    if (!c->status_latched) {
        c->status = (uint8_t)(ch_out(c, now) << 7 | c->null_count << 6 | c->ctrl);
        c->status_latched = true;
    }
}

/* Read-back (SC = 3): bit 5 clear latches counts, bit 4 clear latches statuses, of the
 * counters selected by bits 1 (counter 0), 2 and 3. */
static void read_back(struct pit *p, uint8_t val, uint64_t now)
{
    for (int i = 0; i < 3; i++) {
        if (!(val & (2 << i)))
            continue;
        if (!(val & 0x20))
            latch_count(&p->ch[i], now);
        if (!(val & 0x10))
            latch_status(&p->ch[i], now);
    }
}

/* A control word resets the counter's logic: a new mode, no count, no latches. */
static void write_control(struct pit *p, uint8_t val, uint64_t now)
{
    if (val >> 6 == 3) {
        read_back(p, val, now);
        return;
    }
    struct pit_channel *c = &p->ch[val >> 6];
    uint8_t rw = (val >> 4) & 3, mode = (val >> 1) & 7;
    if (rw == RW_LATCH) {
        latch_count(c, now);
        return;
    }
    c->held = ch_count(c, now);
    c->ctrl = val & 0x3f;
    c->mode = mode > 5 ? mode - 4 : mode;
    c->rw = rw;
    c->loaded = false;
    c->has_count = false;
    c->null_count = true;
    c->reload_pending = false;
    c->write_msb_next = c->read_msb_next = false;
    c->count_latched = c->status_latched = false;
    ch_set_running(c, counting_enabled(c), now);
}

/* A full count arrived in the count register: when it reaches the counter depends on
 * the mode. */
static void count_written(struct pit_channel *c, uint64_t now)
{
    c->has_count = true;
    c->null_count = true;
    switch (c->mode) {
    case 0: case 4:
        ch_load(c, now);              /* (re)start now; mode 0 OUT drops */
        break;
    case 2: case 3:
        if (!c->loaded) {
            ch_load(c, now);
        } else {                      /* the current period runs to its end first */
            uint64_t t = ch_ticks(c, now);
            ch_sync(c, t);
            c->pending_tick = c->origin + ((t - c->origin) / c->n + 1) * c->n;
            c->pending_n = count_from_cr(c);
            c->reload_pending = true;
        }
        break;
    default:
        break;                        /* modes 1, 5: loaded by the next gate trigger */
    }
}

static void write_count(struct pit_channel *c, uint8_t val, uint64_t now)
{
    switch (c->rw) {
    case RW_LSB:
        c->cr = val;
        break;
    case RW_MSB:
        c->cr = (uint16_t)(val << 8);
        break;
    default:
        if (!c->write_msb_next) {
            c->cr_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0 && c->loaded) {   /* the first byte stops mode 0; OUT low */
                c->held = ch_count(c, now);
                c->loaded = false;
            }
            return;
        }
        c->cr = (uint16_t)(c->cr_lsb | val << 8);
        c->write_msb_next = false;
        break;
    }
    count_written(c, now);
}

/* A status latch is read first; then a latched count until all of it is read; else
 * the live count, byte by byte as RW says. */
static uint8_t read_count(struct pit_channel *c, uint64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v = c->count_latched ? c->latch : ch_count(c, now);
    bool msb = c->rw == RW_MSB || (c->rw == RW_WORD && c->read_msb_next);
    if (c->rw == RW_WORD)
        c->read_msb_next = !c->read_msb_next;
    if (c->rw != RW_WORD || msb)
        c->count_latched = false;
    return msb ? v >> 8 : v & 0xff;
}

/* The gate of counter 2 (the others are tied high on a PC). A rising edge triggers
 * modes 1 and 5 and restarts modes 2 and 3 from the count register. */
static void set_gate(struct pit_channel *c, bool gate, uint64_t now)
{
    bool rising = gate && !c->gate;

    c->gate = gate;
    ch_set_running(c, counting_enabled(c), now);
    if (rising && c->has_count && c->mode != 0 && c->mode != 4)
        ch_load(c, now);
}

/* --- the outside --------------------------------------------------------------------- */

struct pit *pit_create(struct irq_line irq0, pit_clock_fn now, pit_arm_fn arm, void *arm_ctx)
{
    struct pit *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->irq0 = irq0;
    p->now = now;
    p->arm = arm;
    p->arm_ctx = arm_ctx;
    uint64_t t = now();
    for (int i = 0; i < 3; i++) {
        struct pit_channel *c = &p->ch[i];
        c->ctrl = RW_WORD << 4;        /* mode 0, LSB then MSB, no count yet */
        c->rw = RW_WORD;
        c->gate = i != 2;              /* gate 2 comes from port 0x61, low at reset */
        c->start_ns = t;
        c->running = counting_enabled(c);
    }
    return p;
}

void pit_destroy(struct pit *p)
{
    if (p == NULL)
        return;
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* Every access first raises a counter-0 edge that is already due, and ends by telling
 * the owner if the next one moved. The PIT is an 8-bit device: wider accesses are split
 * into bytes, as the ISA bus would. */
void pit_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
    struct pit *p = opaque;

    pthread_mutex_lock(&p->lock);
    uint64_t now = p->now();
    deliver_due(p, now);
    for (uint32_t i = 0; i < len; i++) {
        uint64_t reg = offset + i;
        if (reg < 3 && is_write)
            write_count(&p->ch[reg], data[i], now);
        else if (reg < 3)
            data[i] = read_count(&p->ch[reg], now);
        else if (reg == 3 && is_write)
            write_control(p, data[i], now);
        else if (!is_write)
            data[i] = 0xff;            /* the control word register cannot be read */
    }
    rearm(p, now, false);
    pthread_mutex_unlock(&p->lock);
}

void pit_port61_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
    struct pit *p = opaque;

    pthread_mutex_lock(&p->lock);
    uint64_t now = p->now();
    deliver_due(p, now);
    for (uint32_t i = 0; i < len; i++) {
        if (offset + i != 0) {
            if (!is_write)
                data[i] = 0xff;
        } else if (is_write) {
            p->port61 = data[i] & PORT61_WRITABLE;
            set_gate(&p->ch[2], data[i] & PORT61_GATE2, now);
        } else {
            data[i] = p->port61 | ((now / REFRESH_TOGGLE_NS) & 1 ? PORT61_REFRESH : 0) |
                      (ch_out(&p->ch[2], now) ? PORT61_OUT2 : 0);
        }
    }
    rearm(p, now, false);
    pthread_mutex_unlock(&p->lock);
}

void pit_timer_expired(struct pit *p)
{
    pthread_mutex_lock(&p->lock);
    uint64_t now = p->now();
    deliver_due(p, now);
    rearm(p, now, true);
    pthread_mutex_unlock(&p->lock);
}

uint64_t pit_irq_count(const struct pit *p)
{
    return atomic_load_explicit(&p->irqs, memory_order_relaxed);
}
