/* --mmu: which MMU translates the guest's addresses. "direct": the hardware walks the
 * guest's own page tables (through EPT/NPT, or KVM's shadow MMU). "shadow": the VMM's
 * shadow MMU (memory/shadow.c), wired here to KVM: the page-table pool as a read-only
 * memslot, the shadow region as a memslot of its own, the exit hooks that take the
 * guest's table writes and CR3 loads, and the vCPUs' real CR3 (docs/paging.md). */
#ifndef VMM_MMU_H
#define VMM_MMU_H
#include <stdbool.h>
#include <stdint.h>
#include "memory/pagewalk.h"

struct vm;
struct json;
struct machine_desc;

/* Before guest_mem_map: "direct" or "shadow" (anything else: usage error). With shadow,
 * the top of RAM becomes the read-only page-table pool. */
void mmu_plan(struct vm *vm, const char *mode);
/* After guest_mem_map, before the vCPUs run: the shadow region and the hooks. */
void mmu_start(struct vm *vm);
/* What the device tree says about the MMU (d->mmu, the pool). */
void mmu_describe(const struct vm *vm, struct machine_desc *d);
/* The "mmu" member of --stats. */
void mmu_stats_json(struct vm *vm, struct json *j);
/* Shadow mode only (false otherwise): the CR3 the guest last loaded on vCPU cpu, and the
 * walk of va through that vCPU's shadow root. */
bool mmu_guest_cr3(const struct vm *vm, int cpu, uint64_t *cr3);
bool mmu_shadow_walk(const struct vm *vm, int cpu, uint64_t va, struct walk_result *out,
                     enum walk_status *status);

#endif
