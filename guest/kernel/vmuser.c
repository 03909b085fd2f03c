/* Per-process page tables: the lower half of a 4-level table per process (its regions and
 * the shared gate page), the upper half shared with the kernel; demand-zero and
 * copy-on-write faults; checked access to user memory for system calls.
 *
 * User memory is reached through the direct map after a software walk of the process's
 * table, never through the user address itself: the kernel then cannot be tricked into
 * touching kernel memory with a user-supplied pointer, needs no fault recovery (and no
 * stac/clac under SMAP), and works the same on a table that is not loaded (exec builds the
 * new image that way). A user address is valid only if it lies in a region whose flags
 * allow the access; a missing page there is allocated, a shared one copied, on the spot.
 *
 * Costs: every kernel instruction is emulated on the development host, so nothing loops
 * over a region's pages: only over [lo, hi), the pages a region has ever had, skipping
 * absent page tables whole. An address space belongs to one process (one thread), so it
 * needs no lock; its TLB entries live only on the CPU running it (every switch reloads
 * CR3), so a change needs an invlpg here and no shootdown. */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"

#define PG           PAGE_SIZE
#define PG_DOWN(a)   ((a) & ~(PG - 1))
#define PG_UP(a)     (((a) + PG - 1) & ~(PG - 1))
#define PTE_TABLE    (PTE_P | PTE_W | PTE_U)   /* intermediate levels: the leaf decides */
#define PTE_FLAGS(e) ((e) & ~0x000ffffffffff000ULL)

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
            if (!alloc || !(page = pt_alloc())) return NULL;
            *e = V2P(page) | PTE_TABLE;
        }
        t = P2V(PTE_ADDR(*e));
    }
    return &t[idx(va, level)];
}

/* The table at level (0: a PT ... 2: a PDPT) that maps va, or NULL; then *next is the
 * first address past the hole, so scans skip absent tables whole. */
static uint64_t *table_of(uint64_t *pml4, uint64_t va, int level, uint64_t *next)
{
    uint64_t *t = pml4;
    for (int l = 3; l > level; l--) {
        uint64_t e = t[idx(va, l)];
        if (!(e & PTE_P)) {
            uint64_t span = PG << (9 * l);
            *next = (va | (span - 1)) + 1;
            return NULL;
        }
        t = P2V(PTE_ADDR(e));
    }
    return t;
}

static inline int loaded(const struct uvm *as) { return read_cr3() == as->pml4_pa; }
/* Under --mmu shadow a TLB flush must reach the VMM (its host's KVM may cache the
 * shadow tables, docs/paging.md): a CR3 reload there, invlpg elsewhere. */
