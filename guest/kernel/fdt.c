/* A small read-only flattened-device-tree parser: one bounds-checked walk over the
 * structure block that picks out /chosen, the memory nodes, /cpus and every node with a
 * compatible property (its first reg entry and first interrupt). The blob comes from the
 * VMM, so every offset, length and string is checked against the blob before use; a
 * malformed tree is rejected as a whole. */
#include "guest/kernel/platform.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_DEPTH      8
#define MAX_DEVS       32
#define MAX_ARGS       32
#define NAME_SLOTS     64               /* a power of two */

/* Property names the kernel reads. dtc and libfdt store each name once in the strings
 * block, so after the first comparison the kind is found by the name's offset in a small
 * open-addressed table (when it is full, names are just compared again). */
enum kind { K_OTHER, K_ACELLS, K_SCELLS, K_COMPAT, K_REG, K_INTR, K_DTYPE, K_BOOTARGS,
            K_GATE, K_HOST, K_TICK, K_COMMAND, K_CONSOLE, K_MMU, K_POOL, NKINDS };
static const char *const kind_names[NKINDS] = {
    [K_ACELLS] = "#address-cells", [K_SCELLS] = "#size-cells", [K_COMPAT] = "compatible",
    [K_REG] = "reg", [K_INTR] = "interrupts", [K_DTYPE] = "device_type",
    [K_BOOTARGS] = "bootargs", [K_GATE] = "minivmm,syscall-gate", [K_HOST] = "minivmm,host",
    [K_TICK] = "minivmm,tick", [K_COMMAND] = "minivmm,command", [K_CONSOLE] = "minivmm,console",
    [K_MMU] = "minivmm,mmu", [K_POOL] = "minivmm,pt-pool",
};
static uint32_t name_off[NAME_SLOTS];     /* offset + 1; 0 = empty */
static uint8_t name_kind[NAME_SLOTS];

/* A node being walked: what its END_NODE needs, and the cells its children use. */
struct node {
    const char *name;
    const char *compat, *device_type;
    uint32_t compat_len;
    const uint8_t *reg, *intr;
    uint32_t reg_len, intr_len;
    uint32_t acells, scells;            /* #address-cells/#size-cells for the children */
    bool chosen;
};

static struct fdt_dev devs[MAX_DEVS];
static const char *dev_compat[MAX_DEVS];
static uint32_t dev_compat_len[MAX_DEVS];
static bool dev_compat_single[MAX_DEVS];   /* the list holds one string */
static int ndevs;
static const char *cmd_argv[MAX_ARGS + 1];
struct fdt_cpus fdt_cpus;

static uint32_t be32(const void *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}

/* The value of cells 32-bit cells at p (at most 2 are meaningful). */
static uint64_t cells(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v = (v << 32) | be32(p + 4 * i);
    return v;
}

/* p as a C string if the property is NUL-terminated, else NULL. */
static const char *str_prop(const uint8_t *p, uint32_t len)
{
    return len > 0 && p[len - 1] == 0 ? (const char *)p : NULL;
}

/* The node name at p (4-byte aligned, NUL-padded to 4 bytes): the token after it, or NULL
 * if the name runs past end. Four bytes per step: each kernel instruction is costly. */
static const uint8_t *skip_name(const uint8_t *p, const uint8_t *end)
{
    for (; end - p >= 4; p += 4) {
        uint32_t w;
        __builtin_memcpy(&w, p, 4);
        if ((w - 0x01010101u) & ~w & 0x80808080u)   /* some byte of w is zero */
            return p + 4;
    }
    return NULL;
}

/* True if the NUL-separated list [list, list + len) (NUL-terminated) holds s. */
static bool list_has(const char *list, uint32_t len, const char *s)
{
    const char *end = list + len;
    while (list < end) {
        const char *q = s;
        while (*list && *list == *q)
            list++, q++;
        if (*list == *q)
            return true;
        while (*list++)
            ;
    }
    return false;
}

