/* The debugger's view of guest memory: every address goes through the one page walker
 * (memory/pagewalk.h) and the one checked accessor (gpa_ptr), page by page; software
 * breakpoints are int3 bytes in guest RAM, remembered by GPA so that reads through any
 * mapping of the page show the guest's own byte. */
#include <string.h>
#include "vmm/gdb/mem.h"

#define CR0_PG (1ULL << 31)

int gdb_translate(const struct gdb_view *v, uint64_t addr, uint64_t *gpa, uint64_t *span)
{
    uint64_t page = 4096;
    if (v->phys) {
        *gpa = addr;
    } else {
        if (!(v->walk.cr0 & CR0_PG) && addr > 0xffffffffULL)
            return -1;
        struct walk_result w;
        if (gva_walk(v->mem, &v->walk, addr, &w) != WALK_OK)
            return -1;
        *gpa = w.gpa;
        page = w.page_size;
    }
    if (!gpa_ptr(v->mem, *gpa, 1))
        return -1;
    *span = page - (addr & (page - 1));
    return 0;
}

/* Put the guest's own bytes back where breakpoints cover [gpa, gpa + n) of buf. */
static void hide(const struct gdb_swbps *b, uint64_t gpa, uint8_t *buf, uint64_t n)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++) {
        const struct gdb_swbp *p = &b->bp[i];
        if (p->used && p->planted && p->gpa >= gpa && p->gpa - gpa < n)
            buf[p->gpa - gpa] = p->saved;
    }
}

long gdb_mem_read(const struct gdb_view *v, const struct gdb_swbps *b, uint64_t addr,
                  uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        uint64_t gpa, span;
        if (gdb_translate(v, addr + done, &gpa, &span) < 0)
            break;
        uint64_t n = len - done < span ? len - done : span;
        uint64_t avail = v->mem->size - gpa;
        if (n > avail)
            n = avail;
        if (gpa_read(v->mem, gpa, buf + done, n) < 0)
            break;
        hide(b, gpa, buf + done, n);
        done += n;
    }
    return done ? (long)done : -1;
}

/* Where a planted breakpoint covers gpa, keep the new byte as its saved byte, and
 * leave int3 in the buffer that is about to be written. */
static void keep_planted(struct gdb_swbps *b, uint64_t gpa, uint8_t *buf, uint64_t n)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++) {
        struct gdb_swbp *p = &b->bp[i];
        if (p->used && p->planted && p->gpa >= gpa && p->gpa - gpa < n) {
            p->saved = buf[p->gpa - gpa];
            buf[p->gpa - gpa] = GDB_INT3;
        }
    }
}

int gdb_mem_write(const struct gdb_view *v, struct gdb_swbps *b, uint64_t addr,
                  const uint8_t *buf, size_t len)
{
    /* Check every page first: a write is all or nothing. */
    for (size_t done = 0; done < len;) {
        uint64_t gpa, span;
        if (gdb_translate(v, addr + done, &gpa, &span) < 0)
            return -1;
        uint64_t n = len - done < span ? len - done : span;
        if (!gpa_ptr(v->mem, gpa, n))
            return -1;
        done += n;
    }
    for (size_t done = 0; done < len;) {
        uint64_t gpa, span;
        uint8_t chunk[4096];
        gdb_translate(v, addr + done, &gpa, &span);
        uint64_t n = len - done < span ? len - done : span;
        if (n > sizeof chunk)
            n = sizeof chunk;
        memcpy(chunk, buf + done, n);
        keep_planted(b, gpa, chunk, n);
        gpa_write(v->mem, gpa, chunk, n);
        done += n;
    }
    return 0;
}

static struct gdb_swbp *find(struct gdb_swbps *b, uint64_t addr)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++)
        if (b->bp[i].used && b->bp[i].addr == addr)
            return &b->bp[i];
    return NULL;
}

/* Another planted breakpoint than `self` at gpa (two addresses can map one byte). */
static struct gdb_swbp *planted_at(struct gdb_swbps *b, uint64_t gpa, const struct gdb_swbp *self)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++)
        if (&b->bp[i] != self && b->bp[i].used && b->bp[i].planted && b->bp[i].gpa == gpa)
            return &b->bp[i];
    return NULL;
}

/* Write int3 at p's address if it translates now. */
static int plant(const struct gdb_view *v, struct gdb_swbps *b, struct gdb_swbp *p)
{
    uint64_t gpa, span;
    uint8_t int3 = GDB_INT3;
    if (gdb_translate(v, p->addr, &gpa, &span) < 0)
        return -1;
    struct gdb_swbp *other = planted_at(b, gpa, p);
    if (other)
        p->saved = other->saved;
    else if (gpa_read(v->mem, gpa, &p->saved, 1) < 0 || gpa_write(v->mem, gpa, &int3, 1) < 0)
        return -1;
    p->gpa = gpa;
    p->planted = true;
    return 0;
}

int gdb_swbp_insert(const struct gdb_view *v, struct gdb_swbps *b, uint64_t addr)
{
    if (find(b, addr))
        return GDB_BP_OK;
    struct gdb_swbp *p = NULL;
    for (int i = 0; i < GDB_SWBP_MAX && !p; i++)
        if (!b->bp[i].used)
            p = &b->bp[i];
    if (!p)
        return GDB_BP_FULL;
    *p = (struct gdb_swbp){ .addr = addr };
    if (plant(v, b, p) == 0) {
        p->used = true;
        return GDB_BP_OK;
    }
    /* Before the kernel turns paging on, its addresses do not translate yet. */
    if (!v->phys && !(v->walk.cr0 & CR0_PG)) {
        p->used = true;
        return GDB_BP_OK;
    }
    return GDB_BP_UNMAPPED;
}

int gdb_swbp_remove(const struct guest_mem *m, struct gdb_swbps *b, uint64_t addr)
{
    struct gdb_swbp *p = find(b, addr);
    if (!p)
        return -1;
    uint8_t cur;
    if (p->planted && !planted_at(b, p->gpa, p) && gpa_read(m, p->gpa, &cur, 1) == 0 &&
        cur == GDB_INT3)
        gpa_write(m, p->gpa, &p->saved, 1);
    p->used = p->planted = false;
    return 0;
}

void gdb_swbp_remove_all(const struct guest_mem *m, struct gdb_swbps *b)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++)
        if (b->bp[i].used)
            gdb_swbp_remove(m, b, b->bp[i].addr);
}

int gdb_swbp_plant_deferred(const struct gdb_view *v, struct gdb_swbps *b)
{
    int left = 0;
    for (int i = 0; i < GDB_SWBP_MAX; i++) {
        struct gdb_swbp *p = &b->bp[i];
        if (p->used && !p->planted && plant(v, b, p) < 0)
            left++;
    }
    return left;
}

bool gdb_swbp_at(const struct gdb_swbps *b, uint64_t gpa)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++)
        if (b->bp[i].used && b->bp[i].planted && b->bp[i].gpa == gpa)
            return true;
    return false;
}

bool gdb_swbp_any(const struct gdb_swbps *b, bool planted)
{
    for (int i = 0; i < GDB_SWBP_MAX; i++)
        if (b->bp[i].used && b->bp[i].planted == planted)
            return true;
    return false;
}
