/* The operations the benchmark guest times, one loop each, in the style of kvm-unit-tests'
 * x86/vmexit.c. The loops are inline assembly so that the only instructions besides the
 * operation are a decrement and a branch: on a PVM host each of those is emulated too, and
 * the `loop.empty` row measures exactly that overhead. */
#include "bench/guest/hw.h"

#define MSR_IA32_APIC_BASE    0x1b
#define MSR_IA32_UCODE_REV    0x8b       /* guest writes are accepted and ignored by KVM */
#define MSR_IA32_TSC_DEADLINE 0x6e0

volatile uint32_t timer_fired, ipi_replied;
uint64_t pf_probe_va = PF_PROBE_ADDR;
static bool ap_running;

static uint64_t run_empty(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: dec %0; jnz 1b" : "+r"(n));
    return rdtsc() - t0;
}

/* A write to a port no device claims: KVM_EXIT_IO to the VMM, which drops it. */
static uint64_t run_pio_out(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: outb %%al, %1; dec %0; jnz 1b" : "+r"(n) : "i"(PORT_UNCLAIMED) : "rax");
    return rdtsc() - t0;
}

static uint64_t run_pio_in(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: inb %1, %%al; dec %0; jnz 1b" : "+r"(n) : "i"(PORT_UNCLAIMED) : "rax");
    return rdtsc() - t0;
}

/* The PIC's mask register: handled by KVM's in-kernel 8259, no exit to the VMM. */
static uint64_t run_pio_kernel(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: inb %1, %%al; dec %0; jnz 1b" : "+r"(n) : "i"(PORT_PIC1_DATA) : "rax");
    return rdtsc() - t0;
}

static uint64_t run_mmio_write(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: movl %%eax, (%1); dec %0; jnz 1b"
                 : "+r"(n) : "r"((uint64_t)MMIO_PROBE_PA) : "rax", "memory");
    return rdtsc() - t0;
}

static uint64_t run_mmio_read(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: movl (%1), %%eax; dec %0; jnz 1b"
                 : "+r"(n) : "r"((uint64_t)MMIO_PROBE_PA) : "rax", "memory");
    return rdtsc() - t0;
}

static uint64_t run_cpuid(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: xorl %%eax, %%eax; xorl %%ecx, %%ecx; cpuid; dec %0; jnz 1b"
                 : "+r"(n) :: "rax", "rbx", "rcx", "rdx");
    return rdtsc() - t0;
}

static uint64_t run_rdmsr(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: rdmsr; dec %0; jnz 1b"
                 : "+r"(n) : "c"(MSR_IA32_APIC_BASE) : "rax", "rdx");
    return rdtsc() - t0;
}

static bool has_tsc_deadline(void)
{
    uint32_t r[4];
    cpuid(1, r);
    return r[2] & (1u << 24);
}

/* Disarming the TSC deadline timer where the CPU has one, else the ignored microcode MSR:
 * both stay inside KVM. */
static uint64_t run_wrmsr(uint64_t n)
{
    uint32_t msr = has_tsc_deadline() ? MSR_IA32_TSC_DEADLINE : MSR_IA32_UCODE_REV;
    uint64_t t0 = rdtsc();
    asm volatile("1: wrmsr; dec %0; jnz 1b" : "+r"(n) : "c"(msr), "a"(0), "d"(0));
    return rdtsc() - t0;
}

static uint64_t run_mov_cr3(uint64_t n)
{
    uint64_t cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    uint64_t t0 = rdtsc();
    asm volatile("1: mov %1, %%cr3; dec %0; jnz 1b" : "+r"(n) : "r"(cr3) : "memory");
    return rdtsc() - t0;
}

static uint64_t run_invlpg(uint64_t n)
{
    static volatile uint32_t target;
    uint64_t t0 = rdtsc();
    asm volatile("1: invlpg (%1); dec %0; jnz 1b" : "+r"(n) : "r"(&target) : "memory");
    return rdtsc() - t0;
}

/* A read of the never-mapped probe address: #PF, whose handler (entry.S) resumes at the
 * address left in %rdx. Fault, guest handler, iretq. */
static uint64_t run_page_fault(uint64_t n)
{
    uint64_t t0 = rdtsc();
    asm volatile("1: lea 2f(%%rip), %%rdx; movl (%1), %%eax; 2: dec %0; jnz 1b"
                 : "+r"(n) : "r"(pf_probe_va) : "rax", "rdx", "memory");
    return rdtsc() - t0;
}

/* Wait for an interrupt handler to set *flag, halting in between: sti;hlt is atomic, so
 * an interrupt that arrives after the check still ends the hlt. */
static void halt_until(volatile uint32_t *flag)
{
    while (!*flag)
        asm volatile("sti; hlt; cli" ::: "memory");
}

static void lapic_timer_oneshot(void)
{
    lapic_write(LAPIC_TIMER_DIV, 0xb);      /* divide by 1 */
    lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_VECTOR);
}

/* Arm the LAPIC timer for one count and halt until it fired: the timer tick of an idle
 * vCPU (KVM's hrtimer, the wake-up from hlt, the injection). */
