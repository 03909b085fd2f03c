/* What the platform files (boot, memory, traps, interrupts, console, SMP) share among
 * themselves; the process part uses kernel.h. */
#ifndef GUEST_KERNEL_PLATFORM_H
#define GUEST_KERNEL_PLATFORM_H
#include "abi/machine.h"
#include "guest/kernel/kernel.h"

#define KSTACK_PAGES_CPU 4              /* per-CPU boot/scheduler stack: 16 KiB */
#define KV2P(va)   ((uint64_t)(va) - KERNBASE)   /* kernel image address -> physical */

/* CPU features, read once on the boot CPU (main.c). */
extern bool cpu_has_nx, cpu_has_1g;
void cpu_features(void);
void cpu_setup_msrs(struct cpu *c);     /* EFER.NXE, GS base */

/* PVH start_info and the device tree (boot.c, fdt.c). */
struct pvh_module { uint64_t pa, size; };
#define MAX_MODULES 4
struct boot_mem {
    uint64_t ram_end;                   /* end of the RAM range holding the kernel */
    uint64_t alloc_end;                 /* end of allocatable RAM (first module below) */
    struct pvh_module mods[MAX_MODULES];
    int nmods;
    const char *pvh_cmdline;            /* direct-map address, or NULL */
};
extern struct boot_mem boot_mem;
void pvh_parse(uint64_t start_info_pa);  /* before vm_init: reads through the identity map */
void bootinfo_init(void);                /* after vm_init: finds and parses the tree */
struct fdt_cpus { int n; uint32_t apic_id[NCPU]; };
extern struct fdt_cpus fdt_cpus;
/* Parses the tree at blob (len bytes); fills bootinfo, fdt_cpus and the device table.
 * Returns the tree's total size, or 0 if it is not a valid tree. */
uint64_t fdt_parse(const void *blob, uint64_t len);
bool fdt_has_magic(const void *blob, uint64_t len);
bool cmdline_has(const char *word);

/* Memory (vm.c, kalloc.c). */
void vm_init(uint64_t ram_end);
void vm_load(void);                       /* this CPU: switch to kernel_pml4_pa */
void kalloc_init(uint64_t start, uint64_t end);
void mmu_init(void);                      /* after bootinfo_init: shadow mode, if asked */

/* CPU tables (gdt.c, trap.c). */
void gdt_init_cpu(struct cpu *c, void *ist_top);
void idt_init(void);
void idt_load(void);

/* Interrupt controllers and time (lapic.c, ioapic.c, timer.c). */
extern volatile uint32_t *lapic;
void lapic_init(void);
uint32_t lapic_id(void);
void lapic_write(int reg, uint32_t v);
uint32_t lapic_read(int reg);
void lapic_startup_ap(uint32_t apic_id, uint64_t tramp_pa);
void lapic_sipi(uint32_t apic_id, uint64_t tramp_pa);
void lapic_nmi_others(void);
void ioapic_init(void);
void timer_calibrate(void);
void timer_start_cpu(void);
const char *timer_source(void);

/* Console and power (uart.c, panic.c). */
void uart_init(uint16_t port);
void uart_enable_irq(void);
void uart_putbuf(const char *s, size_t n);
void exit_port_init(void);
extern volatile uint32_t panicking;

/* SMP (smp.c). */
void smp_boot(void);
void cpu_init(struct cpu *c);
__attribute__((noreturn)) void halt_forever(void);


/* The platform's use of spinlock.h: keep the caller's interrupt flag across the lock
 * (acquire masks interrupts and release leaves them masked). */
#include "guest/kernel/spinlock.h"
static inline uint64_t lock_irqsave(struct spinlock *l)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    acquire(l, mycpu()->id);
    return f;
}
static inline void unlock_irqrestore(struct spinlock *l, uint64_t f)
{
    release(l);
    if (f & (1u << 9))
        __asm__ volatile("sti" ::: "memory");
}

#endif
