/* libFuzzer harness for the shadow MMU (memory/shadow.c) under ASan and UBSan. Each input
 * is a small program of guest page-table writes (any entry of a 16-page pool, any width
 * and offset; table pointers, RAM frames, frames outside RAM and in the shadow region,
 * raw bytes), CR3 loads on two vCPUs and flushes, against a 12-page shadow region (so it
 * runs out). After every step, for every vCPU with a root, each address the tables can
 * reach is walked both ways: a translation the shadow makes must be the guest's own
 * (frame, size, rights), lie wholly in guest RAM or the MMIO hole, and every table the
 * hardware walks must be a shadow page. The page counts must add up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi/machine.h"
#include "memory/shadow.h"

#define RAM_SIZE   (4u << 20)
#define POOL_PAGES 16
#define POOL_GPA   (RAM_SIZE - POOL_PAGES * 4096u)
#define NTABLES    12
#define TGPA       0x100000000ULL
#define NCPUS      2

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static uint64_t region[NTABLES * 512] __attribute__((aligned(4096)));
static const struct guest_mem mem = { ram, RAM_SIZE, 0, 0 };
static const int indices[3] = { 0, 1, 511 };

struct input {
    const uint8_t *p;
    size_t left;
};

static uint64_t take(struct input *in, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        uint8_t b = 0;
        if (in->left) {
            b = *in->p++;
            in->left--;
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static int flush_ok(void *ctx) { return 0; }

/* A guest entry worth trying. */
static uint64_t entry(struct input *in)
{
    uint64_t kind = take(in, 1), k = take(in, 1), f = take(in, 2);
    uint64_t flags = (f & 0xfff) | ((f & 0x1000) ? (1ULL << 63) : 0);
    switch (kind % 5) {
    case 0: return (POOL_GPA + (k % POOL_PAGES) * 4096) | (flags & ~0x80ULL) | 1;
    case 1: return ((k % 8) * 0x200000ULL) | flags | 1;                 /* RAM, 2 MiB steps */
    case 2: return ((k % 64) * 4096ULL) | flags | 1;                    /* low RAM pages */
    case 3: {
        static const uint64_t far[] = { RAM_SIZE, TGPA, TGPA + 4096, 0xfec00000,
                                        0xc0000000, 0x40000000, 0xbfe00000, 0xfffff000 };
        return far[k % 8] | flags | 1;
    }
    default: return take(in, 8);
    }
}

static uint64_t va_of(int i4, int i3, int i2, int i1)
{
    uint64_t va = (uint64_t)i4 << 39 | (uint64_t)i3 << 30 | (uint64_t)i2 << 21 |
                  (uint64_t)i1 << 12 | 0x123;
    return (uint64_t)((int64_t)(va << 16) >> 16);
}

static void check(const struct shadow *s)
{
    if (s->st.pages != NTABLES - s->nfree - s->nquarantine)
        abort();
    for (int cpu = 0; cpu < NCPUS; cpu++) {
        if (s->root[cpu] < 0)
            continue;
        struct walk_regs r = { 0x80000011, s->guest_cr3[cpu], 0x20, 0xd00 };
        for (int a = 0; a < 81; a++) {
            uint64_t va = va_of(indices[a / 27], indices[a / 9 % 3], indices[a / 3 % 3],
                                indices[a % 3]);
            struct walk_result g, h;
            enum walk_status gs = gva_walk(&mem, &r, va, &g), hs = shadow_walk(s, cpu, va, &h);
            for (int i = 0; i < h.levels; i++)
                if (shadow_table(s, h.entry_gpa[i] & ~0xfffULL) == NULL)
                    abort();                  /* the hardware walks only shadow pages */
            if (hs != WALK_OK)
                continue;                     /* not mapped, or refused: never more access */
            uint64_t base = h.gpa & ~(h.page_size - 1), end = base + h.page_size;
            if (!(end <= RAM_SIZE || (base >= MACHINE_MMIO_BASE && end <= 0x100000000ULL)))
                abort();                      /* outside RAM, or the shadow region */
            if (gs != WALK_OK || g.gpa != h.gpa || g.page_size != h.page_size ||
                g.writable != h.writable || g.user != h.user || g.executable != h.executable)
                abort();                      /* a translation the guest does not have */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct shadow s;
    struct input in = { data, size };
    memset(ram + POOL_GPA, 0, POOL_PAGES * 4096);
    memset(region, 0, sizeof region);
    if (shadow_init(&s, &mem, POOL_GPA, POOL_PAGES * 4096, region, TGPA, NTABLES) < 0)
        abort();
    s.flush = (size & 1) ? flush_ok : NULL;
    for (int step = 0; step < 64 && in.left; step++) {
        uint64_t op = take(&in, 1), hw;
        int r = 0;
        if (op % 8 < 5) {
            uint64_t page = take(&in, 1) % POOL_PAGES, idx = indices[take(&in, 1) % 3];
            uint64_t off = take(&in, 1), len = off / 8 % 8 + 1, v = entry(&in);
            uint64_t gpa = POOL_GPA + page * 4096 + idx * 8 + off % 8;
            if (gpa + len > RAM_SIZE)
                len = RAM_SIZE - gpa;
            r = shadow_write(&s, gpa, &v, (uint32_t)len);
        } else if (op % 8 < 7) {
            uint64_t page = take(&in, 1) % (POOL_PAGES + 1);
            r = shadow_load_cr3(&s, (int)(op >> 3) % NCPUS, POOL_GPA + page * 4096, &hw);
            if (r < 0 && page < POOL_PAGES && !strstr(s.err, "out of shadow") &&
                !strstr(s.err, "lower level"))
                abort();
            if (r < 0 && page == POOL_PAGES && !strstr(s.err, "not a page"))
                abort();
            r = 0;
        } else {
            r = shadow_flush(&s);
        }
        if (r < 0)
            break;                            /* out of shadow pages: the VMM stops here */
        check(&s);
    }
    shadow_destroy(&s);
    return 0;
}
