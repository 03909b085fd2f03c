/* Validation of ELF64 executables for exec: the file is treated as hostile, so every
 * offset, size and address it gives is checked before anything is loaded. */
#include "elf.h"
#include "abi/syscall.h"
#include <stddef.h>

#define PG 4096ULL

static int ident_ok(const unsigned char *id)
{
    return id[0] == 0x7f && id[1] == 'E' && id[2] == 'L' && id[3] == 'F' &&
           id[4] == 2 /* ELFCLASS64 */ && id[5] == 1 /* little-endian */ && id[6] == 1;
}

/* Checks one PT_LOAD header against the file and the allowed address range. */
static int seg_ok(const struct elf64_phdr *ph, uint64_t size, uint64_t va_min, uint64_t va_max)
{
    if (ph->memsz == 0 || ph->filesz > ph->memsz) return 0;
    if (ph->offset > size || ph->filesz > size - ph->offset) return 0;
    if (ph->vaddr < va_min || ph->vaddr >= va_max || ph->memsz > va_max - ph->vaddr) return 0;
    if (ph->vaddr % PG != ph->offset % PG) return 0;
    if ((ph->flags & ELF_PF_W) && (ph->flags & ELF_PF_X)) return 0;   /* W^X */
    return 1;
}

/* Whole pages spanned by two segments overlap. */
static int pages_overlap(const struct elf_seg *a, const struct elf_seg *b)
{
    uint64_t a0 = a->vaddr & ~(PG - 1), a1 = (a->vaddr + a->memsz + PG - 1) & ~(PG - 1);
    uint64_t b0 = b->vaddr & ~(PG - 1), b1 = (b->vaddr + b->memsz + PG - 1) & ~(PG - 1);
    return a0 < b1 && b0 < a1;
}

/* Copies header i out of the file (it need not be aligned there). */
static void phdr_at(const unsigned char *img, const struct elf64_ehdr *eh, int i,
                    struct elf64_phdr *ph)
{
    __builtin_memcpy(ph, img + eh->phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

static int entry_ok(const struct elf_image *im)
{
    for (int i = 0; i < im->nseg; i++) {
        const struct elf_seg *s = &im->seg[i];
        if ((s->flags & ELF_PF_X) && im->entry >= s->vaddr && im->entry - s->vaddr < s->memsz)
            return 1;
    }
    return 0;
}

int elf_check(const void *img, uint64_t size, uint64_t va_min, uint64_t va_max,
              struct elf_image *out)
{
    struct elf64_ehdr eh;
    if (!img || size < sizeof(eh)) return -ENOEXEC;
    __builtin_memcpy(&eh, img, sizeof(eh));
    if (!ident_ok(eh.ident) || eh.type != 2 /* ET_EXEC */ || eh.machine != 62 /* x86-64 */ ||
        eh.version != 1 || eh.ehsize != sizeof(eh) ||
        eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > ELF_MAXPHNUM)
        return -ENOEXEC;
    if (eh.phoff > size || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > size - eh.phoff)
        return -ENOEXEC;
    out->entry = eh.entry;
    out->nseg = 0;
    for (int i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        phdr_at(img, &eh, i, &ph);
        if (ph.type == ELF_PT_INTERP || ph.type == ELF_PT_DYNAMIC || ph.type == ELF_PT_TLS)
            return -ENOEXEC;                      /* static executables only */
        if (ph.type != ELF_PT_LOAD) continue;
        if (out->nseg == ELF_MAXSEG || !seg_ok(&ph, size, va_min, va_max)) return -ENOEXEC;
        struct elf_seg *s = &out->seg[out->nseg];
        *s = (struct elf_seg){ ph.vaddr, ph.memsz, ph.offset, ph.filesz, ph.flags };
        for (int j = 0; j < out->nseg; j++)
            if (pages_overlap(s, &out->seg[j])) return -ENOEXEC;
        out->nseg++;
    }
    if (out->nseg == 0 || !entry_ok(out)) return -ENOEXEC;
    return 0;
}
