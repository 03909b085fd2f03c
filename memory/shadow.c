/* The shadow MMU: one shadow page per guest page-table page, kept in sync eagerly.
 *
 * The guest's page tables all live in the page-table pool, a window of its RAM that KVM
 * maps read-only: every guest write to a table exits (KVM_EXIT_MMIO with the data) and
 * arrives in shadow_write, and every CR3 load arrives through the control port in
 * shadow_load_cr3. A shadow page belongs to one pool page (1:1 by pool index) at the
 * level it was first linked at; its entry k is the guest's entry k with the next-level
 * pointer replaced by the child's shadow page. Leaves keep the guest's frame. Accessed
 * (and, in leaves, dirty) bits are set from the start: the hardware then never writes a
 * shadow entry, and the shadow region can be read-only to the guest. So after
 * every trapped write the shadow is exactly the guest's tables, and the hardware, whose
 * CR3 points at the shadow root, translates as the guest's tables say.
 *
 * What the shadow refuses to map (the entry stays not present, `refused` counts it): a
 * table pointer outside the pool, a pool page linked at a second level while the first
 * still uses it, a PS bit in a PML4 entry, and a leaf whose frames are not wholly guest
 * RAM or wholly the MMIO hole (the shadow region above 4 GiB can never be mapped). A leaf
 * may map a pool page: writes through it still exit, since the memslot is read-only.
 *
 * Lifetime: a shadow page is counted by the shadow entries that point at it and by the
 * vCPUs whose root it is. A table whose count drops to zero is freed with its links; a
 * root whose count drops to zero stays, a cache for the next CR3 load of that PML4, until
 * the region runs out: then every unused root is freed (collect) and the allocation
 * retried. Levels strictly decrease down a link, so there are no cycles to leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi/machine.h"
#include "memory/shadow.h"

#define PAGE        4096ULL
#define ENTRIES     512
#define PTE_P       (1ULL << 0)
#define PTE_PS      (1ULL << 7)
#define PTE_A       (1ULL << 5)
#define PTE_D       (1ULL << 6)
#define PTE_AD      (PTE_A | PTE_D)
#define ADDR_MASK   0x000ffffffffff000ULL
#define MMIO_END    0x100000000ULL

#define NO_ROOM     (-1)
#define CONFLICT    (-2)

static uint64_t *table(const struct shadow *s, int32_t c)
{
    return (uint64_t *)(s->table_hva + (uint64_t)c * PAGE);
}

static uint64_t table_gpa(const struct shadow *s, int32_t c)
{
    return s->table_gpa + (uint64_t)c * PAGE;
}

static const uint64_t *guest_table(const struct shadow *s, uint32_t pool)
{
    return gpa_ptr(s->ram, s->pool_gpa + (uint64_t)pool * PAGE, PAGE);
}

bool shadow_in_pool(const struct shadow *s, uint64_t gpa)
{
    return gpa >= s->pool_gpa && gpa - s->pool_gpa < s->pool_pages * PAGE;
}

/* The shadow page a present, non-leaf shadow entry at level points to, or -1. */
static int32_t link_of(const struct shadow *s, uint64_t e, int level)
{
    if (!(e & PTE_P) || level == 1 || (level < 4 && (e & PTE_PS)))
        return -1;
    uint64_t c = ((e & ADDR_MASK) - s->table_gpa) / PAGE;
    return c < s->ntables ? (int32_t)c : -1;    /* only we write them; checked anyway */
}

/* A leaf's frames [base, base + size): all RAM, or all the MMIO hole below 4 GiB. */
static bool frames_ok(const struct shadow *s, uint64_t base, uint64_t size)
{
    if (base + size <= s->ram->size)
        return true;
    return base >= MACHINE_MMIO_BASE && base + size <= MMIO_END;
}

static void unref(struct shadow *s, int32_t c);
static int32_t link(struct shadow *s, uint32_t pool, int level);

