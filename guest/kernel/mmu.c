/* The kernel's one hook for --mmu (docs/paging.md): where page-table pages come from and
 * how CR3 is loaded. In direct mode (the default, and under QEMU) tables are kalloc pages
 * and CR3 is the register. In shadow mode (/chosen/minivmm,mmu = "shadow") the VMM keeps
 * shadow tables that the hardware walks instead of ours, which is paravirtual in two ways:
 *   - every page-table page comes from the page-table pool (/chosen/minivmm,pt-pool), a
 *     window of RAM that the VMM maps read-only, so each write to a table exits to it;
 *   - write_cr3 writes CTL_CR3 instead of CR3, and read_cr3 returns what this CPU last
 *     wrote (the register itself holds the shadow root).
 * The pool's free pages are kept on stacks outside the pool, and pages are cleared
 * entry by entry where non-zero: each write there costs an exit. */
#include "guest/kernel/platform.h"
#include "guest/kernel/spinlock.h"
#include "guest/kernel/x86.h"

void *kalloc_dirty(void);                /* kalloc.c */
void kfree_zero(void *page);

#define POOL_MAX_PAGES (MACHINE_PT_POOL_MAX / PAGE_SIZE)

static bool shadow;
static struct spinlock lock;
static uint64_t pool_pa, pool_end, bump;
static uint16_t zero_stack[POOL_MAX_PAGES], dirty_stack[POOL_MAX_PAGES];
static int nzero, ndirty;

bool mmu_shadow(void) { return shadow; }

void mmu_init(void)
{
    uint64_t pa = bootinfo.pt_pool_pa, size = bootinfo.pt_pool_size;
    if (strcmp(bootinfo.mmu, "shadow") != 0)
        return;
    if ((pa | size) & (PAGE_SIZE - 1) || size == 0 || size > MACHINE_PT_POOL_MAX ||
        pa < boot_mem.alloc_end || pa + size > boot_mem.ram_end)
        panic("mmu shadow: bad page-table pool %lx+%lx", pa, size);
    pool_pa = bump = pa;
    pool_end = pa + size;
    shadow = true;
    vm_init(boot_mem.ram_end);           /* the kernel's tables again, in the pool */
    vm_load();                           /* the first CTL_CR3 */
    kprintf("mmu: shadow (page-table pool %lx-%lx)\n", pa, pool_end);
}

/* Clears the non-zero entries of a pool page (each write exits). */
static void clear_table(uint64_t *t)
{
    for (int i = 0; i < 512; i++)
        if (t[i])
            t[i] = 0;
}

/* A pool page: prefer_zero picks zero pages first, else recycled ones first. */
static void *pool_take(int prefer_zero, int *dirty)
{
    uint64_t f = lock_irqsave(&lock);
    uint64_t pa = 0;
    *dirty = 0;
    if (prefer_zero && nzero)
        pa = pool_pa + zero_stack[--nzero] * PAGE_SIZE;
    else if (!prefer_zero && ndirty) {
        pa = pool_pa + dirty_stack[--ndirty] * PAGE_SIZE;
        *dirty = 1;
    } else if (bump < pool_end) {
        pa = bump;
        bump += PAGE_SIZE;
    } else if (nzero) {
        pa = pool_pa + zero_stack[--nzero] * PAGE_SIZE;
    } else if (ndirty) {
        pa = pool_pa + dirty_stack[--ndirty] * PAGE_SIZE;
        *dirty = 1;
    }
    unlock_irqrestore(&lock, f);
    return pa ? P2V(pa) : NULL;
}

static void pool_put(void *page, int zero)
{
    uint64_t pa = V2P(page);
    if (pa < pool_pa || pa >= bump || (pa & (PAGE_SIZE - 1)))
        panic("pt_free: %p is not a page of the page-table pool", page);
    uint64_t f = lock_irqsave(&lock);
    if (zero)
        zero_stack[nzero++] = (uint16_t)((pa - pool_pa) / PAGE_SIZE);
    else
        dirty_stack[ndirty++] = (uint16_t)((pa - pool_pa) / PAGE_SIZE);
    unlock_irqrestore(&lock, f);
}

void *pt_alloc(void)
{
    if (!shadow)
        return kalloc();
    int dirty;
    void *p = pool_take(1, &dirty);
    if (p && dirty)
        clear_table(p);
    return p;
}

void *pt_alloc_dirty(void)
{
    int dirty;
    return shadow ? pool_take(0, &dirty) : kalloc_dirty();
}

void pt_free(void *page)
{
    if (shadow) pool_put(page, 0);
    else kfree(page);
}

void pt_free_zero(void *page)
{
    if (shadow) pool_put(page, 1);
    else kfree_zero(page);
}

void pt_fill(uint64_t *dst, const uint64_t *src, int from, int n)
{
    if (!shadow) {
        if (src) memcpy(dst + from, src + from, n * sizeof *dst);
        else memset(dst + from, 0, n * sizeof *dst);
        return;
    }
    for (int i = from; i < from + n; i++) {
        uint64_t v = src ? src[i] : 0;
        if (dst[i] != v)
            dst[i] = v;
    }
}

void write_cr3(uint64_t pa)
{
    if (!shadow) {
        hw_write_cr3(pa);
        return;
    }
    /* Interrupts off: a TLB IPI in between would reload this CPU's CR3 from cpu->cr3. */
    uint64_t f = read_rflags();
    cli();
    mycpu()->cr3 = pa;
    outl(CTL_PORT + CTL_CR3, (uint32_t)pa);
    /* The VMM moved CR3 to the shadow root; loading it again is the TLB flush a CR3 load
     * means (KVM_SET_SREGS does not flush when the root stays the same). */
    hw_write_cr3(hw_read_cr3());
    if (f & RFLAGS_IF)
        sti();
}

uint64_t read_cr3(void)
{
    return shadow ? mycpu()->cr3 : hw_read_cr3();
}
