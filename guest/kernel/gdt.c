/* Per-CPU segment tables: a GDT laid out for syscall/sysret (kernel.h: SEG_*) and a TSS
 * whose rsp0 is the kernel stack for traps from user mode and whose IST1 is a separate
 * stack for double faults and NMIs (so a kernel stack overflow still gets reported). */
#include "guest/kernel/platform.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct cpu_tables {
    uint64_t gdt[8];
    struct tss tss;
} __attribute__((aligned(64)));

static struct cpu_tables tables[NCPU];

_Static_assert(SEG_UCODE == SEG_STAR_USER + 16 && SEG_UDATA == SEG_STAR_USER + 8,
               "sysret needs user data, then user code, after the STAR base");

/* Loads the new GDT, reloads CS with a far return and the data segments. %gs is loaded
 * with the null selector, which clears the GS base: callers set it afterwards. */
static void load_gdt(struct cpu_tables *t)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) d =
        { sizeof t->gdt - 1, (uint64_t)t->gdt };
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movl %2, %%eax\n\t"
        "movl %%eax, %%ds\n\t"
        "movl %%eax, %%es\n\t"
        "movl %%eax, %%ss\n\t"
        "xorl %%eax, %%eax\n\t"
        "movl %%eax, %%fs\n\t"
        "movl %%eax, %%gs\n\t"
        "ltr %w3"
        : : "m"(d), "i"(SEG_KCODE), "i"(SEG_KDATA), "r"(SEG_TSS) : "rax", "memory");
}

void gdt_init_cpu(struct cpu *c, void *ist_top)
{
    struct cpu_tables *t = &tables[c->id];
    uint64_t base = (uint64_t)&t->tss, limit = sizeof t->tss - 1;
    t->gdt[SEG_KCODE / 8] = 0x00af9a000000ffffULL;      /* 64-bit code, DPL 0 */
    t->gdt[SEG_KDATA / 8] = 0x00cf92000000ffffULL;
    t->gdt[SEG_STAR_USER / 8] = 0x00cffa000000ffffULL;  /* 32-bit code, DPL 3 (unused) */
    t->gdt[SEG_UDATA / 8] = 0x00cff2000000ffffULL;
    t->gdt[SEG_UCODE / 8] = 0x00affa000000ffffULL;      /* 64-bit code, DPL 3 */
    t->gdt[SEG_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                          (0x89ULL << 40) | ((base >> 24 & 0xff) << 56);
    t->gdt[SEG_TSS / 8 + 1] = base >> 32;
    t->tss.ist[0] = (uint64_t)ist_top;
    t->tss.iomap_base = sizeof t->tss;                   /* no I/O bitmap */
    load_gdt(t);
}

void tss_set_rsp0(uint64_t rsp0)
{
    tables[mycpu()->id].tss.rsp[0] = rsp0;
}
