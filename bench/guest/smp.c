/* The second vCPU: woken with INIT and SIPI into the real-mode trampoline of entry.S,
 * it takes the same path to long mode and then halts, answering IPIs (entry.S). */
#include "bench/guest/hw.h"

#define ICR_INIT      0x4500   /* INIT, level assert */
#define ICR_STARTUP   0x4600   /* start-up IPI; the low byte is the page of the trampoline */
#define AP_APIC_ID    1
#define AP_WAIT_MS    200

extern const uint8_t ap_trampoline[], ap_trampoline_end[];
volatile uint32_t ap_ready;

static void send_ipi(uint32_t apic_id, uint32_t icr)
{
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, icr);
}

/* Runs on the second vCPU, on its own stack, once it is in long mode. */
void ap_main(void)
{
    idt_load();
    lapic_enable(false);
    ap_ready = 1;
    for (;;)
        asm volatile("sti; hlt" ::: "memory");
}

bool ap_start(void)
{
    volatile uint8_t *dst = (volatile uint8_t *)AP_TRAMPOLINE_PA;
    for (const uint8_t *p = ap_trampoline; p < ap_trampoline_end; p++)
        *dst++ = *p;
    send_ipi(AP_APIC_ID, ICR_INIT);
    send_ipi(AP_APIC_ID, ICR_STARTUP | AP_TRAMPOLINE_PA >> 12);
    uint64_t deadline = rdtsc() + tsc_khz * AP_WAIT_MS;
    bool resent = false;
    while (!ap_ready && rdtsc() < deadline) {
        /* A second SIPI, as the MP specification asks, if the first one was missed. */
        if (!resent && rdtsc() > deadline - tsc_khz * (AP_WAIT_MS / 2)) {
            send_ipi(AP_APIC_ID, ICR_STARTUP | AP_TRAMPOLINE_PA >> 12);
            resent = true;
        }
        pause();
    }
    return ap_ready;
}
