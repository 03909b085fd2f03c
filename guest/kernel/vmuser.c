/* Per-process page tables: the lower half of a 4-level table per process (its regions and
 * the shared gate page), the upper half shared with the kernel; checked access to user
 * memory for system calls.
 *
 * User memory is reached through the direct map after a software walk of the process's
 * table, never through the user address itself: the kernel then cannot be tricked into
 * touching kernel memory with a user-supplied pointer, needs no fault recovery, and works
 * the same on a table that is not loaded (exec builds the new image that way). A user
 * address is valid only if every level has PTE_P|PTE_U (and the leaf PTE_W for writes). */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"

#define PG           PAGE_SIZE
#define PG_DOWN(a)   ((a) & ~(PG - 1))
#define PG_UP(a)     (((a) + PG - 1) & ~(PG - 1))
#define PTE_TABLE    (PTE_P | PTE_W | PTE_U)   /* intermediate levels: the leaf decides */

uint64_t pte_nx;

static int idx(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 511; }

/* The entry for va at level (3 = PML4 ... 0 = PT). With alloc, missing tables are added;
 * without, returns NULL where one is missing. */
static uint64_t *walk(uint64_t *pml4, uint64_t va, int level, int alloc)
{
    uint64_t *t = pml4;
    for (int l = 3; l > level; l--) {
        uint64_t *e = &t[idx(va, l)];
        if (!(*e & PTE_P)) {
            void *page;
            if (!alloc || !(page = kalloc())) return NULL;
            *e = V2P(page) | PTE_TABLE;
        }
        t = P2V(PTE_ADDR(*e));
    }
    return &t[idx(va, level)];
}

int uvm_init(struct uvm *as)
{
    as->nregion = 0;
    as->pml4 = kalloc();
    if (!as->pml4) return -ENOMEM;
    as->pml4_pa = V2P(as->pml4);
    memcpy(as->pml4 + 256, (uint64_t *)P2V(kernel_pml4_pa) + 256, 256 * sizeof(uint64_t));
    uint64_t *pte = walk(as->pml4, GATE_VA, 0, 1);
    if (!pte) {
        uvm_free(as);
        return -ENOMEM;
    }
    *pte = gate_page_pa() | PTE_P | PTE_U;       /* read-only, executable */
    return 0;
}

/* Records [va, va+len) (rounded out to pages) as a region of as. */
static int add_region(struct uvm *as, uint64_t va, uint64_t len, uint64_t pte)
{
    if (as->nregion == NREGION || len == 0 || va >= USER_TOP || len > USER_TOP - va)
        return -EINVAL;
    as->region[as->nregion++] = (struct uregion){ PG_DOWN(va), PG_UP(va + len), pte };
    return 0;
}

int uvm_map_region(struct uvm *as, uint64_t va, uint64_t len, uint64_t pte)
{
    int r = add_region(as, va, len, pte);
    if (r < 0) return r;
    const struct uregion *rg = &as->region[as->nregion - 1];
    for (uint64_t a = rg->start; a < rg->end; a += PG) {
        uint64_t *e = walk(as->pml4, a, 0, 1);
        void *page;
        if (!e || !(page = kalloc())) return -ENOMEM;   /* uvm_free cleans up */
        if (*e & PTE_P) panic("uvm_map_region: remap at %p", (void *)a);
        *e = V2P(page) | pte;
    }
    return 0;
}

/* Frees the tables at level (0: the PTs, 1: the PDs, 2: the PDPTs) below the range
 * [start, end), clearing the parent entry so that shared tables go only once. */
static void free_tables(uint64_t *pml4, uint64_t start, uint64_t end, int level)
{
    uint64_t span = PG << (9 * (level + 1));
    for (uint64_t a = start & ~(span - 1); a < end; a += span) {
        uint64_t *e = walk(pml4, a, level + 1, 0);
        if (e && (*e & PTE_P)) {
            kfree(P2V(PTE_ADDR(*e)));
            *e = 0;
        }
    }
}

