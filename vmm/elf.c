/* The PVH kernel loader: validates an ELF64 x86-64 executable against its own size and
 * against guest RAM, finds the XEN_ELFNOTE_PHYS32_ENTRY note, and copies the segments in.
 *
 * The file is untrusted input: every offset and size is checked against the file size
 * before it is used, always in the form `a > size || b > size - a` so no sum can wrap.
 * Headers are copied out with memcpy, so the image needs no particular alignment.
 * Everything is validated before the first byte is written to guest RAM. */
#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "abi/machine.h"
#include "abi/pvh.h"
#include "vmm/boot.h"

#define MAX_LOADS 64   /* far more PT_LOADs than any kernel has; bounds the overlap check */

typedef unsigned long long ull;

struct load {
    int index;               /* program header number, for messages */
    Elf64_Phdr ph;
};

struct elf {
    const uint8_t *file;
    size_t size;
    Elf64_Ehdr eh;
    struct load loads[MAX_LOADS];
    int nloads;
    char *err;
};

int boot_fail(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ERR_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

#define fail(e, ...) boot_fail((e)->err, __VA_ARGS__)

/* True if [off, off + len) lies inside the file. */
static bool in_file(const struct elf *e, uint64_t off, uint64_t len)
{
    return off <= e->size && len <= e->size - off;
}

static int check_header(struct elf *e)
{
    const Elf64_Ehdr *h = &e->eh;
    if (e->size < SELFMAG || memcmp(e->file, ELFMAG, SELFMAG) != 0)
        return fail(e, "not an ELF file");
    if (e->size < sizeof *h)
        return fail(e, "truncated ELF header (%zu bytes)", e->size);
    memcpy(&e->eh, e->file, sizeof e->eh);
    if (h->e_ident[EI_CLASS] != ELFCLASS64)
        return fail(e, "not a 64-bit ELF (EI_CLASS %u)", h->e_ident[EI_CLASS]);
    if (h->e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(e, "not a little-endian ELF (EI_DATA %u)", h->e_ident[EI_DATA]);
    if (h->e_ident[EI_VERSION] != EV_CURRENT)
        return fail(e, "unsupported ELF version %u", h->e_ident[EI_VERSION]);
    if (h->e_version != EV_CURRENT)
        return fail(e, "unsupported ELF version %u", h->e_version);
    if (h->e_type != ET_EXEC)
        return fail(e, "not an executable ELF (e_type %u)", h->e_type);
    if (h->e_machine != EM_X86_64)
        return fail(e, "not an x86-64 ELF (e_machine %u)", h->e_machine);
    if (h->e_phentsize != sizeof(Elf64_Phdr))
        return fail(e, "bad program header size %u (expected %zu)", h->e_phentsize,
                    sizeof(Elf64_Phdr));
    if (h->e_phnum == 0)
        return fail(e, "no program headers");
    if (h->e_phnum == PN_XNUM)
        return fail(e, "too many program headers (PN_XNUM is not supported)");
    if (!in_file(e, h->e_phoff, (uint64_t)h->e_phnum * sizeof(Elf64_Phdr)))
        return fail(e, "program headers (offset 0x%llx, %u entries) extend past the end "
                    "of the file (%zu bytes)", (ull)h->e_phoff, h->e_phnum, e->size);
    return 0;
}

static Elf64_Phdr phdr(const struct elf *e, int i)
{
    Elf64_Phdr ph;
    memcpy(&ph, e->file + e->eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
    return ph;
}

/* One PT_LOAD against the file, guest RAM and the segments accepted before it. */
static int check_load(struct elf *e, const struct guest_mem *m, int i, const Elf64_Phdr *ph)
{
    ull lo = ph->p_paddr, hi = ph->p_paddr + ph->p_memsz;
    if (!in_file(e, ph->p_offset, ph->p_filesz))
        return fail(e, "segment %d (offset 0x%llx, 0x%llx bytes) extends past the end of "
                    "the file (%zu bytes)", i, (ull)ph->p_offset, (ull)ph->p_filesz, e->size);
    if (ph->p_filesz > ph->p_memsz)
        return fail(e, "segment %d has p_filesz 0x%llx > p_memsz 0x%llx", i,
                    (ull)ph->p_filesz, (ull)ph->p_memsz);
    if (ph->p_memsz == 0)
        return 0;   /* loads nothing: neither placed nor counted */
    if (hi < lo)
        return fail(e, "segment %d (0x%llx + 0x%llx bytes) wraps around the address space",
                    i, lo, (ull)ph->p_memsz);
    if (lo < MACHINE_KERNEL_MIN_GPA)
        return fail(e, "segment %d [0x%llx-0x%llx) starts below 1 MiB (0x%llx)", i, lo, hi,
                    MACHINE_KERNEL_MIN_GPA);
    if (gpa_ptr(m, lo, ph->p_memsz) == NULL)
        return fail(e, "segment %d [0x%llx-0x%llx) lies outside guest RAM (%llu MiB)", i,
                    lo, hi, (ull)(m->size >> 20));
    for (int j = 0; j < e->nloads; j++) {
        const Elf64_Phdr *o = &e->loads[j].ph;
        if (lo < o->p_paddr + o->p_memsz && o->p_paddr < hi)
            return fail(e, "segment %d [0x%llx-0x%llx) overlaps segment %d [0x%llx-0x%llx)",
                        i, lo, hi, e->loads[j].index, (ull)o->p_paddr,
                        (ull)(o->p_paddr + o->p_memsz));
    }
    if (e->nloads == MAX_LOADS)
        return fail(e, "more than %d PT_LOAD segments", MAX_LOADS);
    e->loads[e->nloads++] = (struct load){ i, *ph };
    return 0;
}

/* Decode a PVH entry descriptor: a 32-bit address, or a 64-bit one below 4 GiB. */
static int pvh_entry(struct elf *e, const uint8_t *desc, uint32_t descsz, uint32_t *entry)
{
    if (descsz == 4) {
        memcpy(entry, desc, 4);
        return 0;
    }
    if (descsz == 8) {
        uint64_t v;
        memcpy(&v, desc, 8);
        if (v >> 32)
            return fail(e, "PVH entry note: entry 0x%llx is above 4 GiB", (ull)v);
        *entry = (uint32_t)v;
        return 0;
    }
    return fail(e, "PVH entry note has a %u-byte descriptor (expected 4 or 8)", descsz);
}

/* Walk the notes of one PT_NOTE segment; sets *found and *entry on the first PVH note.
 * Offsets are relative to the segment start and rounded up to its alignment: 4, or 8
 * for 8-aligned notes such as .note.gnu.property (the gABI rule readelf follows). */
static int scan_notes(struct elf *e, int i, const Elf64_Phdr *ph, bool *found,
                      uint32_t *entry)
{
    uint64_t a = ph->p_align == 8 ? 8 : 4, len = ph->p_filesz;
    if (!in_file(e, ph->p_offset, len))
        return fail(e, "note segment %d (offset 0x%llx, 0x%llx bytes) extends past the end "
                    "of the file (%zu bytes)", i, (ull)ph->p_offset, (ull)len, e->size);
    const uint8_t *seg = e->file + ph->p_offset;
    for (uint64_t off = 0; off < len && !*found;) {
        Elf64_Nhdr nh;
        if (len - off < sizeof nh)
            return fail(e, "note segment %d: truncated note header at offset 0x%llx", i,
                        (ull)off);
        memcpy(&nh, seg + off, sizeof nh);
        /* Cannot wrap: off <= len <= file size, namesz and descsz are 32-bit. */
        uint64_t desc = (off + sizeof nh + nh.n_namesz + a - 1) & ~(a - 1);
        if (desc > len || nh.n_descsz > len - desc)
            return fail(e, "note segment %d: truncated note at offset 0x%llx (name %u "
                        "bytes, descriptor %u bytes)", i, (ull)off, nh.n_namesz, nh.n_descsz);
        if (nh.n_type == PVH_NOTE_PHYS32_ENTRY && nh.n_namesz == sizeof PVH_NOTE_NAME &&
            memcmp(seg + off + sizeof nh, PVH_NOTE_NAME, sizeof PVH_NOTE_NAME) == 0) {
            if (pvh_entry(e, seg + desc, nh.n_descsz, entry) < 0)
                return -1;
            *found = true;
        }
        off = (desc + nh.n_descsz + a - 1) & ~(a - 1);
    }
    return 0;
}

/* True if addr is backed by file bytes of some PT_LOAD (code cannot start in .bss). */
static bool entry_loaded(const struct elf *e, uint64_t addr)
{
    for (int j = 0; j < e->nloads; j++) {
        const Elf64_Phdr *ph = &e->loads[j].ph;
        if (addr >= ph->p_paddr && addr - ph->p_paddr < ph->p_filesz)
            return true;
    }
    return false;
}

/* Check every program header; fill e->loads and find the entry point. */
static int check_phdrs(struct elf *e, const struct guest_mem *m, uint32_t *entry)
{
    bool found = false;
    for (int i = 0; i < e->eh.e_phnum; i++) {
        Elf64_Phdr ph = phdr(e, i);
        if (ph.p_type == PT_LOAD && check_load(e, m, i, &ph) < 0)
            return -1;
        if (ph.p_type == PT_NOTE && !found && scan_notes(e, i, &ph, &found, entry) < 0)
            return -1;
    }
    if (e->nloads == 0)
        return fail(e, "no PT_LOAD segments");
    if (!found)
        return fail(e, "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
    if (!entry_loaded(e, *entry))
        return fail(e, "PVH entry 0x%x lies outside every loaded segment", *entry);
    return 0;
}

int elf_load_pvh(struct guest_mem *m, const uint8_t *file, size_t size,
                 struct kernel_image *out, char *err)
{
    struct elf e = { .file = file, .size = size, .err = err };
    uint32_t entry = 0;

    if (file == NULL)
        e.size = 0;
    if (check_header(&e) < 0 || check_phdrs(&e, m, &entry) < 0)
        return -1;
    out->entry = entry;
    out->load_lo = UINT64_MAX;
    out->load_hi = 0;
    for (int j = 0; j < e.nloads; j++) {
        const Elf64_Phdr *ph = &e.loads[j].ph;
        uint8_t *dst = gpa_ptr(m, ph->p_paddr, ph->p_memsz);   /* checked above */
        memcpy(dst, file + ph->p_offset, ph->p_filesz);
        memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
        if (ph->p_paddr < out->load_lo)
            out->load_lo = ph->p_paddr;
        if (ph->p_paddr + ph->p_memsz > out->load_hi)
            out->load_hi = ph->p_paddr + ph->p_memsz;
    }
    return 0;
}
