/* kmain: the order in which the platform comes up on the boot CPU, the boot banner, and
 * the CPU features everything else reads. */
#include "guest/kernel/platform.h"
#include "guest/kernel/x86.h"

struct cpu cpus[NCPU];
int ncpu = 1;
bool cpu_has_nx, cpu_has_1g;
extern char _end[];

struct cpu *mycpu(void)
{
    struct cpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c;
}

void cpu_features(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a < 0x80000001)
        return;
    cpuid(0x80000001, &a, &b, &c, &d);
    cpu_has_nx = d & (1u << 20);
    cpu_has_1g = d & (1u << 26);
}

/* EFER.NXE before any table with NX bits is loaded; MSR_GS_BASE = c for mycpu(). */
void cpu_setup_msrs(struct cpu *c)
{
    if (cpu_has_nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* A deliberate kernel page fault (bootargs "selftest=fault"): exercises the real path
 * trap -> register dump -> panic -> report to the VMM, for the tests. */
static void selftest_fault(void)
{
    kprintf("selftest: reading unmapped address 0x10\n");
    uint64_t va = 0x10;
    __asm__ volatile("" : "+r"(va));     /* hide the constant from -Warray-bounds */
    (void)*(volatile uint64_t *)va;
}

/* Entered from boot.S on the boot page tables, interrupts off. */
__attribute__((noreturn)) void kmain(uint32_t start_info_pa)
{
    cpu_features();
    cpu_init(&cpus[0]);
    uart_init(MACHINE_UART_PORT);
    idt_init();
    idt_load();
    pvh_parse(start_info_pa);
    vm_init(boot_mem.ram_end);
    vm_load();
    kalloc_init(KV2P(_end), boot_mem.alloc_end);
    bootinfo_init();
    mmu_init();
    exit_port_init();
    lapic_init();
    cpus[0].apic_id = lapic_id();
    ioapic_init();
    timer_calibrate();
    timer_start_cpu();
    uart_enable_irq();
    smp_boot();
    kprintf("minivmm kernel: %d cpus, %d MiB RAM, tsc %d MHz, tick %s %d Hz, "
            "syscall gate %s, host %s\n", ncpu, (int)(bootinfo.ram_size >> 20),
            (int)(tsc_khz() / 1000), timer_source(), (int)tick_hz, bootinfo.syscall_gate,
            bootinfo.host);
    if (cmdline_has("selftest=fault"))
        selftest_fault();
    userinit();
}
