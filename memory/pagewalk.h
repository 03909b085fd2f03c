/* Guest page-table walks: translate a guest-virtual address the way the vCPU's MMU would,
 * from its control registers, reading the tables through the checked accessor. */
#ifndef MEMORY_PAGEWALK_H
#define MEMORY_PAGEWALK_H
#include <stdbool.h>
#include <stdint.h>
#include "memory/guest_mem.h"

struct walk_regs {
    uint64_t cr0, cr3, cr4, efer;
};

struct walk_result {
    uint64_t gpa;          /* the translation of the address */
    uint64_t page_size;    /* 4 KiB, 2 MiB or 1 GiB (or 4 GiB flat when paging is off) */
    int levels;            /* entries read, from the top level down */
    uint64_t entry[4];     /* their values */
    uint64_t entry_gpa[4]; /* where each entry sits */
    bool writable, user, executable;
};

enum walk_status {
    WALK_OK = 0,
    WALK_NOT_PRESENT,      /* an entry on the way has P clear */
    WALK_BAD_TABLE,        /* a table lies outside guest RAM, or a reserved bit is set */
    WALK_NON_CANONICAL,
    WALK_UNSUPPORTED,      /* 32-bit paging or PAE without long mode, or 5-level paging */
};

/* Translate gva. Paging off: the identity (32 bits). Long mode: 4-level, 2 MiB and 1 GiB
 * pages. Fills *out as far as the walk went, also on failure. */
enum walk_status gva_walk(const struct guest_mem *m, const struct walk_regs *r, uint64_t gva,
                          struct walk_result *out);
const char *walk_status_str(enum walk_status s);

#endif
