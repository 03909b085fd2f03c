/* Booting a guest: the PVH kernel loader (ELF64 + XEN_ELFNOTE_PHYS32_ENTRY), the device
 * tree built with libfdt, and the PVH start_info that hands both over. Each function
 * returns 0, or -1 with a one-line reason in err (ERR_MAX bytes), and never exits. */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H
#include <stddef.h>
#include <stdint.h>
#include "memory/guest_mem.h"

struct board;

#define ERR_MAX 256

/* Format a one-line reason into err (ERR_MAX bytes); always returns -1. */
int boot_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct kernel_image {
    uint32_t entry;          /* PVH 32-bit entry point (physical) */
    uint64_t load_lo;        /* lowest physical byte of any PT_LOAD segment */
    uint64_t load_hi;        /* one past the highest */
};

/* Validate an ELF64 x86-64 image (every header field, every program header against the
 * file size and against guest RAM, the PVH note) and copy its PT_LOAD segments to their
 * physical addresses (p_paddr), zero-filling p_memsz beyond p_filesz. */
int elf_load_pvh(struct guest_mem *m, const uint8_t *file, size_t size,
                 struct kernel_image *out, char *err);

/* What the device tree describes. */
struct machine_desc {
    uint64_t ram_size;
    int ncpus;
    const char *bootargs;        /* /chosen/bootargs (may be "") */
    char *const *command;        /* /chosen/minivmm,command: argv to run, NULL-terminated, or NULL */
    const char *syscall_gate;    /* /chosen/minivmm,syscall-gate: "syscall" or "trap" */
    const char *host_backend;    /* /chosen/minivmm,host: "vmx", "svm" or "pvm" */
    const char *tick;            /* /chosen/minivmm,tick: "lapic" or "pit" */
    const char *console;         /* /chosen/minivmm,console: "terminal" (a person types:
                                    the guest echoes) or "stream" (stdin is a pipe or file) */
    const struct board *board;   /* the devices (vmm/board.h) */
    const char *mmu;             /* /chosen/minivmm,mmu: "shadow", or NULL (direct: no property) */
    uint64_t pt_pool_gpa, pt_pool_size;   /* /chosen/minivmm,pt-pool, with mmu "shadow" */
};

/* Build the flattened device tree into buf. The tree's size is fdt_totalsize(buf). */
int fdt_build(const struct machine_desc *d, void *buf, size_t bufsize, char *err);

struct pvh_module {
    const char *name;        /* for error messages, e.g. "initrd" */
    const void *data;
    uint64_t size;
};

/* Place the modules at the top of guest RAM (4 KiB aligned, highest first), write the
 * command line, the memory map and the start_info at MACHINE_PVH_INFO_GPA. Fails if the
 * modules would overlap the kernel (load_hi) or do not fit. */
int pvh_setup(struct guest_mem *m, const struct kernel_image *k, const char *cmdline,
              const struct pvh_module *mods, int nmods, char *err);

#endif
