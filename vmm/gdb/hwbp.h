/* Hardware breakpoints and watchpoints: GDB's Z1-Z4 requests mapped onto the four x86
 * debug registers (DR0-DR3 addresses, DR7 enables, types and lengths, DR6 status). */
#ifndef VMM_GDB_HWBP_H
#define VMM_GDB_HWBP_H
#include <stdbool.h>
#include <stdint.h>

#define GDB_HWBP_SLOTS 4

/* GDB's Z packet types. */
enum gdb_ztype { Z_SW = 0, Z_HW = 1, Z_WRITE = 2, Z_READ = 3, Z_ACCESS = 4 };

struct gdb_hwbp {
    bool used;
    enum gdb_ztype type;
    uint64_t addr;
    uint64_t len;        /* 1 for Z1; 1, 2, 4 or 8 for watchpoints */
    /* A write watchpoint emulated by single-stepping (where debug registers do not see
     * the accesses of emulated instructions): the watched bytes and their last value. */
    bool emulated;
    uint64_t gpa;
    uint8_t old[8];
};

struct gdb_hwbps {
    struct gdb_hwbp slot[GDB_HWBP_SLOTS];
};

enum { GDB_HW_OK = 0, GDB_HW_INVALID = -1, GDB_HW_FULL = -2, GDB_HW_UNSUPPORTED = -3 };
/* Take a debug register for (type, addr, len). Z_READ is unsupported (x86 has no read-only
 * watch); watch lengths must be 1, 2, 4 or 8 and aligned. Inserting a duplicate is OK. */
int gdb_hwbp_insert(struct gdb_hwbps *h, enum gdb_ztype type, uint64_t addr, uint64_t len);
/* 0, or -1 if there is no such breakpoint. */
int gdb_hwbp_remove(struct gdb_hwbps *h, enum gdb_ztype type, uint64_t addr, uint64_t len);
bool gdb_hwbp_any(const struct gdb_hwbps *h);
/* The slot holding (type, addr, len), or -1. */
int gdb_hwbp_find(const struct gdb_hwbps *h, enum gdb_ztype type, uint64_t addr, uint64_t len);

/* Is any write watchpoint emulated by stepping? */
bool gdb_hwbp_any_emulated(const struct gdb_hwbps *h);
/* DR7 for the debug-register slots in use, leaving out slot `skip` (-1: none). */
uint64_t gdb_hwbp_dr7(const struct gdb_hwbps *h, int skip);
/* The lowest used slot whose B bit is set in dr6, or -1. */
int gdb_hwbp_hit(const struct gdb_hwbps *h, uint64_t dr6);
/* The execution breakpoint slot at addr, or -1. */
int gdb_hwbp_exec_at(const struct gdb_hwbps *h, uint64_t addr);

#endif
