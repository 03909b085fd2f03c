/* Guest memory as the debugger sees it: virtual addresses translated through the stopped
 * vCPU's page tables (or physical addresses, after `monitor phys on`), with software
 * breakpoints patched into guest RAM and hidden from every read. */
#ifndef VMM_GDB_MEM_H
#define VMM_GDB_MEM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "memory/pagewalk.h"

#define GDB_SWBP_MAX 64
#define GDB_INT3 0xcc

/* How addresses are read: whose page tables, or physical. */
struct gdb_view {
    const struct guest_mem *mem;
    struct walk_regs walk;
    bool phys;
};

struct gdb_swbp {
    bool used;
    bool planted;        /* int3 is in guest RAM at gpa; else deferred (paging was off) */
    uint64_t addr;       /* as GDB gave it */
    uint64_t gpa;
    uint8_t saved;       /* the guest's byte under the int3 */
};

struct gdb_swbps {
    struct gdb_swbp bp[GDB_SWBP_MAX];
};

/* The GPA of addr, and how many bytes from there on lie in the same page. With paging
 * off only 32-bit addresses exist (no truncation). 0, or -1 if unmapped. */
int gdb_translate(const struct gdb_view *v, uint64_t addr, uint64_t *gpa, uint64_t *span);

/* Read up to len bytes at addr, with planted breakpoints showing the guest's bytes. The
 * count read (a prefix: it stops at the first unmapped page), or -1 if none. */
long gdb_mem_read(const struct gdb_view *v, const struct gdb_swbps *b, uint64_t addr,
                  uint8_t *buf, size_t len);
/* Write all of buf at addr or nothing; bytes under a planted breakpoint update its saved
 * byte and the int3 stays. 0, or -1 if any byte is unmapped. */
int gdb_mem_write(const struct gdb_view *v, struct gdb_swbps *b, uint64_t addr,
                  const uint8_t *buf, size_t len);

enum { GDB_BP_OK = 0, GDB_BP_UNMAPPED = -1, GDB_BP_FULL = -2 };
/* Insert a software breakpoint at addr: plant int3, or defer it when paging is off and
 * addr does not translate yet. Inserting one that exists is OK. */
int gdb_swbp_insert(const struct gdb_view *v, struct gdb_swbps *b, uint64_t addr);
/* Remove it, restoring the guest's byte if the int3 is still there. 0, or -1 if unknown. */
int gdb_swbp_remove(const struct guest_mem *m, struct gdb_swbps *b, uint64_t addr);
void gdb_swbp_remove_all(const struct guest_mem *m, struct gdb_swbps *b);
/* Plant the deferred breakpoints that translate through v now. The number still deferred. */
int gdb_swbp_plant_deferred(const struct gdb_view *v, struct gdb_swbps *b);
/* Is there a planted breakpoint at gpa? */
bool gdb_swbp_at(const struct gdb_swbps *b, uint64_t gpa);
/* Is any breakpoint planted, or deferred? */
bool gdb_swbp_any(const struct gdb_swbps *b, bool planted);

#endif
