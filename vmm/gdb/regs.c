/* The register table behind g/G/p/P and the target description: one row per register
 * says its name, size, type and where KVM keeps it, so the XML and the accessors cannot
 * disagree. GDB numbers registers in the order the XML lists them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "vmm/gdb/regs.h"
#include "vmm/gdb/text.h"

enum kind { GPR, SEG_SEL, SEG_BASE, SREG, FPR, FPU_CTL };

struct reg {
    const char *name;
    int bytes;
    const char *type;
    const char *group;           /* NULL: GDB's default */
    enum kind kind;
    size_t off;                  /* offset of the field in its KVM struct, or an index */
};

#define R(f)   offsetof(struct kvm_regs, f)
#define S(f)   offsetof(struct kvm_sregs, f)
enum { FCW, FSW, FTAG, FISEG, FIOFF, FOSEG, FOOFF, FOP };

static const struct reg regs[GDB_NUM_REGS] = {
    { "rax", 8, "int64", NULL, GPR, R(rax) },  { "rbx", 8, "int64", NULL, GPR, R(rbx) },
    { "rcx", 8, "int64", NULL, GPR, R(rcx) },  { "rdx", 8, "int64", NULL, GPR, R(rdx) },
    { "rsi", 8, "int64", NULL, GPR, R(rsi) },  { "rdi", 8, "int64", NULL, GPR, R(rdi) },
    { "rbp", 8, "data_ptr", NULL, GPR, R(rbp) }, { "rsp", 8, "data_ptr", NULL, GPR, R(rsp) },
    { "r8", 8, "int64", NULL, GPR, R(r8) },    { "r9", 8, "int64", NULL, GPR, R(r9) },
    { "r10", 8, "int64", NULL, GPR, R(r10) },  { "r11", 8, "int64", NULL, GPR, R(r11) },
    { "r12", 8, "int64", NULL, GPR, R(r12) },  { "r13", 8, "int64", NULL, GPR, R(r13) },
    { "r14", 8, "int64", NULL, GPR, R(r14) },  { "r15", 8, "int64", NULL, GPR, R(r15) },
    { "rip", 8, "code_ptr", NULL, GPR, R(rip) },
    { "eflags", 4, "i386_eflags", NULL, GPR, R(rflags) },
    { "cs", 4, "int32", NULL, SEG_SEL, S(cs) }, { "ss", 4, "int32", NULL, SEG_SEL, S(ss) },
    { "ds", 4, "int32", NULL, SEG_SEL, S(ds) }, { "es", 4, "int32", NULL, SEG_SEL, S(es) },
    { "fs", 4, "int32", NULL, SEG_SEL, S(fs) }, { "gs", 4, "int32", NULL, SEG_SEL, S(gs) },
    { "st0", 10, "i387_ext", NULL, FPR, 0 }, { "st1", 10, "i387_ext", NULL, FPR, 1 },
    { "st2", 10, "i387_ext", NULL, FPR, 2 }, { "st3", 10, "i387_ext", NULL, FPR, 3 },
    { "st4", 10, "i387_ext", NULL, FPR, 4 }, { "st5", 10, "i387_ext", NULL, FPR, 5 },
    { "st6", 10, "i387_ext", NULL, FPR, 6 }, { "st7", 10, "i387_ext", NULL, FPR, 7 },
    { "fctrl", 4, "int", "float", FPU_CTL, FCW }, { "fstat", 4, "int", "float", FPU_CTL, FSW },
    { "ftag", 4, "int", "float", FPU_CTL, FTAG }, { "fiseg", 4, "int", "float", FPU_CTL, FISEG },
    { "fioff", 4, "int", "float", FPU_CTL, FIOFF }, { "foseg", 4, "int", "float", FPU_CTL, FOSEG },
    { "fooff", 4, "int", "float", FPU_CTL, FOOFF }, { "fop", 4, "int", "float", FPU_CTL, FOP },
    { "fs_base", 8, "int", NULL, SEG_BASE, S(fs) }, { "gs_base", 8, "int", NULL, SEG_BASE, S(gs) },
    { "cr0", 8, "int64", "system", SREG, S(cr0) }, { "cr2", 8, "int64", "system", SREG, S(cr2) },
    { "cr3", 8, "int64", "system", SREG, S(cr3) }, { "cr4", 8, "int64", "system", SREG, S(cr4) },
    { "cr8", 8, "int64", "system", SREG, S(cr8) }, { "efer", 8, "int64", "system", SREG, S(efer) },
};