static void free_page(struct shadow *s, int32_t c)
{
    struct shadow_page *p = &s->sp[c];
    uint64_t *t = table(s, c);
    int level = p->level;
    p->level = 0;                     /* first: a link back here is refused, not followed */
    s->stale = true;
    for (int k = 0; k < ENTRIES; k++) {
        int32_t child = link_of(s, t[k], level);
        t[k] = 0;
        if (child >= 0)
            unref(s, child);
    }
    s->shadow_of[p->pool] = -1;
    if (level == 4)
        s->st.roots--;
    if (s->flush)
        s->quarantine[s->nquarantine++] = (uint32_t)c;
    else
        s->free_list[s->nfree++] = (uint32_t)c;
    s->st.pages--;
}

/* One reference fewer: tables go at zero, roots stay cached. */
static void unref(struct shadow *s, int32_t c)
{
    if (--s->sp[c].refs == 0 && s->sp[c].level != 4)
        free_page(s, c);
}

/* Free every root no vCPU uses (and what only they reach). */
static void collect(struct shadow *s)
{
    for (uint32_t c = 0; c < s->ntables; c++)
        if (s->sp[c].level == 4 && s->sp[c].refs == 0)
            free_page(s, (int32_t)c);
    s->st.collections++;
}

int shadow_flush(struct shadow *s)
{
    s->stale = false;
    if (s->flush == NULL)
        return 0;
    s->st.resyncs++;
    if (s->flush(s->flush_ctx) < 0)
        return -1;
    while (s->nquarantine > 0)
        s->free_list[s->nfree++] = s->quarantine[--s->nquarantine];
    return 0;
}

static int32_t alloc_page(struct shadow *s)
{
    if (s->nfree == 0 && s->nquarantine > 0 && shadow_flush(s) < 0)
        return NO_ROOM;
    if (s->nfree == 0) {
        collect(s);
        if (s->nquarantine > 0 && shadow_flush(s) < 0)
            return NO_ROOM;
    }
    if (s->nfree == 0)
        return NO_ROOM;
    int32_t c = (int32_t)s->free_list[--s->nfree];
    memset(table(s, c), 0, PAGE);
    if (++s->st.pages > s->st.pages_max)
        s->st.pages_max = s->st.pages;
    return c;
}

/* The shadow of guest entry g of a table at level, linking (and building) the child
 * table it names. NO_ROOM if the region is full; refusals give a not-present entry. */
static int shadow_entry(struct shadow *s, int level, uint64_t g, uint64_t *out)
{
    *out = 0;
    if (!(g & PTE_P))
        return 0;
    if (level == 1 || (level < 4 && (g & PTE_PS))) {
        uint64_t size = 1ULL << (12 + 9 * (level - 1));
        if (!frames_ok(s, g & ADDR_MASK & ~(size - 1), size)) {
            s->st.refused++;
            return 0;
        }
        *out = g | PTE_A | PTE_D;
        return 0;
    }
    uint64_t child = g & ADDR_MASK;
    if ((level == 4 && (g & PTE_PS)) || !shadow_in_pool(s, child)) {
        s->st.refused++;
        return 0;
    }
    int32_t c = link(s, (uint32_t)((child - s->pool_gpa) / PAGE), level - 1);
    if (c == CONFLICT) {
        s->st.refused++;
        return 0;
    }
    if (c < 0)
        return NO_ROOM;
    *out = (g & ~ADDR_MASK) | table_gpa(s, c) | PTE_A;
    return 0;
}

/* Recompute entry k of shadow page c from the guest's table. */
static int update_entry(struct shadow *s, int32_t c, int k)
{
    int level = s->sp[c].level;
    uint64_t *t = table(s, c), e;
    if (shadow_entry(s, level, guest_table(s, s->sp[c].pool)[k], &e) < 0)
        return NO_ROOM;
    int32_t old = link_of(s, t[k], level);
    if ((t[k] & PTE_P) && ((t[k] ^ e) & ~PTE_AD))    /* A/D: set by the hardware */
        s->stale = true;
    t[k] = e;
    if (old >= 0)
        unref(s, old);                /* after the new link: the same child stays */
    return 0;
}

