/* The parts of a user address space a program asks for at run time: the heap (sbrk),
 * anonymous mappings (mmap/munmap), and the page-fault handler that fills them (and the
 * stack) on demand and breaks copy-on-write sharing; SMEP/SMAP on each CPU. */
#include "abi/syscall.h"
#include "guest/kernel/proc.h"

#define PG           PAGE_SIZE
#define PG_UP(a)     (((a) + PG - 1) & ~(PG - 1))
#define UHEAP_MAX    (1ULL << 30)    /* a heap of at most 1 GiB */
#define UMMAP_MAX    (1ULL << 30)    /* one mapping of at most 1 GiB */
#define CR4_SMEP     (1ULL << 20)
#define CR4_SMAP     (1ULL << 21)

static struct uregion *find_kind(struct uvm *as, enum rkind kind)
{
    for (int i = 0; i < as->nregion; i++)
        if (as->region[i].kind == kind) return &as->region[i];
    return NULL;
}

/* Moves the break; a shrink frees the pages above the new end at once. */
long uvm_sbrk(struct uvm *as, long incr)
{
    struct uregion *h = find_kind(as, R_HEAP);
    if (!h) return -ENOMEM;
    uint64_t old = as->brk, nb = old + (uint64_t)incr;
    if (incr > 0 && (nb < old || nb - h->start > UHEAP_MAX || PG_UP(nb) > USER_IMAGE_MAX))
        return -ENOMEM;
    if (incr < 0 && (nb > old || nb < h->start)) return -EINVAL;
    for (int i = 0; incr > 0 && i < as->nregion; i++) {
        const struct uregion *r = &as->region[i];
        if (r != h && r->start < PG_UP(nb) && r->end > h->end) return -ENOMEM;
    }
    if (incr < 0) {
        uvm_unmap_pages(as, h, PG_UP(nb), h->end);
        if (h->hi > PG_UP(nb)) h->hi = PG_UP(nb) > h->lo ? PG_UP(nb) : h->lo;
    }
    h->end = PG_UP(nb);
    as->brk = nb;
    return (long)old;
}

static int overlaps(const struct uvm *as, uint64_t start, uint64_t end)
{
    for (int i = 0; i < as->nregion; i++)
        if (as->region[i].start < end && as->region[i].end > start) return 1;
    return 0;
}

/* First fit in the mapping area above the heap's reserve. */
static uint64_t find_gap(const struct uvm *as, uint64_t len)
{
    uint64_t a = USER_MMAP_BASE;
    for (int moved = 1; moved && a + len <= USER_MMAP_END; ) {
        moved = 0;
        for (int i = 0; i < as->nregion; i++)
            if (as->region[i].start < a + len && as->region[i].end > a) {
                a = as->region[i].end;
                moved = 1;
            }
    }
    return a + len <= USER_MMAP_END ? a : 0;
}

long uvm_mmap(struct uvm *as, uint64_t addr, uint64_t len, int prot, int flags)
{
    if ((flags & ~(MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)) ||
        !(flags & MAP_ANONYMOUS) || !(flags & MAP_PRIVATE) ||
        (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) || len == 0)
        return -EINVAL;
    if ((prot & PROT_WRITE) && (prot & PROT_EXEC)) return -EINVAL;    /* W^X */
    if (len > UMMAP_MAX) return -ENOMEM;
    len = PG_UP(len);
    if (flags & MAP_FIXED) {
        if ((addr & (PG - 1)) || addr < USER_IMAGE_MIN || addr > USER_MMAP_END - len ||
            overlaps(as, addr, addr + len))
            return -EINVAL;
    } else if (!(addr = find_gap(as, len))) {
        return -ENOMEM;
    }
    uint64_t pte = 0;
    if (prot) pte = PTE_P | PTE_U | (prot & PROT_WRITE ? PTE_W : 0) |
                    (prot & PROT_EXEC ? 0 : pte_nx);
    if (uvm_add_lazy(as, addr, len, pte, R_MMAP) < 0) return -ENOMEM;
    return (long)addr;
}

/* Removes [a, e) from the mappings it meets (only mmap regions: the image, heap and stack
 * stay); a mapping cut in the middle splits in two. */
long uvm_munmap(struct uvm *as, uint64_t a, uint64_t len)
{
    if ((a & (PG - 1)) || len == 0 || a >= USER_TOP || len > USER_TOP - a) return -EINVAL;
    uint64_t e = PG_UP(a + len);
    for (int i = 0; i < as->nregion; i++) {
        struct uregion *r = &as->region[i];
        if (r->kind == R_MMAP && r->start < a && r->end > e && as->nregion == NREGION)
            return -ENOMEM;         /* a split needs a free slot: check before changing */
    }
    for (int i = 0; i < as->nregion; ) {
        struct uregion *r = &as->region[i];
        if (r->kind != R_MMAP || r->start >= e || r->end <= a) {
            i++;
            continue;
        }
        uvm_unmap_pages(as, r, a, e);
        if (r->start >= a && r->end <= e) {
            *r = as->region[--as->nregion];     /* gone: look at the moved one next */
            continue;
        }
        if (r->start < a && r->end > e) {
            struct uregion *t = &as->region[as->nregion++];
            *t = *r;
            t->start = e;
            r->end = a;
        } else if (r->start < a) {
            r->end = a;
        } else {
            r->start = e;
        }
        i++;
    }
    /* Windows stay as they were: a stale window only costs a scan of absent pages. */
    return 0;
}

/* #PF: a user fault in a region is served (demand-zero, copy-on-write); anything else
 * kills the process. The kernel never faults on user memory (it goes through the direct
 * map), so a kernel-mode #PF is a kernel bug. */
static void pf_trap(struct trapframe *tf)
{
    if (!(tf->cs & 3)) trap_panic(tf);
    struct proc *p = myproc();
    uint64_t err = tf->error;
    /* Present and not a write (a fetch from NX, a reserved bit): no fix-up exists. */
    if (!((err & 1) && !(err & 2)) && !(err & 8) &&
        uvm_fault(&p->as, read_cr2(), (err & 2) != 0) == 0) {
        if (p->killed) proc_exit(128 + p->killed);
        return;
    }
    proc_fault(tf);
}

void vm_pf_init(void)
{
    trap_register(T_PF, pf_trap);
}

/* SMEP: the kernel never executes user pages; SMAP: it never reads or writes them by
 * their user address (it uses the direct map), so no stac/clac is needed anywhere. */
void vm_cpu_init(void)
{
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    if (a < 7) return;
    cpuid(7, &a, &b, &c, &d);
    uint64_t cr4 = read_cr4();
    if (b & (1u << 7)) cr4 |= CR4_SMEP;
    if (b & (1u << 20)) cr4 |= CR4_SMAP;
    write_cr4(cr4);
}