/* Where each feature begins in the table (the XML groups registers by feature). */
#define FIRST_SEGMENTS 40
#define FIRST_SYSTEM   42

int gdb_reg_size(int regno)
{
    return regno >= 0 && regno < GDB_NUM_REGS ? regs[regno].bytes : -1;
}

const char *gdb_reg_name(int regno)
{
    return regno >= 0 && regno < GDB_NUM_REGS ? regs[regno].name : NULL;
}

size_t gdb_regs_size(void)
{
    size_t n = 0;
    for (int i = 0; i < GDB_NUM_REGS; i++)
        n += regs[i].bytes;
    return n;
}

/* The x87 tag of one register, from its 80-bit value: 0 valid, 1 zero, 2 special. */
static unsigned fp_class(const uint8_t *v)
{
    uint64_t mant;
    memcpy(&mant, v, 8);
    unsigned exp = (v[8] | v[9] << 8) & 0x7fff;
    if (exp == 0x7fff)
        return 2;
    if (exp == 0)
        return mant ? 2 : 1;
    return mant >> 63 ? 0 : 2;
}

/* KVM keeps FXSAVE's abridged tag (one bit per physical register, set = not empty) and
 * the registers in stack order; GDB wants the full tag word by physical register. */
static uint32_t full_tag(const struct kvm_fpu *f)
{
    unsigned top = (f->fsw >> 11) & 7;
    uint32_t tag = 0;
    for (unsigned phys = 0; phys < 8; phys++) {
        unsigned t = 3;
        if (f->ftwx & (1u << phys))
            t = fp_class(f->fpr[(phys - top) & 7]);
        tag |= t << (2 * phys);
    }
    return tag;
}

static uint8_t abridged_tag(uint32_t full)
{
    uint8_t t = 0;
    for (int phys = 0; phys < 8; phys++)
        if (((full >> (2 * phys)) & 3) != 3)
            t |= 1u << phys;
    return t;
}

static uint32_t fpu_ctl(const struct kvm_fpu *f, size_t which)
{
    switch (which) {
    case FCW: return f->fcw;
    case FSW: return f->fsw;
    case FTAG: return full_tag(f);
    case FIOFF: return (uint32_t)f->last_ip;
    case FOOFF: return (uint32_t)f->last_dp;
    case FOP: return f->last_opcode;
    default: return 0;         /* 64-bit FXSAVE keeps no FPU segment selectors */
    }
}

int gdb_reg_read(const struct gdb_cpu_state *s, int regno, uint8_t *out)
{
    if (regno < 0 || regno >= GDB_NUM_REGS)
        return -1;
    const struct reg *r = &regs[regno];
    uint64_t v = 0;
    switch (r->kind) {
    case GPR: memcpy(&v, (const char *)&s->regs + r->off, 8); break;
    case SREG: memcpy(&v, (const char *)&s->sregs + r->off, 8); break;
    case SEG_SEL:
        v = ((const struct kvm_segment *)((const char *)&s->sregs + r->off))->selector;
        break;
    case SEG_BASE:
        v = ((const struct kvm_segment *)((const char *)&s->sregs + r->off))->base;
        break;
    case FPR: memcpy(out, s->fpu.fpr[r->off], 10); return 10;
    case FPU_CTL: v = fpu_ctl(&s->fpu, r->off); break;
    }
    memcpy(out, &v, r->bytes);   /* little-endian host and target */
    return r->bytes;
}

/* Set an FPU control register; -1 for a change FXSAVE cannot hold. */
static int fpu_ctl_write(struct kvm_fpu *f, size_t which, uint32_t v)
{
    if (v == fpu_ctl(f, which))
        return 0;
    switch (which) {
    case FCW: f->fcw = v; break;
    case FSW: f->fsw = v; break;
    case FTAG: f->ftwx = abridged_tag(v); break;
    case FIOFF: f->last_ip = v; break;
    case FOOFF: f->last_dp = v; break;
    case FOP: f->last_opcode = v; break;
    default: return -1;
    }
    return 0;
}

