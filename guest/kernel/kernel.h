/* The guest kernel's internal interface: what the platform part (boot, memory, traps,
 * interrupts, console, SMP) offers the process part (processes, system calls, exec), and
 * back. Each subsystem's details stay in its own file; this is the contract between them. */
#ifndef GUEST_KERNEL_KERNEL_H
#define GUEST_KERNEL_KERNEL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "guest/kernel/trapframe.h"

/* ---- Address space (platform: boot.S, vm.c) ----
 * The kernel image runs at KERNBASE + its physical address; all RAM is also mapped at
 * DIRECTMAP (read/write, no-execute). User space is the lower half, below USER_TOP. */
#define KERNBASE   0xffffffff80000000ULL
#define DIRECTMAP  0xffff800000000000ULL
#define USER_TOP   0x0000800000000000ULL
#define PAGE_SIZE  4096ULL
#define P2V(pa)    ((void *)((uint64_t)(pa) + DIRECTMAP))
#define V2P(va)    ((uint64_t)(va) - DIRECTMAP)

/* Page-table entry bits. */
#define PTE_P   0x001ULL
#define PTE_W   0x002ULL
#define PTE_U   0x004ULL
#define PTE_PS  0x080ULL
#define PTE_G   0x100ULL
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR(e) ((e) & 0x000ffffffffff000ULL)

/* ---- Physical pages (platform: kalloc.c) ---- */
void *kalloc(void);             /* a zeroed 4 KiB page (direct-map address), or NULL */
void kfree(void *page);

/* ---- Page tables and CR3 (platform: mmu.c; docs/paging.md) ----
 * Every page-table page comes from pt_alloc (zeroed) or pt_alloc_dirty (any contents, the
 * caller writes every entry: with pt_fill) and goes back with pt_free, or pt_free_zero if
 * all its entries are zero. Under --mmu shadow they are pages of the VMM's page-table pool
 * and CR3 is loaded through the control port; elsewhere kalloc pages and the register. */
void *pt_alloc(void);
void *pt_alloc_dirty(void);
void pt_free(void *page);
void pt_free_zero(void *page);
/* dst[from .. from+n) = src[...] (or zero if src is NULL), writing only what changes. */
void pt_fill(uint64_t *dst, const uint64_t *src, int from, int n);
void write_cr3(uint64_t pa);     /* load a page table on this CPU */
uint64_t read_cr3(void);         /* the page table this CPU loaded last */
bool mmu_shadow(void);

/* The kernel's top-level page table (physical); user page tables share its upper half. */
extern uint64_t kernel_pml4_pa;
/* Map device registers at P2V(pa) uncached (2 MiB granules, never RAM); returns P2V(pa). */
void *kmap_mmio(uint64_t pa, uint64_t size);

struct spinlock;                /* spinlock.h (process part): acquire() masks interrupts */

/* ---- Console and diagnostics (platform: console.c, uart.c, panic.c) ---- */
void kprintf(const char *fmt, ...);
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
void console_write(const char *buf, size_t n);
/* Blocks until at least one byte of console input is there; returns bytes read (> 0). */
size_t console_read(char *buf, size_t n);
/* Blocking hooks for console_read (the process part may install sleep/wakeup): the sleep
 * hook is called with lk held and no input; it must release lk, block, and re-take lk.
 * The default enables interrupts and halts. The wakeup hook runs in the UART interrupt. */
extern void (*console_sleep_hook)(void *chan, struct spinlock *lk);
extern void (*console_wakeup_hook)(void *chan);
__attribute__((noreturn)) void panic(const char *fmt, ...);
__attribute__((noreturn)) void poweroff(int status);

/* ---- Segments (platform: gdt.c) ----
 * One GDT per CPU, laid out for syscall/sysret: STAR[47:32] = SEG_KCODE (SS = +8),
 * STAR[63:48] = SEG_STAR_USER | 3, so sysretq loads CS = SEG_UCODE|3, SS = SEG_UDATA|3.
 * Selectors below are without RPL; or in 3 for user mode (USER_CS, USER_DS). */
#define SEG_KCODE      0x08
#define SEG_KDATA      0x10
#define SEG_STAR_USER  0x18    /* a 32-bit user code slot, unused: the sysret base */
#define SEG_UDATA      0x20
#define SEG_UCODE      0x28
#define SEG_TSS        0x30    /* 16 bytes */
#define USER_CS        (SEG_UCODE | 3)
#define USER_DS        (SEG_UDATA | 3)

/* ---- Interrupt vectors ---- */
#define T_PF           14
#define T_IRQ0         32      /* IOAPIC pin p arrives on vector T_IRQ0 + p */
#define T_TIMER        64      /* LAPIC timer tick */
#define T_IPI          65      /* free for the process part (e.g. reschedule) */
#define T_WAKE         66      /* platform: wakes a CPU from hlt, no other effect */
#define T_SPURIOUS     255