bool fdt_has_magic(const void *blob, uint64_t len)
{
    return len >= 40 && be32(blob) == FDT_MAGIC;
}

/* The kind of the property named at strs + off. */
static enum kind prop_kind(const char *strs, uint32_t off)
{
    uint32_t slot = off & (NAME_SLOTS - 1);
    for (int probe = 0; probe < NAME_SLOTS && name_off[slot] != 0; probe++) {
        if (name_off[slot] == off + 1)
            return name_kind[slot];
        slot = (slot + 1) & (NAME_SLOTS - 1);
    }
    enum kind k = K_OTHER;
    for (int i = 1; i < NKINDS && k == K_OTHER; i++)
        if (kind_names[i][0] == strs[off] && strcmp(strs + off, kind_names[i]) == 0)
            k = i;
    if (name_off[slot] == 0) {
        name_off[slot] = off + 1;
        name_kind[slot] = k;
    }
    return k;
}

/* /chosen properties go straight into bootinfo. */
static void chosen_prop(enum kind k, const uint8_t *v, uint32_t len)
{
    if (k == K_POOL) {
        if (len == 16) {
            bootinfo.pt_pool_pa = cells(v, 2);
            bootinfo.pt_pool_size = cells(v + 8, 2);
        }
        return;
    }
    const char *s = str_prop(v, len);
    if (!s)
        return;
    if (k == K_BOOTARGS)
        bootinfo.cmdline = s;
    else if (k == K_GATE)
        bootinfo.syscall_gate = s;
    else if (k == K_HOST)
        bootinfo.host = s;
    else if (k == K_TICK)
        bootinfo.tick = s;
    else if (k == K_CONSOLE)
        bootinfo.console = s;
    else if (k == K_MMU)
        bootinfo.mmu = s;
    else if (k == K_COMMAND) {
        int n = 0;
        for (uint32_t off = 0; off < len && n < MAX_ARGS; n++) {
            cmd_argv[n] = s + off;
            off += strlen(s + off) + 1;
        }
        cmd_argv[n] = NULL;
        bootinfo.command = cmd_argv;
        bootinfo.ncommand = n;
    }
}

/* A finished node: memory and cpu nodes update the machine, others with a compatible
 * property join the device table. parent gives the cells of its reg. */
static void node_done(const struct node *n, const struct node *parent, int depth)
{
    uint32_t ac = parent->acells, sc = parent->scells, entry = 4 * (ac + sc);
    bool reg_ok = n->reg && ac >= 1 && ac <= 2 && sc <= 2 && n->reg_len >= entry;
    if (n->device_type && strcmp(n->device_type, "memory") == 0 && reg_ok && depth == 1) {
        for (uint32_t off = 0; off + entry <= n->reg_len; off += entry)
            bootinfo.ram_size += cells(n->reg + off + 4 * ac, sc);
    } else if (n->device_type && strcmp(n->device_type, "cpu") == 0 && reg_ok) {
        if (fdt_cpus.n < NCPU)
            fdt_cpus.apic_id[fdt_cpus.n++] = (uint32_t)cells(n->reg, ac);
    }
    if (!n->compat || ndevs == MAX_DEVS)
        return;
    struct fdt_dev *d = &devs[ndevs];
    dev_compat[ndevs] = n->compat;
    dev_compat_len[ndevs] = n->compat_len;
    dev_compat_single[ndevs] = strlen(n->compat) + 1 == n->compat_len;
    d->name = n->name;
    d->irq = -1;
    if (reg_ok) {
        bool isa = parent->compat && list_has(parent->compat, parent->compat_len, "isa");
        d->io = isa && ac == 2 && be32(n->reg) == 1;
        d->addr = isa && ac == 2 ? be32(n->reg + 4) : cells(n->reg, ac);
        d->size = cells(n->reg + 4 * ac, sc);
    }
    if (n->intr && n->intr_len >= 4) {
        d->irq = (int)(be32(n->intr) & 0xff);
        d->irq_flags = n->intr_len >= 8 ? be32(n->intr + 4) : 0;
    }
    ndevs++;
}