static uint64_t run_lapic_hlt(uint64_t n)
{
    lapic_timer_oneshot();
    uint64_t t0 = rdtsc();
    for (; n; n--) {
        timer_fired = 0;
        lapic_write(LAPIC_TIMER_INIT, 1);
        halt_until(&timer_fired);
    }
    uint64_t t = rdtsc() - t0;
    lapic_write(LAPIC_LVT_TIMER, 1u << 16);
    return t;
}

/* The same timer, but the vCPU spins with interrupts on: the latency of an interrupt to a
 * running vCPU (a kick out of guest mode, or on PVM whatever next leaves the emulator). */
static uint64_t run_lapic_spin(uint64_t n)
{
    lapic_timer_oneshot();
    asm volatile("sti");
    uint64_t t0 = rdtsc();
    for (; n; n--) {
        timer_fired = 0;
        lapic_write(LAPIC_TIMER_INIT, 1);
        while (!timer_fired)
            pause();
    }
    uint64_t t = rdtsc() - t0;
    asm volatile("cli");
    lapic_write(LAPIC_LVT_TIMER, 1u << 16);
    return t;
}

/* Program 8254 channel 0 for a one-count mode-0 shot and halt until IRQ 0 came through
 * the PIC: under minivmm the PIT is the VMM's userspace model, under QEMU KVM's own. */
static uint64_t run_pit_hlt(uint64_t n)
{
    outb(PORT_PIC1_DATA, 0xfe);             /* unmask IRQ 0 only */
    uint64_t t0 = rdtsc();
    for (; n; n--) {
        timer_fired = 0;
        outb(0x43, 0x30);                   /* channel 0, lobyte/hibyte, mode 0 */
        outb(0x40, 1);
        outb(0x40, 0);
        halt_until(&timer_fired);
    }
    uint64_t t = rdtsc() - t0;
    outb(PORT_PIC1_DATA, 0xff);
    return t;
}

/* A fixed IPI to the second vCPU (halted), whose handler answers with one back while
 * this vCPU halts. */
static uint64_t run_ipi_roundtrip(uint64_t n)
{
    uint64_t t0 = rdtsc();
    for (; n; n--) {
        ipi_replied = 0;
        lapic_write(LAPIC_ICR_HI, 1u << 24);
        lapic_write(LAPIC_ICR_LO, IPI_VECTOR);
        halt_until(&ipi_replied);
    }
    return rdtsc() - t0;
}

static const char *need_ap(void)
{
    if (!ap_running)
        ap_running = ap_start();
    return ap_running ? NULL : "no second vCPU answered INIT/SIPI (run with 2 vCPUs)";
}

const struct op ops[] = {
    { "loop.empty", NULL, run_empty, false, NULL },
    { "exit.pio", NULL, run_pio_out, false, NULL },
    { "exit.pio_in", NULL, run_pio_in, false, NULL },
    { "exit.pio_kernel", NULL, run_pio_kernel, false, NULL },
    { "exit.mmio_write", NULL, run_mmio_write, false, NULL },
    { "exit.mmio_read", NULL, run_mmio_read, false, NULL },
    { "exit.cpuid", NULL, run_cpuid, false, NULL },
    { "exit.rdmsr", NULL, run_rdmsr, false, NULL },
    { "exit.wrmsr", NULL, run_wrmsr, false, NULL },
    { "exit.mov_cr3", NULL, run_mov_cr3, false, NULL },
    { "exit.invlpg", NULL, run_invlpg, false, NULL },
    { "exc.page_fault", NULL, run_page_fault, false, NULL },
    { "irq.lapic_timer.hlt", NULL, run_lapic_hlt, false, NULL },
    { "irq.lapic_timer.spin", NULL, run_lapic_spin, false, NULL },
    { "irq.pit_timer.hlt", NULL, run_pit_hlt, false, NULL },
    { "irq.ipi_roundtrip", need_ap, run_ipi_roundtrip, false, NULL },
    /* minivmm's benchmark doorbell (doorbell.c): no exit to the VMM, counted by it. */
    { "exit.pio.ioeventfd", doorbell_missing, run_doorbell_port, false, doorbell_port_count },
    { "exit.mmio.ioeventfd", doorbell_missing, run_doorbell_mmio, false, doorbell_ring_count },
    { "irq.irqfd_latency", doorbell_missing, run_irqfd_echo, false, doorbell_echo_count },
    /* The same loops at CPL3 (entry.S user_call): where PVM's costs differ most. */
    { "loop.empty.user", NULL, run_empty, true, NULL },
    { "exit.pio.user", NULL, run_pio_out, true, NULL },
    { "exit.mmio_write.user", NULL, run_mmio_write, true, NULL },
    { "exit.cpuid.user", NULL, run_cpuid, true, NULL },
    { "exc.page_fault.user", NULL, run_page_fault, true, NULL },
    { "exit.pio.ioeventfd.user", doorbell_missing, run_doorbell_port, true, doorbell_port_count },
    { "exit.mmio.ioeventfd.user", doorbell_missing, run_doorbell_mmio, true,
      doorbell_ring_count },
};
const size_t nops = sizeof ops / sizeof ops[0];
