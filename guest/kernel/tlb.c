/* TLB shootdown: after a change to a page table that another CPU may have loaded (a
 * process running there), that CPU's TLB may still hold the old translation. The CPU
 * that changed it flushes its own and sends T_IPI to the others that have the table in
 * CR3, and waits until each has flushed or switched away from it. */
#include "guest/kernel/proc.h"
#include "guest/kernel/sched.h"

static volatile uint64_t acks[NCPU];        /* flushes done by each CPU */

static void tlb_ipi(struct trapframe *tf)
{
    lapic_eoi();
    write_cr3(read_cr3());                 /* drops every non-global entry */
    __atomic_add_fetch(&acks[mycpuid()], 1, __ATOMIC_RELEASE);
}

void tlb_init(void)
{
    trap_register(T_IPI, tlb_ipi);
}

uint64_t tlb_ipis_received(int cpu)
{
    return cpu >= 0 && cpu < NCPU ? acks[cpu] : 0;
}

/* Whether cpu still runs a process whose page table is pml4_pa. */
static int has_loaded(int cpu, uint64_t pml4_pa)
{
    struct proc *p = __atomic_load_n((struct proc **)&cpus[cpu].proc, __ATOMIC_ACQUIRE);
    return p && p->as.pml4_pa == pml4_pa;
}

void tlb_shootdown(uint64_t pml4_pa)
{
    int me = mycpuid();
    uint64_t seen[NCPU];
    if ((read_cr3() & ~0xfffULL) == pml4_pa) write_cr3(read_cr3());
    for (int i = 0; i < ncpu; i++) {
        seen[i] = __atomic_load_n(&acks[i], __ATOMIC_ACQUIRE);
        if (i != me && has_loaded(i, pml4_pa)) lapic_send_ipi(cpus[i].apic_id, T_IPI);
    }
    /* A flush that completes after seen[i] was read began after the change: enough. */
    for (int i = 0; i < ncpu; i++)
        while (i != me && has_loaded(i, pml4_pa) &&
               __atomic_load_n(&acks[i], __ATOMIC_ACQUIRE) == seen[i])
            pause();
}