/* ---- Traps (platform: trap.c, vectors.S; struct trapframe in trapframe.h) ---- */
typedef void (*trap_handler)(struct trapframe *tf);
/* Route a vector to a handler (before interrupts are enabled). A fault from user mode with
 * no handler goes to user_fault_hook; one from kernel mode panics with the registers. */
void trap_register(int vector, trap_handler h);
extern void (*user_fault_hook)(struct trapframe *tf);
/* A registered exception handler gets kernel-mode faults too (tf->cs & 3 == 0); for the
 * ones it does not expect it calls trap_panic, which prints the registers and panics. */
__attribute__((noreturn)) void trap_panic(struct trapframe *tf);
/* Restore *tf (swapgs if it returns to user mode) and iretq; tf must be on the stack the
 * CPU will keep using (e.g. the top of a process's kernel stack). trapret is the same
 * code entered with %rsp = tf (for a new process's first return through a switch). */
__attribute__((noreturn)) void trap_return(struct trapframe *tf);
void trapret(void);

/* ---- CPUs (platform: smp.c, lapic.c) ----
 * In kernel mode MSR_GS_BASE = &cpus[id] (and MSR_KERNEL_GS_BASE = the user's); every
 * entry from and exit to user mode does swapgs. */
#define NCPU 8
struct cpu {
    struct cpu *self;          /* %gs:0 */
    uint64_t kstack_top;       /* %gs:8: kernel stack for syscall entry */
    uint64_t user_rsp;         /* %gs:16: scratch for the syscall entry */
    int id;                    /* index in cpus[] */
    uint32_t apic_id;
    void *proc;                /* the process running here (process part's type) */
    void *sched;               /* the process part's per-CPU scheduler state */
    volatile int started;      /* set by the CPU itself once it is online */
    uint64_t cr3;              /* --mmu shadow: the page table this CPU loaded (mmu.c) */
};
extern struct cpu cpus[NCPU];
extern int ncpu;
struct cpu *mycpu(void);             /* %gs-based; valid once the CPU is set up */
void tss_set_rsp0(uint64_t rsp0);   /* kernel stack for traps from user mode on this CPU */
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, int vector);
/* Route IOAPIC pin to vector T_IRQ0 + pin on cpus[cpu]; flags are the device tree's
 * interrupt flags (0/1 edge rising, 2 edge falling, 4 level high, 8 level low). */
void ioapic_enable(int pin, uint32_t flags, int cpu);

/* ---- Time (platform: timer.c) ---- */
extern volatile uint64_t ticks;     /* timer ticks since boot, on CPU 0 */
extern uint32_t tick_hz;
uint64_t tsc_khz(void);
/* Called on every tick on every CPU with interrupts off, after the EOI. */
extern void (*tick_hook)(struct trapframe *tf);

/* ---- Boot information (platform: boot.c, fdt.c) ---- */
struct bootinfo {
    const char *cmdline;            /* /chosen/bootargs, or the PVH command line */
    const char *const *command;     /* /chosen/minivmm,command as argv, NULL-terminated, or NULL */
    int ncommand;
    const char *syscall_gate;       /* "syscall" (default) or "trap" */
    const char *host;               /* "vmx", "svm", "pvm" or "unknown" */
    const void *initrd;             /* direct-map address of the initrd (cpio newc), or NULL */
    uint64_t initrd_size;
    uint64_t ram_size;
    const char *tick;               /* "lapic" (default) or "pit" */
    const char *console;            /* "terminal" (default) or "stream": no echo */
    const char *mmu;                /* "direct" (default) or "shadow" (/chosen/minivmm,mmu) */
    uint64_t pt_pool_pa, pt_pool_size;   /* /chosen/minivmm,pt-pool: <addr size>, 2+2 cells */
};
extern struct bootinfo bootinfo;
/* The value of key=VALUE on the kernel command line, copied into buf (n bytes, always
 * NUL-terminated); 1 if found, 0 if absent. */
int cmdline_value(const char *key, char *buf, size_t n);

/* A device node of the tree (fdt.c): its first reg entry and first interrupt. */
struct fdt_dev {
    const char *name;               /* node name, e.g. "virtio_mmio@feb00000" */
    uint64_t addr, size;            /* first reg entry */
    bool io;                        /* addr is an I/O port (isa reg with space cell 1) */
    int irq;                        /* IOAPIC pin, or -1 */
    uint32_t irq_flags;
};
/* The idx-th node (0, 1, ...) whose compatible list holds compat; false if none. */
bool fdt_find(const char *compat, int idx, struct fdt_dev *out);

/* ---- Process part (proc.c, syscall.c, exec.c ...) ---- */
/* Called once on the boot CPU after the platform is up: starts /bin/init (or the command)
 * and never returns. */
__attribute__((noreturn)) void userinit(void);
/* Called on each AP once it is up: joins the scheduler, never returns. */
__attribute__((noreturn)) void ap_enter_scheduler(void);

/* ---- Small library (lib.c) ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