/* One property of node n (at depth). */
static void node_prop(struct node *n, int depth, enum kind k, const uint8_t *v, uint32_t len)
{
    switch (k) {
    case K_ACELLS:
        if (len == 4)
            n->acells = be32(v);
        break;
    case K_SCELLS:
        if (len == 4)
            n->scells = be32(v);
        break;
    case K_COMPAT:
        if (str_prop(v, len))
            n->compat = (const char *)v, n->compat_len = len;
        break;
    case K_REG:
        n->reg = v, n->reg_len = len;
        break;
    case K_INTR:
        n->intr = v, n->intr_len = len;
        break;
    case K_DTYPE:
        n->device_type = str_prop(v, len);
        break;
    default:
        if (depth == 1 && n->chosen)
            chosen_prop(k, v, len);
    }
}

/* Walks the structure block [p, end) with the strings block [strs, strs + slen), whose
 * last byte the caller checked is NUL (so every name in it is terminated). */
static bool walk(const uint8_t *p, const uint8_t *end, const char *strs, uint32_t slen)
{
    struct node stack[MAX_DEPTH + 1];
    int depth = -1;
    while (end - p >= 4) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const uint8_t *next = skip_name(p, end);
            if (!next || ++depth > MAX_DEPTH)
                return false;
            stack[depth] = (struct node){ .name = (const char *)p, .acells = 2, .scells = 1,
                .chosen = depth == 1 && next - p == 8 && __builtin_memcmp(p, "chosen", 7) == 0 };
            p = next;
        } else if (tok == FDT_PROP) {
            if (depth < 0 || end - p < 8)
                return false;
            uint32_t len = be32(p), off = be32(p + 4);
            p += 8;
            if (len > (uint64_t)(end - p) || off >= slen)
                return false;
            node_prop(&stack[depth], depth, prop_kind(strs, off), p, len);
            p += (len + 3) & ~3u;
        } else if (tok == FDT_END_NODE) {
            if (depth < 0)
                return false;
            if (depth > 0)
                node_done(&stack[depth], &stack[depth - 1], depth);
            depth--;
        } else if (tok == FDT_END) {
            return depth == -1;
        } else if (tok != FDT_NOP) {
            return false;
        }
    }
    return false;
}

uint64_t fdt_parse(const void *blob, uint64_t len)
{
    const uint8_t *b = blob;
    if (!fdt_has_magic(blob, len))
        return 0;
    uint32_t total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12);
    uint32_t version = be32(b + 20), size_strings = be32(b + 32), size_struct = be32(b + 36);
    if (total > len || total < 40 || version < 17 ||
        off_struct > total || size_struct > total - off_struct ||
        off_strings > total || size_strings > total - off_strings ||
        size_strings == 0 || b[off_strings + size_strings - 1] != 0 ||
        (off_struct & 3) || ((uintptr_t)b & 3))
        return 0;
    ndevs = 0;
    memset(name_off, 0, sizeof name_off);
    fdt_cpus.n = 0;
    bootinfo.ram_size = 0;
    if (!walk(b + off_struct, b + off_struct + size_struct, (const char *)b + off_strings,
              size_strings)) {
        ndevs = 0;
        fdt_cpus.n = 0;
        bootinfo.ram_size = 0;
        bootinfo.command = NULL;
        bootinfo.ncommand = 0;
        return 0;
    }
    return total;
}

/* Most nodes have one compatible string: a length check rejects most of them at once. */
bool fdt_find(const char *compat, int idx, struct fdt_dev *out)
{
    uint32_t len = strlen(compat) + 1;
    for (int i = 0; i < ndevs; i++) {
        bool match = dev_compat_single[i]
            ? dev_compat_len[i] == len && memcmp(dev_compat[i], compat, len) == 0
            : list_has(dev_compat[i], dev_compat_len[i], compat);
        if (match && idx-- == 0) {
            *out = devs[i];
            return true;
        }
    }
    return false;
}
