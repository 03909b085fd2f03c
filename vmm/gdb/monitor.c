/* GDB `monitor` commands: what a person debugging a hypervisor guest wants to see that
 * GDB itself cannot show. `walk` goes through the one page walker, entry by entry. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "memory/pagewalk.h"
#include "vmm/gdb/monitor.h"
#include "vmm/gdb/text.h"
#include "vmm/mmu.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

static const char help[] =
    "monitor commands:\n"
    "  phys on|off   memory accesses use physical (on) or virtual (off) addresses\n"
    "  walk ADDR     the page walk of a virtual address through the vCPU's page tables\n"
    "  cr            the vCPU's control registers and EFER\n"
    "  exits         the VMM's exit counters per vCPU\n"
    "  help          this text\n";

/* Names of the set bits of v from a table indexed by bit number. */
static void flags(struct text *o, uint64_t v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (names[i] && (v & (1ULL << i)))
            text_add(o, " %s", names[i]);
}

static void cmd_cr(const struct gdb_monitor *m, struct text *o)
{
    static const char *const cr0[32] = { "PE", "MP", "EM", "TS", "ET", "NE", [16] = "WP",
                                         [18] = "AM", [29] = "NW", [30] = "CD", [31] = "PG" };
    static const char *const cr4[24] = { "VME", "PVI", "TSD", "DE", "PSE", "PAE", "MCE", "PGE",
                                         "PCE", "OSFXSR", "OSXMMEXCPT", "UMIP", "LA57",
                                         [16] = "FSGSBASE", [17] = "PCIDE", [18] = "OSXSAVE",
                                         [20] = "SMEP", [21] = "SMAP" };
    static const char *const efer[12] = { "SCE", [8] = "LME", [10] = "LMA", [11] = "NXE" };
    const struct kvm_sregs *s = m->sregs;
    text_add(o, "vCPU %d (cpl %d)\ncr0  0x%016llx", m->cpu, s->cs.selector & 3,
        (unsigned long long)s->cr0);
    flags(o, s->cr0, cr0, 32);
    text_add(o, "\ncr2  0x%016llx\ncr3  0x%016llx\ncr4  0x%016llx", (unsigned long long)s->cr2,
        (unsigned long long)s->cr3, (unsigned long long)s->cr4);
    flags(o, s->cr4, cr4, 24);
    text_add(o, "\ncr8  0x%016llx\nefer 0x%016llx", (unsigned long long)s->cr8,
        (unsigned long long)s->efer);
    flags(o, s->efer, efer, 12);
    text_add(o, "\n");
}

static void show_walk(uint64_t va, const struct walk_result *wr, enum walk_status st,
                      struct text *o)
{
    static const char *const level[4] = { "PML4E", "PDPTE", "PDE", "PTE" };
    static const char *const bits[64] = { "P", "W", "U", "PWT", "PCD", "A", "D", "PS", "G",
                                          [63] = "NX" };
    struct walk_result w = *wr;
    for (int i = 0; i < w.levels && i < 4; i++) {
        int shift = 39 - 9 * i;
        text_add(o, "  %-5s [%3u] at 0x%09llx = 0x%016llx", level[i], (unsigned)((va >> shift) & 511),
            (unsigned long long)w.entry_gpa[i], (unsigned long long)w.entry[i]);
        uint64_t e = w.entry[i];
        flags(o, i == 3 ? e & ~(1ULL << 7) : e, bits, 64);   /* bit 7 of a PTE is PAT */
        text_add(o, "\n");
    }
    if (st != WALK_OK) {
        text_add(o, "  -> %s\n", walk_status_str(st));
        return;
    }
    text_add(o, "  -> physical 0x%llx, %s page,%s%s%s\n", (unsigned long long)w.gpa,
        w.page_size == 4096 ? "4 KiB" : w.page_size == (2ULL << 20) ? "2 MiB"
        : w.page_size == (1ULL << 30) ? "1 GiB" : "flat (paging off)",
        w.writable ? " writable" : " read-only", w.user ? " user" : " kernel-only",
        w.executable ? " executable" : " no-execute");
}

