/* Bringing up the application processors listed in /cpus: one at a time, INIT-SIPI
 * (-SIPI) through the LAPIC into the real-mode trampoline (tramp.S). The boot CPU halts
 * while it waits (no polling loop: each kernel instruction costs ~0.5 µs here); the AP
 * wakes it with a T_WAKE IPI once it is online, and the tick bounds the wait. */
#include "guest/kernel/platform.h"
#include "guest/kernel/x86.h"

#define TRAMP_PA      0x8000
#define STACK_SIZE    (KSTACK_PAGES_CPU * PAGE_SIZE)
#define SIPI_TICKS    2                 /* resend SIPI after this many ticks */
#define START_TICKS   100               /* give up on a CPU after ~1 s */

static char stacks[NCPU][STACK_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char ist_stacks[NCPU][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
extern char tramp_start[], tramp_end[], tramp_stack[], tramp_cpu[];

/* The per-CPU setup every CPU goes through (the boot CPU from kmain). */
void cpu_init(struct cpu *c)
{
    c->self = c;
    gdt_init_cpu(c, ist_stacks[c->id] + PAGE_SIZE);
    cpu_setup_msrs(c);
}

/* An AP in 64-bit mode, on its stack, still on the boot page tables. */
__attribute__((noreturn)) void ap_main(struct cpu *c)
{
    cpu_init(c);
    vm_load();
    idt_load();
    lapic_init();
    timer_start_cpu();
    kprintf("cpu %d online\n", c->id);
    c->started = 1;
    lapic_send_ipi(cpus[0].apic_id, T_WAKE);
    ap_enter_scheduler();
}

/* Starts one AP; true once it reported itself online. */
static bool start_ap(struct cpu *c)
{
    uint8_t *t = P2V(TRAMP_PA);
    uint64_t stack_top = (uint64_t)stacks[c->id] + STACK_SIZE;
    __builtin_memcpy(t + (tramp_stack - tramp_start), &stack_top, 8);
    __builtin_memcpy(t + (tramp_cpu - tramp_start), &c, 8);
    lapic_startup_ap(c->apic_id, TRAMP_PA);
    uint64_t t0 = ticks;
    bool resent = false;
    while (!c->started && ticks - t0 < START_TICKS) {
        if (!resent && ticks - t0 >= SIPI_TICKS) {
            lapic_sipi(c->apic_id, TRAMP_PA);
            resent = true;
        }
        sti_hlt();
        cli();
    }
    return c->started;
}

void smp_boot(void)
{
    uint32_t self = cpus[0].apic_id;
    memcpy(P2V(TRAMP_PA), tramp_start, tramp_end - tramp_start);
    uint64_t f = read_rflags();
    for (int i = 0; i < fdt_cpus.n && ncpu < NCPU; i++) {
        if (fdt_cpus.apic_id[i] == self)
            continue;
        struct cpu *c = &cpus[ncpu];
        c->id = ncpu;
        c->apic_id = fdt_cpus.apic_id[i];
        if (start_ap(c))
            ncpu++;
        else
            kprintf("cpu with APIC ID %d did not come online\n", (int)c->apic_id);
    }
    if (f & RFLAGS_IF)
        sti();
}
