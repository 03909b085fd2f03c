/* The four x86 debug registers as a slot table: DR7 encodes per slot an enable bit, the
 * access type (00 execute, 01 write, 11 read or write) and the length (00 1 byte, 01 2,
 * 11 4, 10 8); DR6's low four bits say which slot fired. */
#include "vmm/gdb/hwbp.h"

#define DR7_LE (1ULL << 8)
#define DR7_GE (1ULL << 9)

static bool same(const struct gdb_hwbp *s, enum gdb_ztype type, uint64_t addr, uint64_t len)
{
    return s->used && s->type == type && s->addr == addr && s->len == len;
}

int gdb_hwbp_insert(struct gdb_hwbps *h, enum gdb_ztype type, uint64_t addr, uint64_t len)
{
    if (type == Z_READ)
        return GDB_HW_UNSUPPORTED;
    if (type != Z_HW && type != Z_WRITE && type != Z_ACCESS)
        return GDB_HW_INVALID;
    if (type == Z_HW)
        len = 1;                     /* the kind of Z1 is the instruction size: DR7 wants 1 */
    else if ((len != 1 && len != 2 && len != 4 && len != 8) || (addr & (len - 1)))
        return GDB_HW_INVALID;
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (same(&h->slot[i], type, addr, len))
            return GDB_HW_OK;
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (!h->slot[i].used) {
            h->slot[i] = (struct gdb_hwbp){ .used = true, .type = type, .addr = addr, .len = len };
            return GDB_HW_OK;
        }
    return GDB_HW_FULL;
}

int gdb_hwbp_remove(struct gdb_hwbps *h, enum gdb_ztype type, uint64_t addr, uint64_t len)
{
    if (type == Z_HW)
        len = 1;
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (same(&h->slot[i], type, addr, len)) {
            h->slot[i].used = false;
            return 0;
        }
    return -1;
}

int gdb_hwbp_find(const struct gdb_hwbps *h, enum gdb_ztype type, uint64_t addr, uint64_t len)
{
    if (type == Z_HW)
        len = 1;
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (same(&h->slot[i], type, addr, len))
            return i;
    return -1;
}

bool gdb_hwbp_any(const struct gdb_hwbps *h)
{
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (h->slot[i].used)
            return true;
    return false;
}

bool gdb_hwbp_any_emulated(const struct gdb_hwbps *h)
{
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (h->slot[i].used && h->slot[i].emulated)
            return true;
    return false;
}

uint64_t gdb_hwbp_dr7(const struct gdb_hwbps *h, int skip)
{
    uint64_t dr7 = 0;
    for (int i = 0; i < GDB_HWBP_SLOTS; i++) {
        const struct gdb_hwbp *s = &h->slot[i];
        if (!s->used || s->emulated || i == skip)
            continue;
        uint64_t rw = s->type == Z_HW ? 0 : s->type == Z_WRITE ? 1 : 3;
        uint64_t ln = s->len == 1 ? 0 : s->len == 2 ? 1 : s->len == 8 ? 2 : 3;
        dr7 |= 2ULL << (2 * i);                 /* G: global enable */
        dr7 |= (rw | ln << 2) << (16 + 4 * i);
    }
    if (dr7)
        dr7 |= DR7_GE | DR7_LE;
    return dr7;
}

int gdb_hwbp_hit(const struct gdb_hwbps *h, uint64_t dr6)
{
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (h->slot[i].used && !h->slot[i].emulated && (dr6 & (1ULL << i)))
            return i;
    return -1;
}

int gdb_hwbp_exec_at(const struct gdb_hwbps *h, uint64_t addr)
{
    for (int i = 0; i < GDB_HWBP_SLOTS; i++)
        if (h->slot[i].used && h->slot[i].type == Z_HW && h->slot[i].addr == addr)
            return i;
    return -1;
}