static inline void invlpg(uint64_t va)
{
    if (mmu_shadow()) write_cr3(read_cr3());
    else __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

/* Calls fn on every present leaf entry in [lo, hi). */
typedef void (*pte_fn)(uint64_t va, uint64_t *pte, void *arg);
static void scan(uint64_t *pml4, uint64_t lo, uint64_t hi, pte_fn fn, void *arg)
{
    uint64_t va = lo;
    while (va < hi && va < USER_TOP) {
        uint64_t next = 0, *pt = table_of(pml4, va, 0, &next);
        if (!pt) {
            if (next <= va) break;          /* wrapped: the end of the address space */
            va = next;
            continue;
        }
        uint64_t end = (va | (PG * 512 - 1)) + 1;
        if (end > hi) end = hi;
        for (; va < end; va += PG)
            if (pt[idx(va, 0)] & PTE_P) fn(va, &pt[idx(va, 0)], arg);
    }
}

int uvm_init(struct uvm *as)
{
    as->nregion = 0;
    as->brk = 0;
    /* Every entry is written: the lower half zero, the upper half the kernel's. */
    as->pml4 = pt_alloc_dirty();
    if (!as->pml4) return -ENOMEM;
    as->pml4_pa = V2P(as->pml4);
    pt_fill(as->pml4, NULL, 0, 256);
    pt_fill(as->pml4, P2V(kernel_pml4_pa), 256, 256);
    uint64_t *pte = walk(as->pml4, GATE_VA, 0, 1);
    if (!pte) {
        uvm_free(as);
        return -ENOMEM;
    }
    *pte = gate_page_pa() | PTE_P | PTE_U;       /* read-only, executable */
    return 0;
}

/* Records [va, va+len) (rounded out to pages) as a region of as, with no pages yet. */
static struct uregion *add_region(struct uvm *as, uint64_t va, uint64_t len, uint64_t pte,
                                  enum rkind kind)
{
    if (as->nregion == NREGION || va >= USER_TOP || len > USER_TOP - va ||
        (len == 0 && kind != R_HEAP))
        return NULL;
    struct uregion *r = &as->region[as->nregion++];
    *r = (struct uregion){ PG_DOWN(va), PG_UP(va + len), PG_DOWN(va), PG_DOWN(va), pte, kind };
    return r;
}

int uvm_add_lazy(struct uvm *as, uint64_t va, uint64_t len, uint64_t pte, enum rkind kind)
{
    return add_region(as, va, len, pte, kind) ? 0 : -EINVAL;
}

/* Widens r's window of possibly present pages to cover the page at va. */
static void widen(struct uregion *r, uint64_t va)
{
    if (r->lo == r->hi) {
        r->lo = va;
        r->hi = va + PG;
    } else if (va < r->lo) {
        r->lo = va;
    } else if (va + PG > r->hi) {
        r->hi = va + PG;
    }
}

/* Zeroes n bytes: rep stosq for the aligned middle, bytes only at the edges (a plain rep
 * stosb would cost an emulated step per byte). */
static void zero_fast(char *d, uint64_t n)
{
    uint64_t head = (-(uint64_t)d) & 7;
    if (head > n) head = n;
    uint64_t q = (n - head) >> 3, tail = (n - head) & 7;
    __asm__ volatile("rep stosb; mov %3, %%rcx; rep stosq; mov %4, %%rcx; rep stosb"
                     : "+D"(d), "+c"(head) : "a"(0ULL), "r"(q), "r"(tail) : "memory");
}

int uvm_map_copy(struct uvm *as, uint64_t va, uint64_t len, uint64_t pte, const void *src,
                 uint64_t n)
{
    struct uregion *r = n <= len ? add_region(as, va, len, pte, R_IMAGE) : NULL;
    if (!r) return -EINVAL;
    for (uint64_t a = r->start; a < r->end; a += PG) {
        uint64_t *e = walk(as->pml4, a, 0, 1);
        char *page;
        if (!e) return -ENOMEM;                   /* uvm_free cleans up */
        if (*e & PTE_P) return -ENOEXEC;          /* segments that share a page */
        if (!(page = kalloc_dirty())) return -ENOMEM;
        *e = V2P(page) | pte;
        widen(r, a);
        /* [lo, hi): the bytes of this page that come from src; the rest is zeroed. */
        uint64_t lo = a < va ? va : a, hi = a + PG < va + n ? a + PG : va + n;
        if (hi < lo) hi = lo;
        zero_fast(page, lo - a);
        copy_fast(page + (lo - a), (const char *)src + (lo - va), hi - lo);
        zero_fast(page + (hi - a), a + PG - hi);
    }
    return 0;
}

static void drop_page(uint64_t va, uint64_t *pte, void *arg)
{
    kfree(P2V(PTE_ADDR(*pte)));
    *pte = 0;
    if (arg) invlpg(va);
}

void uvm_unmap_pages(struct uvm *as, struct uregion *r, uint64_t start, uint64_t end)
{
    if (start < r->lo) start = r->lo;
    if (end > r->hi) end = r->hi;
    if (start < end) scan(as->pml4, start, end, drop_page, loaded(as) ? as : NULL);
}

/* Frees the tables at level (0: the PTs, 1: the PDs, 2: the PDPTs) below [start, end),
 * clearing the parent entry so that tables shared by two ranges go only once. */
static void free_tables(uint64_t *pml4, uint64_t start, uint64_t end, int level)
{
    uint64_t span = PG << (9 * (level + 1));
    for (uint64_t a = start & ~(span - 1); a < end && a < USER_TOP; ) {
        uint64_t next = 0, *t = table_of(pml4, a, level + 1, &next);
        if (!t) {
            if (next <= a) break;
            a = next;
            continue;
        }
        uint64_t *e = &t[idx(a, level + 1)];
        if (*e & PTE_P) {
            /* A PT is empty by now: every present leaf lies in a region's [lo, hi), which
             * uvm_free dropped (munmap and sbrk drop theirs before shrinking a window),
             * and the gate's entry was cleared. An upper table may still point at the PT
             * of an unmapped region, so only PTs go to the zero list. Unlinked before it
             * is freed: under --mmu shadow another CPU may take the page at once. */
            void *t = P2V(PTE_ADDR(*e));
            *e = 0;
            if (level == 0) pt_free_zero(t);
            else pt_free(t);
        }
        a += span;
    }
}

void uvm_free(struct uvm *as)
{
    if (!as->pml4) return;
    for (int i = 0; i < as->nregion; i++)
        scan(as->pml4, as->region[i].lo, as->region[i].hi, drop_page, NULL);
    /* The gate's tables go with the others; the gate page itself is shared. */
    uint64_t *gate = walk(as->pml4, GATE_VA, 0, 0);
    if (gate) *gate = 0;
    for (int level = 0; level < 3; level++) {
        for (int i = 0; i < as->nregion; i++)
            free_tables(as->pml4, as->region[i].lo, as->region[i].hi, level);
        free_tables(as->pml4, GATE_VA, GATE_VA + PG, level);
    }
    pt_free(as->pml4);
    as->pml4 = NULL;
    as->nregion = 0;
}

struct cow_arg {
    uint64_t *dst_pml4, *dst_pt, dst_pt_va;   /* the last PT of dst, for its 2 MiB */
    int err;
};

/* Shares one page: writable ones become read-only + PTE_COW on both sides. */
static void share_page(uint64_t va, uint64_t *pte, void *arg)
{
    struct cow_arg *c = arg;
    if (c->err) return;
    uint64_t base = va & ~(PG * 512 - 1);
    if (!c->dst_pt || c->dst_pt_va != base) {
        uint64_t *e = walk(c->dst_pml4, va, 0, 1);
        if (!e) {
            c->err = -ENOMEM;
            return;
        }
        c->dst_pt = e - idx(va, 0);
        c->dst_pt_va = base;
    }
    if (*pte & PTE_W) *pte = (*pte & ~PTE_W) | PTE_COW;
    kref(P2V(PTE_ADDR(*pte)));
    c->dst_pt[idx(va, 0)] = *pte;
}

int uvm_copy(struct uvm *dst, struct uvm *src)
{
    struct cow_arg c = { dst->pml4, NULL, 0, 0 };
    dst->brk = src->brk;
    for (int i = 0; i < src->nregion && !c.err; i++) {
        const struct uregion *r = &src->region[i];
        dst->region[dst->nregion++] = *r;
        scan(src->pml4, r->lo, r->hi, share_page, &c);
    }
    return c.err;
}

static struct uregion *find_region(struct uvm *as, uint64_t va)
{
    for (int i = 0; i < as->nregion; i++)
        if (va >= as->region[i].start && va < as->region[i].end) return &as->region[i];
    return NULL;
}

/* A write to a shared page: the last sharer takes it over, the others copy it. */
static int cow_break(uint64_t *e, const struct uregion *r)
{
    void *old = P2V(PTE_ADDR(*e));
    if (kref_count(old) == 1) {
        *e = (*e & ~PTE_COW) | PTE_W;
        return 0;
    }
    void *page = kalloc_dirty();
    if (!page) return -ENOMEM;
    copy_fast(page, old, PG);
    *e = V2P(page) | r->pte;
    kfree(old);
    return 0;
}

int uvm_fault(struct uvm *as, uint64_t va, int write)
{
    struct uregion *r = find_region(as, va);
    if (!r || !(r->pte & PTE_P) || (write && !(r->pte & PTE_W))) return -EFAULT;
    va = PG_DOWN(va);
    uint64_t *e = walk(as->pml4, va, 0, 1);
    if (!e) return -ENOMEM;
    if (!(*e & PTE_P)) {
        void *page = kalloc();
        if (!page) return -ENOMEM;
        *e = V2P(page) | r->pte;
        widen(r, va);
        return 0;                   /* not present: nothing to flush */
    }
    if (write && (*e & PTE_COW)) {
        int err = cow_break(e, r);
        if (err) return err;
    }
    if (loaded(as)) invlpg(va);     /* also clears a stale entry after a spurious fault */
    return 0;
}

void *uvm_translate(struct uvm *as, uint64_t va, int write)
{
    if (va >= USER_TOP) return NULL;
    for (int tries = 0; tries < 2; tries++) {
        uint64_t *t = as->pml4, e = 0;
        int l;
        for (l = 3; l >= 0; l--) {
            e = t[idx(va, l)];
            if ((e & (PTE_P | PTE_U)) != (PTE_P | PTE_U)) break;
            t = P2V(PTE_ADDR(e));
        }
        /* Write permission is the leaf's alone: the tables above are always writable. */
        if (l < 0 && (!write || (e & PTE_W))) return (char *)t + (va & (PG - 1));
        if (tries || uvm_fault(as, va, write) < 0) return NULL;
    }
    return NULL;
}

/* Copies to user memory; with need_write only into pages the user may write. */
static int copy_to(struct uvm *as, uint64_t uva, const void *src, uint64_t n, int need_write)
{
    while (n > 0) {
        char *k = uvm_translate(as, uva, need_write);
        if (!k) return -EFAULT;
        uint64_t chunk = PG - (uva & (PG - 1));
        if (chunk > n) chunk = n;
        copy_fast(k, src, chunk);
        src = (const char *)src + chunk;
        uva += chunk;
        n -= chunk;
    }
    return 0;
}

int copyout(struct uvm *as, uint64_t uva, const void *src, uint64_t n)
{
    return copy_to(as, uva, src, n, 1);
}

int copyin(struct uvm *as, void *dst, uint64_t uva, uint64_t n)
{
    while (n > 0) {
        const char *k = uvm_translate(as, uva, 0);
        if (!k) return -EFAULT;
        uint64_t chunk = PG - (uva & (PG - 1));
        if (chunk > n) chunk = n;
        copy_fast(dst, k, chunk);
        dst = (char *)dst + chunk;
        uva += chunk;
        n -= chunk;
    }
    return 0;
}

int copyinstr(struct uvm *as, char *dst, uint64_t uva, uint64_t max)
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
