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

/* A node being walked: what its END_NODE needs, and the cells its children use. */
struct node {
    const char *name;
    const char *compat, *device_type;
    uint32_t compat_len;
    const uint8_t *reg, *intr;
    uint32_t reg_len, intr_len;
    uint32_t acells, scells;            /* #address-cells/#size-cells for the children */
};

static struct fdt_dev devs[MAX_DEVS];
static const char *dev_compat[MAX_DEVS];
static uint32_t dev_compat_len[MAX_DEVS];
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

/* Length of the NUL-terminated string at p within [p, end), or -1 if it runs over. */
static int64_t bounded_strlen(const uint8_t *p, const uint8_t *end)
{
    for (const uint8_t *q = p; q < end; q++)
        if (*q == 0)
            return q - p;
    return -1;
}

static bool list_has(const char *list, uint32_t len, const char *s)
{
    for (uint32_t off = 0; off < len;) {
        const char *e = list + off;
        if (strcmp(e, s) == 0)
            return true;
        off += strlen(e) + 1;
    }
    return false;
}

bool fdt_has_magic(const void *blob, uint64_t len)
{
    return len >= 40 && be32(blob) == FDT_MAGIC;
}

/* /chosen properties go straight into bootinfo. */
static void chosen_prop(const char *name, const uint8_t *v, uint32_t len)
{
    const char *s = str_prop(v, len);
    if (!s)
        return;
    if (strcmp(name, "bootargs") == 0)
        bootinfo.cmdline = s;
    else if (strcmp(name, "minivmm,syscall-gate") == 0)
        bootinfo.syscall_gate = s;
    else if (strcmp(name, "minivmm,host") == 0)
        bootinfo.host = s;
    else if (strcmp(name, "minivmm,tick") == 0)
        bootinfo.tick = s;
    else if (strcmp(name, "minivmm,command") == 0) {
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

/* One property of node n (at depth). Returns false to reject the tree. */
static void node_prop(struct node *n, int depth, const char *name, const uint8_t *v,
                      uint32_t len)
{
    if (depth == 1 && strcmp(n->name, "chosen") == 0) {
        chosen_prop(name, v, len);
        return;
    }
    if (name[0] == '#') {
        if (strcmp(name, "#address-cells") == 0 && len == 4)
            n->acells = be32(v);
        else if (strcmp(name, "#size-cells") == 0 && len == 4)
            n->scells = be32(v);
    } else if (strcmp(name, "compatible") == 0 && str_prop(v, len)) {
        n->compat = (const char *)v, n->compat_len = len;
    } else if (strcmp(name, "reg") == 0) {
        n->reg = v, n->reg_len = len;
    } else if (strcmp(name, "interrupts") == 0) {
        n->intr = v, n->intr_len = len;
    } else if (strcmp(name, "device_type") == 0) {
        n->device_type = str_prop(v, len);
    }
}

/* Walks the structure block [p, end) with the strings block [strs, strs + slen). */
static bool walk(const uint8_t *p, const uint8_t *end, const char *strs, uint32_t slen)
{
    struct node stack[MAX_DEPTH + 1];
    int depth = -1;
    while (end - p >= 4) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            int64_t l = bounded_strlen(p, end);
            if (l < 0 || ++depth > MAX_DEPTH)
                return false;
            stack[depth] = (struct node){ .name = (const char *)p, .acells = 2, .scells = 1 };
            p += (l + 4) & ~3;
        } else if (tok == FDT_PROP) {
            if (depth < 0 || end - p < 8)
                return false;
            uint32_t len = be32(p), off = be32(p + 4);
            p += 8;
            if (len > (uint64_t)(end - p) || off >= slen ||
                bounded_strlen((const uint8_t *)strs + off, (const uint8_t *)strs + slen) < 0)
                return false;
            node_prop(&stack[depth], depth, strs + off, p, len);
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
        off_strings > total || size_strings > total - off_strings)
        return 0;
    ndevs = 0;
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

bool fdt_find(const char *compat, int idx, struct fdt_dev *out)
{
    for (int i = 0; i < ndevs; i++) {
        if (list_has(dev_compat[i], dev_compat_len[i], compat) && idx-- == 0) {
            *out = devs[i];
            return true;
        }
    }
    return false;
}