/* The guest's walk (through the CR3 it loaded) and, under --mmu shadow, the hardware's
 * walk through the shadow root beside it. */
static void cmd_walk(const struct gdb_monitor *m, uint64_t va, struct text *o)
{
    const struct kvm_sregs *s = m->sregs;
    struct walk_regs r = { s->cr0, s->cr3, s->cr4, s->efer };
    struct walk_result w;
    enum walk_status st = gva_walk(&m->vm->mem, &r, va, &w);
    text_add(o, "walk of 0x%llx on vCPU %d, cr3 0x%llx\n", (unsigned long long)va, m->cpu,
        (unsigned long long)s->cr3);
    show_walk(va, &w, st, o);
    if (mmu_shadow_walk(m->vm, m->cpu, va, &w, &st)) {
        text_add(o, "shadow walk (--mmu shadow: what the hardware walks)\n");
        show_walk(va, &w, st, o);
    }
}

static void cmd_exits(const struct gdb_monitor *m, struct text *o)
{
    for (int c = 0; c < m->vm->ncpus; c++) {
        const struct vcpu *v = &m->vm->vcpus[c];
        uint64_t total = 0;
        for (int r = 0; r < EXIT_REASONS; r++)
            total += v->exits[r];
        text_add(o, "vCPU %d: %llu exits\n", c, (unsigned long long)total);
        for (int r = 0; r < EXIT_REASONS; r++) {
            if (!v->exits[r])
                continue;
            const char *name = exit_reason_name(r);
            if (name)
                text_add(o, "  %-16s %llu\n", name, (unsigned long long)v->exits[r]);
            else
                text_add(o, "  reason %-9d %llu\n", r, (unsigned long long)v->exits[r]);
        }
    }
}

/* Split "word rest" at the first space run: the command word's length, and *rest. */
static size_t word(const char *s, const char **rest)
{
    size_t n = strcspn(s, " \t");
    const char *r = s + n;
    while (*r == ' ' || *r == '\t')
        r++;
    *rest = r;
    return n;
}

static bool is(const char *w, size_t n, const char *name)
{
    return n == strlen(name) && memcmp(w, name, n) == 0;
}

int gdb_monitor_run(const struct gdb_monitor *m, const char *cmd, char *out, size_t cap)
{
    struct text o = { out, 0, cap };
    const char *arg;
    while (*cmd == ' ')
        cmd++;
    size_t n = word(cmd, &arg);
    if (cap)
        out[0] = 0;
    if (is(cmd, n, "help") || n == 0) {
        text_add(&o, "%s", help);
    } else if (is(cmd, n, "phys")) {
        if (strcmp(arg, "on") && strcmp(arg, "off")) {
            text_add(&o, "usage: phys on|off (now %s)\n", *m->phys ? "on" : "off");
            return -1;
        }
        *m->phys = strcmp(arg, "on") == 0;
        text_add(&o, "memory accesses now use %s addresses\n", *m->phys ? "physical" : "virtual");
    } else if (is(cmd, n, "walk")) {
        char *end;
        errno = 0;
        unsigned long long va = strtoull(arg, &end, 0);
        if (!*arg || *end || errno || *arg == '-') {
            text_add(&o, "usage: walk ADDR (a number such as 0xffffffff80100000)\n");
            return -1;
        }
        cmd_walk(m, va, &o);
    } else if (is(cmd, n, "cr") && !*arg) {
        cmd_cr(m, &o);
    } else if (is(cmd, n, "exits") && !*arg) {
        cmd_exits(m, &o);
    } else {
        text_add(&o, "unknown monitor command '%.*s'\n%s", (int)(n > 40 ? 40 : n), cmd, help);
        return -1;
    }
    return 0;
}