void uvm_free(struct uvm *as)
{
    if (!as->pml4) return;
    for (int i = 0; i < as->nregion; i++)
        for (uint64_t a = as->region[i].start; a < as->region[i].end; a += PG) {
            uint64_t *e = walk(as->pml4, a, 0, 0);
            if (e && (*e & PTE_P)) kfree(P2V(PTE_ADDR(*e)));
        }
    /* The gate's tables go with the others; the gate page itself is shared. */
    for (int level = 0; level < 3; level++) {
        for (int i = 0; i < as->nregion; i++)
            free_tables(as->pml4, as->region[i].start, as->region[i].end, level);
        free_tables(as->pml4, GATE_VA, GATE_VA + PG, level);
    }
    kfree(as->pml4);
    as->pml4 = NULL;
    as->nregion = 0;
}

/* Eager copy of every page (copy-on-write comes with the virtual-memory issue). */
int uvm_copy(struct uvm *dst, const struct uvm *src)
{
    for (int i = 0; i < src->nregion; i++) {
        const struct uregion *rg = &src->region[i];
        int r = add_region(dst, rg->start, rg->end - rg->start, rg->pte);
        if (r < 0) return r;
        for (uint64_t a = rg->start; a < rg->end; a += PG) {
            uint64_t *s = walk(src->pml4, a, 0, 0), *d;
            if (!s || !(*s & PTE_P)) continue;
            void *page;
            if (!(d = walk(dst->pml4, a, 0, 1)) || !(page = kalloc())) return -ENOMEM;
            memcpy(page, P2V(PTE_ADDR(*s)), PG);
            *d = V2P(page) | (*s & ~0x000ffffffffff000ULL);
        }
    }
    return 0;
}

void *uvm_translate(const struct uvm *as, uint64_t va, int write)
{
    if (va >= USER_TOP) return NULL;
    uint64_t *t = as->pml4, e = 0;
    for (int l = 3; l >= 0; l--) {
        e = t[idx(va, l)];
        if ((e & (PTE_P | PTE_U)) != (PTE_P | PTE_U)) return NULL;
        t = P2V(PTE_ADDR(e));
    }
    /* Write permission is the leaf's alone: the tables above are always writable. */
    if (write && !(e & PTE_W)) return NULL;
    return (char *)t + (va & (PG - 1));
}

/* Copies to user memory; with need_write only into pages the user may write. */
static int copy_to(const struct uvm *as, uint64_t uva, const void *src, uint64_t n,
                   int need_write)
{
    while (n > 0) {
        char *k = uvm_translate(as, uva, need_write);
        if (!k) return -EFAULT;
        uint64_t chunk = PG - (uva & (PG - 1));
        if (chunk > n) chunk = n;
        memcpy(k, src, chunk);
        src = (const char *)src + chunk;
        uva += chunk;
        n -= chunk;
    }
    return 0;
}

int copyout(const struct uvm *as, uint64_t uva, const void *src, uint64_t n)
{
    return copy_to(as, uva, src, n, 1);
}

int uvm_fill(const struct uvm *as, uint64_t uva, const void *src, uint64_t n)
{
    return copy_to(as, uva, src, n, 0);
}

int copyin(const struct uvm *as, void *dst, uint64_t uva, uint64_t n)
{
    while (n > 0) {
        const char *k = uvm_translate(as, uva, 0);
        if (!k) return -EFAULT;
        uint64_t chunk = PG - (uva & (PG - 1));
        if (chunk > n) chunk = n;
        memcpy(dst, k, chunk);
        dst = (char *)dst + chunk;
        uva += chunk;
        n -= chunk;
    }
    return 0;
}

int copyinstr(const struct uvm *as, char *dst, uint64_t uva, uint64_t max)
{
    for (uint64_t i = 0; i < max; ) {
        const char *k = uvm_translate(as, uva + i, 0);
        if (!k) return -EFAULT;
        uint64_t chunk = PG - ((uva + i) & (PG - 1));
        for (uint64_t j = 0; j < chunk && i < max; j++, i++)
            if ((dst[i] = k[j]) == '\0') return (int)i;
    }
    return -ENAMETOOLONG;
}
