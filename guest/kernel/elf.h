/* ELF64 executables as exec accepts them: the header check (elf.c) and its result. */
#ifndef GUEST_KERNEL_ELF_H
#define GUEST_KERNEL_ELF_H
#include <stdint.h>

struct elf64_ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ELF_PT_LOAD    1
#define ELF_PT_DYNAMIC 2
#define ELF_PT_INTERP  3
#define ELF_PT_TLS     7
#define ELF_PF_X       1
#define ELF_PF_W       2
#define ELF_PF_R       4
#define ELF_MAXPHNUM   16     /* program headers we are willing to look at */
#define ELF_MAXSEG     8      /* PT_LOAD segments */

struct elf_seg {
    uint64_t vaddr, memsz;      /* where and how much to map */
    uint64_t offset, filesz;    /* what to copy from the file */
    uint32_t flags;             /* ELF_PF_* */
};

struct elf_image {
    uint64_t entry;
    int nseg;
    struct elf_seg seg[ELF_MAXSEG];
};

/* Checks the file img[0..size) as a static x86-64 executable whose segments all lie in
 * [va_min, va_max), none writable and executable, no two on the same page, the entry in an
 * executable one. Fills *out and returns 0, or returns -ENOEXEC. */
int elf_check(const void *img, uint64_t size, uint64_t va_min, uint64_t va_max,
              struct elf_image *out);

#endif
