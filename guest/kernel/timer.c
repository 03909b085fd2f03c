/* Time: the TSC and the LAPIC timer calibrated against the 8254 PIT, then a periodic
 * tick (tick_hz) on each CPU's LAPIC timer, or with /chosen/minivmm,tick = "pit" on the
 * PIT's channel 0 for CPU 0.
 *
 * Calibration costs nine port accesses and no busy loop: the PIT's channel 0 counts down
 * from 0xffff (mode 0); the PIT count (latched) and the LAPIC count are sampled, the CPU
 * halts until one period of the LAPIC timer (~10 ms) has passed, and samples again. The
 * PIT gives the elapsed time, the TSC and the LAPIC counts their rates. */
#include "guest/kernel/platform.h"
#include "guest/kernel/x86.h"

#define L_TIMER    0x320
#define L_TICR     0x380
#define L_TCCR     0x390
#define L_TDCR     0x3e0
#define DIV16      0x3
#define PERIODIC   0x20000
#define MASKED     0x10000
#define PIT_CH0    0x40
#define PIT_CMD    0x43
#define CAL_COUNT  625000u              /* 10 ms at KVM's and QEMU's 1 GHz APIC clock / 16 */

volatile uint64_t ticks;
uint32_t tick_hz = 100;
void (*tick_hook)(struct trapframe *tf);
static uint64_t tsc_hz, lapic_hz;       /* lapic_hz: timer counts per second after /16 */
static bool pit_tick;
static volatile int cal_wakeups;

uint64_t tsc_khz(void)
{
    return tsc_hz / 1000;
}

const char *timer_source(void)
{
    return pit_tick ? "pit" : "lapic";
}

static void tick_intr(struct trapframe *tf)
{
    lapic_eoi();
    if (mycpu()->id == 0)
        ticks++;
    if (tick_hook)
        tick_hook(tf);
}

static void cal_intr(struct trapframe *tf)
{
    cal_wakeups++;
    lapic_eoi();
}

struct sample { uint64_t tsc; uint32_t pit, lapic; };

/* The TSC taken around the PIT latch (its midpoint), the latched PIT count and the
 * LAPIC count just before. */
static void sample(struct sample *s)
{
    s->lapic = lapic_read(L_TCCR);
    uint64_t t0 = rdtsc();
    outb(PIT_CMD, 0x00);                 /* latch channel 0 */
    uint64_t t1 = rdtsc();
    s->pit = inb(PIT_CH0);
    s->pit |= inb(PIT_CH0) << 8;
    s->tsc = t0 + (t1 - t0) / 2;
}

/* One measurement; false if it cannot be trusted (then it is repeated). */
static bool measure(void)
{
    struct sample a, b;
    cal_wakeups = 0;
    outb(PIT_CMD, 0x30);                 /* channel 0, lo/hi byte, mode 0 */
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);
    lapic_write(L_TDCR, DIV16);
    lapic_write(L_TIMER, PERIODIC | T_TIMER);
    lapic_write(L_TICR, CAL_COUNT);
    sample(&a);
    while (cal_wakeups == 0)
        sti_hlt();
    cli();
    sample(&b);
    lapic_write(L_TIMER, MASKED);
    uint32_t dpit = (a.pit - b.pit) & 0xffff;
    if (cal_wakeups != 1 || dpit < MACHINE_PIT_HZ / 1000 || b.tsc <= a.tsc) {
        kprintf("timer: calibration sample rejected (%d PIT counts)\n", (int)dpit);
        return false;
    }
    tsc_hz = (b.tsc - a.tsc) * MACHINE_PIT_HZ / dpit;
    lapic_hz = (uint64_t)(a.lapic + CAL_COUNT - b.lapic) * MACHINE_PIT_HZ / dpit;
    return true;
}

void timer_calibrate(void)
{
    trap_register(T_TIMER, cal_intr);
    int tries = 0;
    while (!measure())
        if (++tries == 3)
            panic("timer: cannot calibrate the TSC and the LAPIC timer against the PIT");
    trap_register(T_TIMER, tick_intr);
    pit_tick = bootinfo.tick && strcmp(bootinfo.tick, "pit") == 0;
    if (pit_tick) {
        struct fdt_dev d;
        int pin = MACHINE_PIT_IRQ;
        uint32_t flags = 0;
        if (fdt_find("minivmm,i8254", 0, &d) && d.irq >= 0)
            pin = d.irq, flags = d.irq_flags;
        uint32_t count = (MACHINE_PIT_HZ + tick_hz / 2) / tick_hz;
        outb(PIT_CMD, 0x34);             /* channel 0, lo/hi byte, mode 2 (rate) */
        outb(PIT_CH0, count & 0xff);
        outb(PIT_CH0, count >> 8);
        trap_register(T_IRQ0 + pin, tick_intr);
        ioapic_enable(pin, flags, 0);
    }
}

/* Starts this CPU's periodic LAPIC tick (CPU 0 has the PIT's instead, if chosen). */
void timer_start_cpu(void)
{
    if (pit_tick && mycpu()->id == 0)
        return;
    lapic_write(L_TDCR, DIV16);
    lapic_write(L_TIMER, PERIODIC | T_TIMER);
    lapic_write(L_TICR, (uint32_t)(lapic_hz / tick_hz));
}
