/* Physical page allocator. At boot no page is touched: pages come from a bump pointer
 * over the free range [end of the kernel, first PVH module), and only pages given back
 * with kfree go on a free list. A bump page is handed out without zeroing: guest RAM
 * starts zeroed (the VMM's is fresh anonymous memory, QEMU's too) and no one wrote it
 * before. Recycled pages are zeroed when they are handed out again.
 *
 * Page tables are freed empty (every entry cleared as the tables are taken down), so
 * they go on a second list, of pages known to be zero: kalloc takes those first and
 * skips the memset (512 emulated rep elements, ~0.3 ms here), kalloc_dirty takes them last.
 *
 * Every page has a reference count (copy-on-write shares user pages between address
 * spaces): kalloc sets it to 1, kref adds one, kfree drops one and frees at 0. The counts
 * live in an array carved from the start of the range, zero like all fresh RAM. */
#include "guest/kernel/platform.h"

struct run {
    struct run *next;
};

static struct spinlock lock;
static struct run *freelist, *zerolist;   /* zerolist: all zero but their first word */
static uint64_t bump, bump_end;         /* physical: next fresh page, end of the range */
static uint64_t range_start;
static uint16_t *refs;                  /* per page from range_start */

static uint16_t *ref_of(uint64_t pa) { return &refs[(pa - range_start) / PAGE_SIZE]; }

void kalloc_init(uint64_t start, uint64_t end)
{
    bump = range_start = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    bump_end = end & ~(PAGE_SIZE - 1);
    if (bump_end < bump)
        bump_end = bump;
    uint64_t npages = (bump_end - bump) / PAGE_SIZE;
    refs = P2V(bump);
    bump += (npages * sizeof *refs + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (bump > bump_end)
        bump = bump_end;
}

/* Pops a page off *list with reference count 1, or NULL; lock held. */
static inline __attribute__((always_inline)) void *pop(struct run **list)
{
    struct run *r = *list;
    if (r) {
        *list = r->next;
        *ref_of(V2P(r)) = 1;
    }
    return r;
}

/* A page with reference count 1; *recycled says whether it may hold old data (it came
 * from the free list) or is zero (fresh RAM or the zero list). want_zero: prefer zero
 * pages, else prefer used ones (and keep the zero pages for kalloc). */
static void *take(int want_zero, int *recycled)
{
    uint64_t f = lock_irqsave(&lock);
    struct run *r = want_zero ? pop(&zerolist) : pop(&freelist);
    *recycled = r && !want_zero;
    if (!r && bump < bump_end) {
        r = P2V(bump);
        *ref_of(bump) = 1;
        bump += PAGE_SIZE;
    }
    if (!r) {
        r = want_zero ? pop(&freelist) : pop(&zerolist);
        *recycled = r && want_zero;
    }
    if (r && !*recycled)
        r->next = NULL;                 /* the list link was its only non-zero word */
    unlock_irqrestore(&lock, f);
    return r;
}

/* The page's count, checked: a page kalloc did not give out is a kernel bug. */
static uint16_t *checked_ref(void *page, const char *who)
{
    uint64_t pa = V2P(page);
    if ((pa & (PAGE_SIZE - 1)) || pa < range_start || pa >= bump || *ref_of(pa) == 0)
        panic("%s: %p is not an allocated page", who, page);
    return ref_of(pa);
}

void kref(void *page)
{
    __atomic_add_fetch(checked_ref(page, "kref"), 1, __ATOMIC_RELAXED);
}

int kref_count(void *page)
{
    return __atomic_load_n(checked_ref(page, "kref_count"), __ATOMIC_RELAXED);
}

static inline __attribute__((always_inline)) void put(void *page, struct run **list,
                                                     const char *who)
{
    if (__atomic_sub_fetch(checked_ref(page, who), 1, __ATOMIC_ACQ_REL) != 0)
        return;
    uint64_t f = lock_irqsave(&lock);
    struct run *r = page;
    r->next = *list;
    *list = r;
    unlock_irqrestore(&lock, f);
}

/* Drops a reference; the last one puts the page on the free list. */
void kfree(void *page)
{
    put(page, &freelist, "kfree");
}

void kfree_zero(void *page)
{
    put(page, &zerolist, "kfree_zero");
}

/* Recycled pages are zeroed here; fresh bump pages and zero-list pages are zero already. */
void *kalloc(void)
{
    int recycled = 0;
    void *p = take(1, &recycled);
    if (p && recycled)
        memset(p, 0, PAGE_SIZE);
    return p;
}

/* A page with whatever it held: for callers that overwrite all of it. */
void *kalloc_dirty(void)
{
    int recycled;
    return take(0, &recycled);
}
