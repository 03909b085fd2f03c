/* The local APIC (xAPIC, memory-mapped): per-CPU setup, end of interrupt, IPIs and the
 * INIT/SIPI sequence that starts an AP. Every register access is an exit to KVM's
 * in-kernel APIC, so setup writes only what it must. */
#include "guest/kernel/platform.h"

#define L_ID      0x020
#define L_TPR     0x080
#define L_EOI     0x0b0
#define L_SVR     0x0f0
#define L_ICRLO   0x300
#define L_ICRHI   0x310
#define L_LINT0   0x350
#define L_LINT1   0x360
#define L_ERROR   0x370
#define MASKED    0x10000
#define ICR_BUSY  0x1000
#define ICR_ASSERT 0x4000

volatile uint32_t *lapic;

void lapic_write(int reg, uint32_t v)
{
    lapic[reg / 4] = v;
}

uint32_t lapic_read(int reg)
{
    return lapic[reg / 4];
}

/* Enables this CPU's APIC with the spurious vector; the legacy LINT pins and the error
 * interrupt stay masked (the 8259s are masked too: every IRQ comes through the IOAPIC). */
void lapic_init(void)
{
    if (!lapic) {
        struct fdt_dev d;
        uint64_t pa = MACHINE_LAPIC_GPA;
        if (fdt_find("intel,ce4100-lapic", 0, &d) && !d.io)
            pa = d.addr;
        lapic = kmap_mmio(pa, 0x1000);
    }
    lapic_write(L_SVR, 0x100 | T_SPURIOUS);
    lapic_write(L_LINT0, MASKED);
    lapic_write(L_LINT1, MASKED);
    lapic_write(L_ERROR, MASKED);
    lapic_write(L_TPR, 0);
}

uint32_t lapic_id(void)
{
    return lapic_read(L_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(L_EOI, 0);
}

/* Sends icr_lo to apic_id once the previous IPI has left. */
static void lapic_icr(uint32_t apic_id, uint32_t icr_lo)
{
    while (lapic_read(L_ICRLO) & ICR_BUSY)
        ;
    lapic_write(L_ICRHI, apic_id << 24);
    lapic_write(L_ICRLO, icr_lo);
}

void lapic_send_ipi(uint32_t apic_id, int vector)
{
    lapic_icr(apic_id, ICR_ASSERT | (vector & 0xff));
}

/* A STARTUP IPI: the AP starts in real mode at tramp_pa (its page number is the vector). */
void lapic_sipi(uint32_t apic_id, uint64_t tramp_pa)
{
    lapic_icr(apic_id, ICR_ASSERT | 0x600 | (uint32_t)(tramp_pa >> 12));
}

/* INIT then one STARTUP IPI; smp.c sends the second SIPI only if the AP does not answer. */
void lapic_startup_ap(uint32_t apic_id, uint64_t tramp_pa)
{
    lapic_icr(apic_id, ICR_ASSERT | 0x500);
    lapic_sipi(apic_id, tramp_pa);
}

/* NMI to every other CPU (shorthand "all excluding self"): used by panic. */
void lapic_nmi_others(void)
{
    lapic_write(L_ICRHI, 0);
    lapic_write(L_ICRLO, 0xc0000 | ICR_ASSERT | 0x400);
}
