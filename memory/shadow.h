/* The shadow MMU (--mmu shadow, docs/paging.md): page tables the hardware walks in place of
 * the guest's own. Pure: it reads and writes guest RAM and the shadow region through host
 * pointers and makes no KVM call (vmm/mmu.c wires it to the vCPUs). Not thread-safe: the
 * caller holds one lock around every call. */
#ifndef MEMORY_SHADOW_H
#define MEMORY_SHADOW_H
#include <stdbool.h>
#include <stdint.h>
#include "memory/guest_mem.h"
#include "memory/pagewalk.h"

#define SHADOW_MAX_CPUS 64
#define SHADOW_ERR_MAX  160

struct shadow_stats {
    uint64_t pte_writes;     /* trapped guest writes applied */
    uint64_t cr3_loads;      /* CTL_CR3 loads */
    uint64_t pages;          /* shadow pages live now */
    uint64_t pages_max;      /* the most ever live at once */
    uint64_t roots;          /* PML4 shadows live now (current or cached) */
    uint64_t refused;        /* guest entries the shadow would not map */
    uint64_t collections;    /* times the cache of unused roots was emptied for room */
    uint64_t resyncs;        /* times the caller flushed a host shadow MMU's cache (stale) */
};

/* One shadow page: the shadow of one pool page at one level. */
struct shadow_page {
    uint32_t pool;           /* index of the guest table page in the pool */
    int8_t level;            /* 4 = PML4 ... 1 = PT; 0 = free */
    uint32_t refs;           /* parent entries pointing here + vCPUs with it as root */
};

struct shadow {
    const struct guest_mem *ram;     /* guest RAM: the guest's tables are read and written here */
    uint64_t pool_gpa, pool_pages;   /* the page-table pool, a window of RAM */
    uint8_t *table_hva;              /* the shadow region: shadow pages, host mapping ... */
    uint64_t table_gpa;              /* ... and its GPA (above 4 GiB, never in the guest's tree) */
    uint32_t ntables;                /* its size in pages */
    int32_t *shadow_of;              /* per pool page: its shadow page, or -1 */
    struct shadow_page *sp;          /* per shadow page */
    uint32_t *free_list, nfree;
    uint32_t *quarantine, nquarantine;   /* freed, not reusable before the next flush */
    int32_t root[SHADOW_MAX_CPUS];   /* per vCPU: its current root shadow page, or -1 */
    uint64_t guest_cr3[SHADOW_MAX_CPUS];   /* per vCPU: the CR3 the guest asked for (0: none) */
    /* A cache of the shadow tables that the caller must flush: the host KVM's own shadow
     * of them, where it has one (NULL: none). With it, `stale` says a present entry
     * changed since the last flush, and freed shadow pages wait in quarantine until a
     * flush (a cached copy of a freed page must not outlive its reuse). */
    int (*flush)(void *ctx);
    void *flush_ctx;
    bool stale;
    struct shadow_stats st;
    char err[SHADOW_ERR_MAX];        /* why the last call failed */
};

/* Set up over guest RAM `ram` with the pool [pool_gpa, +pool_size) (4 KiB aligned, inside
 * RAM) and a shadow region of ntables pages at table_hva (zeroed by the caller), which the
 * hardware sees at table_gpa. 0, or -1 (bad arguments or no memory; s->err). */
int shadow_init(struct shadow *s, const struct guest_mem *ram, uint64_t pool_gpa,
                uint64_t pool_size, void *table_hva, uint64_t table_gpa, uint32_t ntables);
void shadow_destroy(struct shadow *s);

bool shadow_in_pool(const struct shadow *s, uint64_t gpa);

/* The guest wrote len (1-8) bytes at gpa (bytes outside the pool are ignored): apply them
 * to guest RAM and bring every shadow entry they touch up to date. 0, or -1 when the
 * shadow region is full even after emptying the cache (s->err). */
int shadow_write(struct shadow *s, uint64_t gpa, const void *data, uint32_t len);

/* vCPU cpu loads guest CR3 value cr3: find or build the shadow of that PML4 and give the
 * value the hardware's CR3 must take in *hw_cr3. 0, or -1 (not a pool page, a page
 * already in use at another level, or out of shadow pages; s->err). */
int shadow_load_cr3(struct shadow *s, int cpu, uint64_t cr3, uint64_t *hw_cr3);

/* Walk va through the shadow root of vCPU cpu as the hardware does (the fields of
 * struct walk_result; entry_gpa of the shadow levels are shadow-region GPAs).
 * WALK_UNSUPPORTED if that vCPU has no shadow root. */
enum walk_status shadow_walk(const struct shadow *s, int cpu, uint64_t va,
                             struct walk_result *out);

/* Flush the cache (s->flush), clear `stale`, release the quarantine. 0, or -1. */
int shadow_flush(struct shadow *s);

/* The shadow page at a shadow-region GPA, or NULL. For tests and the debugger. */
const uint64_t *shadow_table(const struct shadow *s, uint64_t gpa);

#endif
