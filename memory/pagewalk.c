/* Guest page-table walks for long mode (4-level paging), as the MMU does them. */
#include <string.h>
#include "memory/pagewalk.h"

#define CR0_PG      (1ULL << 31)
#define CR4_PAE     (1ULL << 5)
#define CR4_LA57    (1ULL << 12)
#define EFER_LMA    (1ULL << 10)
#define EFER_NXE    (1ULL << 11)
#define PTE_P       (1ULL << 0)
#define PTE_W       (1ULL << 1)
#define PTE_U       (1ULL << 2)
#define PTE_PS      (1ULL << 7)
#define PTE_NX      (1ULL << 63)
#define ADDR_MASK   0x000ffffffffff000ULL

enum walk_status gva_walk(const struct guest_mem *m, const struct walk_regs *r, uint64_t gva,
                          struct walk_result *out)
{
    memset(out, 0, sizeof *out);
    if (!(r->cr0 & CR0_PG)) {
        out->gpa = gva & 0xffffffffULL;
        out->page_size = 1ULL << 32;
        out->writable = out->user = out->executable = true;
        return WALK_OK;
    }
    if (!(r->efer & EFER_LMA) || !(r->cr4 & CR4_PAE) || (r->cr4 & CR4_LA57))
        return WALK_UNSUPPORTED;
    /* Bits 63:48 must copy bit 47. */
    if ((uint64_t)((int64_t)(gva << 16) >> 16) != gva)
        return WALK_NON_CANONICAL;

    uint64_t table = r->cr3 & ADDR_MASK;
    bool writable = true, user = true, executable = true;
    for (int level = 3; level >= 0; level--) {
        int shift = 12 + 9 * level;
        uint64_t entry_gpa = table + ((gva >> shift) & 511) * 8;
        uint64_t entry;
        if (gpa_read(m, entry_gpa, &entry, sizeof entry) < 0)
            return WALK_BAD_TABLE;
        out->entry[out->levels] = entry;
        out->entry_gpa[out->levels] = entry_gpa;
        out->levels++;
        if (!(entry & PTE_P))
            return WALK_NOT_PRESENT;
        writable &= !!(entry & PTE_W);
        user &= !!(entry & PTE_U);
        if (r->efer & EFER_NXE)
            executable &= !(entry & PTE_NX);
        bool leaf = level == 0 || ((entry & PTE_PS) && level <= 2);
        if ((entry & PTE_PS) && level == 3)
            return WALK_BAD_TABLE;          /* PS is reserved in a PML4 entry */
        if (leaf) {
            uint64_t size = 1ULL << shift;
            out->page_size = size;
            out->gpa = (entry & ADDR_MASK & ~(size - 1)) | (gva & (size - 1));
            out->writable = writable;
            out->user = user;
            out->executable = executable;
            return WALK_OK;
        }
        table = entry & ADDR_MASK;
    }
    return WALK_BAD_TABLE;  /* not reached */
}

const char *walk_status_str(enum walk_status s)
{
    switch (s) {
    case WALK_OK: return "mapped";
    case WALK_NOT_PRESENT: return "not present";
    case WALK_BAD_TABLE: return "page table outside guest RAM or malformed";
    case WALK_NON_CANONICAL: return "non-canonical address";
    case WALK_UNSUPPORTED: return "paging mode not supported (only long-mode 4-level paging)";
    }
    return "?";
}
