/* Physical page allocator. At boot no page is touched: pages come from a bump pointer
 * over the free range [end of the kernel, first PVH module), and only pages given back
 * with kfree go on a free list. A bump page is handed out without zeroing: guest RAM
 * starts zeroed (the VMM's is fresh anonymous memory, QEMU's too) and no one wrote it
 * before. Recycled pages are zeroed when they are handed out again. */
#include "guest/kernel/platform.h"

struct run {
    struct run *next;
};

static struct spinlock lock;
static struct run *freelist;
static uint64_t nfree_list;             /* pages on the free list */
static uint64_t bump, bump_end;         /* physical: next fresh page, end of the range */
static uint64_t range_start;

void kalloc_init(uint64_t start, uint64_t end)
{
    bump = range_start = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    bump_end = end & ~(PAGE_SIZE - 1);
    if (bump_end < bump)
        bump_end = bump;
}

void *kalloc(void)
{
    uint64_t f = lock_irqsave(&lock);
    struct run *r = freelist;
    if (r) {
        freelist = r->next;
        nfree_list--;
        unlock_irqrestore(&lock, f);
        memset(r, 0, PAGE_SIZE);
        return r;
    }
    void *p = NULL;
    if (bump < bump_end) {
        p = P2V(bump);
        bump += PAGE_SIZE;
    }
    unlock_irqrestore(&lock, f);
    return p;
}

/* Takes back a page that kalloc gave out; anything else is a kernel bug. */
void kfree(void *page)
{
    uint64_t pa = V2P(page);
    if ((pa & (PAGE_SIZE - 1)) || pa < range_start || pa >= bump)
        panic("kfree: %p is not an allocated page", page);
    uint64_t f = lock_irqsave(&lock);
    struct run *r = page;
    r->next = freelist;
    freelist = r;
    nfree_list++;
    unlock_irqrestore(&lock, f);
}

uint64_t kalloc_free_pages(void)
{
    return nfree_list + (bump_end - bump) / PAGE_SIZE;
}
