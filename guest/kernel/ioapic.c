/* The IOAPIC: routes device interrupt pins to vectors on a chosen CPU. The 8259 PICs
 * are masked once and never used. Redirection entries come out of reset masked, so only
 * the pins a driver enables are ever written. */
#include "guest/kernel/platform.h"
#include "guest/kernel/x86.h"

#define IOREGSEL   0
#define IOWIN      4                     /* in 32-bit words */
#define REDIR(pin) (0x10 + 2 * (pin))
#define LEVEL      (1u << 15)
#define ACTIVE_LOW (1u << 13)

static volatile uint32_t *ioapic;
static struct spinlock lock;
static int npins = 24;

static void ioapic_write(uint32_t reg, uint32_t v)
{
    ioapic[IOREGSEL] = reg;
    ioapic[IOWIN] = v;
}

void ioapic_init(void)
{
    struct fdt_dev d;
    uint64_t pa = MACHINE_IOAPIC_GPA;
    if (fdt_find("intel,ce4100-ioapic", 0, &d) && !d.io)
        pa = d.addr;
    ioapic = kmap_mmio(pa, 0x1000);
    outb(0x21, 0xff);                    /* mask both 8259s */
    outb(0xa1, 0xff);
    ioapic[IOREGSEL] = 1;                /* version register: max redirection entry */
    npins = ((ioapic[IOWIN] >> 16) & 0xff) + 1;
}

void ioapic_enable(int pin, uint32_t flags, int cpu)
{
    if (pin < 0 || pin >= npins || cpu < 0 || cpu >= ncpu)
        panic("ioapic_enable: bad pin %d or cpu %d", pin, cpu);
    uint32_t lo = T_IRQ0 + pin;
    if (flags & 0xc)                     /* level high (4) or low (8) */
        lo |= LEVEL;
    if (flags & 0xa)                     /* edge falling (2) or level low (8) */
        lo |= ACTIVE_LOW;
    uint64_t f = lock_irqsave(&lock);
    ioapic_write(REDIR(pin) + 1, cpus[cpu].apic_id << 24);
    ioapic_write(REDIR(pin), lo);
    unlock_irqrestore(&lock, f);
}