int gdb_reg_write(struct gdb_cpu_state *s, int regno, const uint8_t *in)
{
    if (regno < 0 || regno >= GDB_NUM_REGS)
        return -1;
    const struct reg *r = &regs[regno];
    uint64_t v = 0, old = 0;
    uint8_t cur[16];
    gdb_reg_read(s, regno, cur);
    if (memcmp(cur, in, r->bytes) == 0)
        return 0;
    memcpy(&v, in, r->bytes < 8 ? r->bytes : 8);
    switch (r->kind) {
    case GPR:
        if (regno == GDB_REG_EFLAGS) {     /* 32 bits shown; the upper half is reserved */
            memcpy(&old, (char *)&s->regs + r->off, 8);
            v |= old & ~0xffffffffULL;
        }
        memcpy((char *)&s->regs + r->off, &v, 8);
        s->dirty_regs = true;
        return 0;
    case SREG:
        memcpy((char *)&s->sregs + r->off, &v, 8);
        s->dirty_sregs = true;
        return 0;
    case SEG_SEL:
        return -1;
    case SEG_BASE:
        ((struct kvm_segment *)((char *)&s->sregs + r->off))->base = v;
        s->dirty_sregs = true;
        return 0;
    case FPR:
        memcpy(s->fpu.fpr[r->off], in, 10);
        s->dirty_fpu = true;
        return 0;
    case FPU_CTL:
        if (fpu_ctl_write(&s->fpu, r->off, (uint32_t)v) < 0)
            return -1;
        s->dirty_fpu = true;
        return 0;
    }
    return -1;
}

/* ---- the target description ---- */

/* EFLAGS bits by name, as GDB's i386_eflags type shows them. */
static const struct { const char *name; int bit; } eflags_bits[] = {
    { "CF", 0 }, { "", 1 }, { "PF", 2 }, { "AF", 4 }, { "ZF", 6 }, { "SF", 7 },
    { "TF", 8 }, { "IF", 9 }, { "DF", 10 }, { "OF", 11 }, { "NT", 14 }, { "RF", 16 },
    { "VM", 17 }, { "AC", 18 }, { "VIF", 19 }, { "VIP", 20 }, { "ID", 21 },
};

static void put_regs(struct text *t, int from, int to)
{
    for (int i = from; i < to; i++) {
        text_add(t, "<reg name=\"%s\" bitsize=\"%d\" type=\"%s\" regnum=\"%d\"", regs[i].name,
            regs[i].bytes * 8, regs[i].type, i);
        if (regs[i].group)
            text_add(t, " group=\"%s\"", regs[i].group);
        text_add(t, "/>\n");
    }
}

const char *gdb_target_xml(size_t *len)
{
    static char xml[8192];
    static struct text t;
    if (t.len == 0) {
        t = (struct text){ xml, 0, sizeof xml };
        text_add(&t, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                "<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n"
                "<feature name=\"org.gnu.gdb.i386.core\">\n"
                "<flags id=\"i386_eflags\" size=\"4\">\n");
        for (size_t i = 0; i < sizeof eflags_bits / sizeof eflags_bits[0]; i++)
            text_add(&t, "<field name=\"%s\" start=\"%d\" end=\"%d\"/>\n", eflags_bits[i].name,
                eflags_bits[i].bit, eflags_bits[i].bit);
        text_add(&t, "</flags>\n");
        put_regs(&t, 0, FIRST_SEGMENTS);
        text_add(&t, "</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
        put_regs(&t, FIRST_SEGMENTS, FIRST_SYSTEM);
        text_add(&t, "</feature>\n<feature name=\"org.minivmm.x86.system\">\n");
        put_regs(&t, FIRST_SYSTEM, GDB_NUM_REGS);
        text_add(&t, "</feature>\n</target>\n");
    }
    *len = t.len;
    return xml;
}
