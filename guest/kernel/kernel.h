/* The guest kernel's internal interface: what the platform part (boot, memory, traps,
 * interrupts, console, SMP) offers the process part (processes, system calls, exec), and
 * back. Each subsystem's details stay in its own file; this is the contract between them. */
#ifndef GUEST_KERNEL_KERNEL_H
#define GUEST_KERNEL_KERNEL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
uint64_t kalloc_free_pages(void);

/* The kernel's top-level page table (physical); user page tables share its upper half. */
extern uint64_t kernel_pml4_pa;

/* ---- Console and diagnostics (platform: console.c, uart.c, panic.c) ---- */
void kprintf(const char *fmt, ...);
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
void console_write(const char *buf, size_t n);
/* Blocks until at least one byte of console input is there; returns bytes read (> 0). */
size_t console_read(char *buf, size_t n);
__attribute__((noreturn)) void panic(const char *fmt, ...);
__attribute__((noreturn)) void poweroff(int status);

/* ---- Traps (platform: trap.c, vectors.S) ---- */
struct trapframe {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU (rsp/ss always, 64-bit) */
};
typedef void (*trap_handler)(struct trapframe *tf);
/* Route a vector to a handler (before interrupts are enabled). A fault from user mode with
 * no handler goes to user_fault_hook; one from kernel mode panics with the registers. */
void trap_register(int vector, trap_handler h);
extern void (*user_fault_hook)(struct trapframe *tf);

/* ---- CPUs (platform: smp.c, lapic.c) ---- */
#define NCPU 8
struct cpu {
    struct cpu *self;          /* %gs:0 */
    uint64_t kstack_top;       /* %gs:8: kernel stack for syscall entry */
    uint64_t user_rsp;         /* %gs:16: scratch for the syscall entry */
    int id;                    /* index in cpus[] */
    uint32_t apic_id;
    void *proc;                /* the process running here (process part's type) */
    void *sched;               /* the process part's per-CPU scheduler state */
};
extern struct cpu cpus[NCPU];
extern int ncpu;
struct cpu *mycpu(void);
void tss_set_rsp0(uint64_t rsp0);   /* kernel stack for traps from user mode on this CPU */

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
};
extern struct bootinfo bootinfo;

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