/* A reference to the shadow of pool page `pool` at level, built if there is none.
 * CONFLICT if that page's shadow is in use at another level. */
static int32_t link(struct shadow *s, uint32_t pool, int level)
{
    int32_t c = s->shadow_of[pool];
    if (c >= 0) {
        if (s->sp[c].level == level) {
            s->sp[c].refs++;
            return c;
        }
        if (s->sp[c].refs != 0)
            return CONFLICT;
        free_page(s, c);              /* an unused cached root, now wanted lower down */
    }
    if ((c = alloc_page(s)) < 0)
        return c;
    s->sp[c] = (struct shadow_page){ .pool = pool, .level = (int8_t)level, .refs = 1 };
    s->shadow_of[pool] = c;
    if (level == 4)
        s->st.roots++;
    for (int k = 0; k < ENTRIES; k++)
        if (update_entry(s, c, k) < 0)
            return NO_ROOM;
    return c;
}

static int fail(struct shadow *s, const char *fmt, unsigned long long a)
{
    snprintf(s->err, sizeof s->err, fmt, a);
    return -1;
}

int shadow_init(struct shadow *s, const struct guest_mem *ram, uint64_t pool_gpa,
                uint64_t pool_size, void *table_hva, uint64_t table_gpa, uint32_t ntables)
{
    memset(s, 0, sizeof *s);
    s->ram = ram;
    if ((pool_gpa | pool_size | table_gpa) & (PAGE - 1) || pool_size == 0 ||
        gpa_ptr(ram, pool_gpa, pool_size) == NULL || table_hva == NULL || ntables == 0 ||
        table_gpa < MMIO_END)
        return fail(s, "shadow: bad pool or shadow region%.0llu", 0);
    s->pool_gpa = pool_gpa;
    s->pool_pages = pool_size / PAGE;
    s->table_hva = table_hva;
    s->table_gpa = table_gpa;
    s->ntables = ntables;
    s->shadow_of = malloc(s->pool_pages * sizeof *s->shadow_of);
    s->sp = calloc(ntables, sizeof *s->sp);
    s->free_list = malloc(ntables * sizeof *s->free_list);
    s->quarantine = malloc(ntables * sizeof *s->quarantine);
    if (!s->shadow_of || !s->sp || !s->free_list || !s->quarantine) {
        shadow_destroy(s);
        return fail(s, "shadow: out of memory%.0llu", 0);
    }
    for (uint64_t i = 0; i < s->pool_pages; i++)
        s->shadow_of[i] = -1;
    for (uint32_t i = 0; i < ntables; i++)
        s->free_list[i] = ntables - 1 - i;     /* page 0 first */
    s->nfree = ntables;
    for (int i = 0; i < SHADOW_MAX_CPUS; i++)
        s->root[i] = -1;
    return 0;
}

void shadow_destroy(struct shadow *s)
{
    free(s->shadow_of);
    free(s->sp);
    free(s->free_list);
    free(s->quarantine);
    s->quarantine = NULL;
    s->shadow_of = NULL;
    s->sp = NULL;
    s->free_list = NULL;
}

