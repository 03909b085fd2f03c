/* vmm/mmu.c for unit tests of code that asks about the shadow MMU: a VM in direct mode. */
#include "vmm/mmu.h"

bool mmu_guest_cr3(const struct vm *vm, int cpu, uint64_t *cr3)
{
    return false;
}

bool mmu_shadow_walk(const struct vm *vm, int cpu, uint64_t va, struct walk_result *out,
                     enum walk_status *status)
{
    return false;
}
