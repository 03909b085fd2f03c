/* The benchmark guest's rows for minivmm's doorbell (docs/machine.md): port and MMIO
 * writes that KVM_IOEVENTFD catches without an exit to the VMM, and the echo whose
 * interrupt the VMM's event-loop thread injects through KVM_IRQFD. QEMU has no such
 * device, so there the rows are skipped. */
#include "abi/machine.h"
#include "bench/guest/hw.h"

#define IOAPIC_REGSEL   0x00
#define IOAPIC_WIN      0x10
#define IOAPIC_REDIR(pin) (0x10 + 2 * (pin))
#define REDIR_MASKED    (1u << 16)

volatile uint32_t echo_fired;

const char *doorbell_missing(void)
{
    if (mmio_read32(MACHINE_DOORBELL_GPA + DOORBELL_ID) != DOORBELL_MAGIC)
        return "no minivmm doorbell (n/a: QEMU has no such device)";
    return NULL;
}

/* Reads exit to the VMM, which counts what the eventfds hold first: exact counts. */
uint32_t doorbell_port_count(void) { return mmio_read32(MACHINE_DOORBELL_GPA + DOORBELL_COUNT_PORT); }
uint32_t doorbell_ring_count(void) { return mmio_read32(MACHINE_DOORBELL_GPA + DOORBELL_COUNT_RING); }
uint32_t doorbell_echo_count(void) { return mmio_read32(MACHINE_DOORBELL_GPA + DOORBELL_COUNT_ECHO); }

/* `out` to the control port's CTL_DOORBELL: an ioeventfd, so KVM signals an eventfd and
 * resumes the guest without leaving for the VMM. */
uint64_t run_doorbell_port(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: outl %%eax, %w1; dec %0; jnz 1b"
                 : "+r"(n) : "Nd"(CTL_PORT + CTL_DOORBELL), "a"(0));
    return rdtsc() - t0;
}

uint64_t run_doorbell_mmio(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: movl %%eax, (%1); dec %0; jnz 1b"
                 : "+r"(n) : "r"(MACHINE_DOORBELL_GPA + DOORBELL_RING), "a"(0) : "memory");
    return rdtsc() - t0;
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    mmio_write32(IOAPIC_PA + IOAPIC_REGSEL, reg);
    mmio_write32(IOAPIC_PA + IOAPIC_WIN, v);
}

/* Write ECHO and halt until its interrupt arrives: guest -> ioeventfd -> the VMM's event
 * loop -> irqfd -> IOAPIC pin MACHINE_DOORBELL_IRQ (edge, to this vCPU) -> the handler. */
uint64_t run_irqfd_echo(uint64_t n)
{
    ioapic_write(IOAPIC_REDIR(MACHINE_DOORBELL_IRQ) + 1, 0);          /* APIC ID 0 */
    ioapic_write(IOAPIC_REDIR(MACHINE_DOORBELL_IRQ), DOORBELL_VECTOR); /* fixed, edge, high */
    uint64_t t0 = rdtsc();
    for (; n; n--) {
        echo_fired = 0;
        mmio_write32(MACHINE_DOORBELL_GPA + DOORBELL_ECHO, 1);
        while (!echo_fired)
            asm volatile("sti; hlt; cli" ::: "memory");
    }
    uint64_t t = rdtsc() - t0;
    ioapic_write(IOAPIC_REDIR(MACHINE_DOORBELL_IRQ), REDIR_MASKED);
    return t;
}