int shadow_write(struct shadow *s, uint64_t gpa, const void *data, uint32_t len)
{
    const uint8_t *d = data;
    if (len == 0 || len > 8)
        return fail(s, "shadow: a page-table write of %llu bytes", len);
    for (uint32_t i = 0; i < len; i++)
        if (shadow_in_pool(s, gpa + i))
            *(uint8_t *)gpa_ptr(s->ram, gpa + i, 1) = d[i];
    s->st.pte_writes++;
    /* The entries touched: one, or two when the bytes straddle an 8-byte boundary. */
    for (uint64_t e = gpa & ~7ULL; e < gpa + len; e += 8) {
        if (!shadow_in_pool(s, e))
            continue;
        uint64_t pool = (e - s->pool_gpa) / PAGE;
        int32_t c = s->shadow_of[pool];
        if (c < 0)
            continue;                  /* not (yet) a table: nothing to update */
        s->sp[c].refs++;               /* pinned: a collect must not free it under us */
        int r = update_entry(s, c, (int)((e & (PAGE - 1)) / 8));
        s->sp[c].refs--;
        if (r < 0)
            return fail(s, "shadow: out of shadow pages (%llu) updating a page table",
                        s->ntables);
    }
    return 0;
}

int shadow_load_cr3(struct shadow *s, int cpu, uint64_t cr3, uint64_t *hw_cr3)
{
    uint64_t pa = cr3 & ADDR_MASK;
    if (cpu < 0 || cpu >= SHADOW_MAX_CPUS)
        return fail(s, "shadow: vCPU %llu out of range", (unsigned long long)cpu);
    if (!shadow_in_pool(s, pa))
        return fail(s, "CR3 0x%llx is not a page of the page-table pool", pa);
    /* The old root first: unused, it may make room (a root stays cached at zero). */
    if (s->root[cpu] >= 0)
        unref(s, s->root[cpu]);
    s->root[cpu] = -1;
    int32_t c = link(s, (uint32_t)((pa - s->pool_gpa) / PAGE), 4);
    if (c == CONFLICT)
        return fail(s, "CR3 0x%llx is a page table in use at a lower level", pa);
    if (c < 0)
        return fail(s, "shadow: out of shadow pages (%llu) building a root", s->ntables);
    s->root[cpu] = c;
    s->guest_cr3[cpu] = cr3;
    s->st.cr3_loads++;
    *hw_cr3 = table_gpa(s, c) | (cr3 & (PAGE - 1));
    return 0;
}

const uint64_t *shadow_table(const struct shadow *s, uint64_t gpa)
{
    if (gpa < s->table_gpa || (gpa - s->table_gpa) / PAGE >= s->ntables)
        return NULL;
    return table(s, (int32_t)((gpa - s->table_gpa) / PAGE));
}

enum walk_status shadow_walk(const struct shadow *s, int cpu, uint64_t va,
                             struct walk_result *out)
{
    memset(out, 0, sizeof *out);
    if (cpu < 0 || cpu >= SHADOW_MAX_CPUS || s->root[cpu] < 0)
        return WALK_UNSUPPORTED;
    if ((uint64_t)((int64_t)(va << 16) >> 16) != va)
        return WALK_NON_CANONICAL;
    uint64_t tgpa = table_gpa(s, s->root[cpu]);
    bool w = true, u = true, x = true;
    for (int level = 4; level >= 1; level--) {
        int shift = 12 + 9 * (level - 1);
        const uint64_t *t = shadow_table(s, tgpa);
        if (t == NULL)
            return WALK_BAD_TABLE;
        uint64_t e = t[(va >> shift) & 511];
        out->entry[out->levels] = e;
        out->entry_gpa[out->levels] = tgpa + ((va >> shift) & 511) * 8;
        out->levels++;
        if (!(e & PTE_P))
            return WALK_NOT_PRESENT;
        w &= !!(e & 2);
        u &= !!(e & 4);
        x &= !(e >> 63);
        if (level == 1 || (level < 4 && (e & PTE_PS))) {
            uint64_t size = 1ULL << shift;
            out->page_size = size;
            out->gpa = (e & ADDR_MASK & ~(size - 1)) | (va & (size - 1));
            out->writable = w;
            out->user = u;
            out->executable = x;
            return WALK_OK;
        }
        tgpa = e & ADDR_MASK;
    }
    return WALK_BAD_TABLE;
}
