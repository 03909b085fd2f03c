/* The kernel's page tables, shared by every address space's upper half:
 *   DIRECTMAP + pa  all RAM, read/write, no-execute: 1 GiB pages for whole GiBs when the
 *                   CPU has them, 2 MiB pages otherwise (no 4 KiB tables: few entries to
 *                   write at boot); device registers are added by kmap_mmio, uncached;
 *   KERNBASE + pa   the kernel image, 2 MiB pages.
 * At boot the tables are static (in .bss, zeroed by the loader), so building them needs no
 * allocator. Under --mmu shadow, mmu_init builds them again from the page-table pool
 * (pt_alloc), where every table must be, before its first CR3 load. */
#include "guest/kernel/platform.h"
#include "guest/kernel/x86.h"

#define GIB        (1ULL << 30)
#define MIB2       (1ULL << 21)
#define PTE_PWT    0x008ULL
#define PTE_PCD    0x010ULL
#define MAP_GIBS   4                        /* the direct map covers 0..4 GiB */
#define CR4_PGE    0x80

#define NTABLES    (4 + MAP_GIBS)

uint64_t kernel_pml4_pa;
static uint64_t boot_tables[NTABLES][512] __attribute__((aligned(4096)));
static uint64_t *pml4, *pdpt_high, *pd_image, *pdpt_direct, *pd_direct[MAP_GIBS];
static uint64_t nx;                          /* PTE_NX if the CPU has NX */
extern char _end[];

/* The physical address of one of the tables (in the image, or in the direct map). */
static uint64_t table_pa(const uint64_t *t)
{
    return (uint64_t)t >= KERNBASE ? KV2P(t) : V2P(t);
}

/* Points pdpt_direct[g] at its static page directory (if it is not already). */
static uint64_t *direct_pd(int g)
{
    if (!(pdpt_direct[g] & PTE_P))
        pdpt_direct[g] = table_pa(pd_direct[g]) | PTE_P | PTE_W;
    return pd_direct[g];
}

/* Table i of the kernel's: a static one at boot, a pool page under --mmu shadow. */
static uint64_t *table(int i)
{
    uint64_t *t = mmu_shadow() ? pt_alloc() : boot_tables[i];
    if (!t)
        panic("vm_init: no page for the kernel's page tables");
    return t;
}

/* Builds the tables for RAM [0, ram_end) (ram_end <= 3 GiB); does not load them. */
void vm_init(uint64_t ram_end)
{
    pml4 = table(0);
    pdpt_high = table(1);
    pd_image = table(2);
    pdpt_direct = table(3);
    for (int g = 0; g < MAP_GIBS; g++)
        pd_direct[g] = table(4 + g);
    nx = cpu_has_nx ? PTE_NX : 0;
    uint64_t leaf = PTE_P | PTE_W | PTE_PS | PTE_G | nx;
    ram_end &= ~(MIB2 - 1);
    for (uint64_t pa = 0; pa < ram_end;) {
        int g = pa >> 30;
        if (cpu_has_1g && (pa & (GIB - 1)) == 0 && ram_end - pa >= GIB) {
            pdpt_direct[g] = pa | leaf;
            pa += GIB;
        } else {
            uint64_t *pde = direct_pd(g) + ((pa >> 21) & 511);
            uint64_t e = (g + 1) * GIB < ram_end ? (g + 1) * GIB : ram_end;
            for (uint64_t v = pa | leaf; pa < e; pa += MIB2, v += MIB2)
                *pde++ = v;
        }
    }
    for (uint64_t pa = 0; pa < KV2P(_end); pa += MIB2)
        pd_image[pa >> 21] = pa | PTE_P | PTE_W | PTE_PS | PTE_G;
    pdpt_high[510] = table_pa(pd_image) | PTE_P | PTE_W;
    pml4[256] = table_pa(pdpt_direct) | PTE_P | PTE_W;
    pml4[511] = table_pa(pdpt_high) | PTE_P | PTE_W;
    kernel_pml4_pa = table_pa(pml4);
}

/* Switches this CPU to the kernel tables; global pages keep the kernel's TLB entries
 * across the address-space switches of the process part. */
void vm_load(void)
{
    write_cr3(kernel_pml4_pa);
    write_cr4(read_cr4() | CR4_PGE);
}

void *kmap_mmio(uint64_t pa, uint64_t size)
{
    uint64_t end = pa + size;
    if (size == 0 || end < pa || pa < MACHINE_MMIO_BASE || end > MAP_GIBS * GIB)
        panic("kmap_mmio: %lx+%lx is not a device range", pa, size);
    for (uint64_t p = pa & ~(MIB2 - 1); p < end; p += MIB2)
        direct_pd(p >> 30)[(p >> 21) & 511] =
            p | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT | PTE_G | nx;
    return P2V(pa);
}
