/* Guest-physical memory: the RAM allocation, its KVM memslot, and the one checked
 * accessor through which every guest-supplied address is turned into a host pointer. */
#ifndef MEMORY_GUEST_MEM_H
#define MEMORY_GUEST_MEM_H
#include <stddef.h>
#include <stdint.h>

struct guest_mem {
    uint8_t *hva;     /* host mapping of guest-physical [0, size) */
    uint64_t size;    /* bytes of RAM, a multiple of 2 MiB */
    uint64_t ro_gpa, ro_size;   /* a read-only window of RAM (--mmu shadow's page-table
                                 * pool): guest writes there exit as MMIO; 0 size: none */
};

/* Map `size` bytes of anonymous memory (MAP_PRIVATE, MADV_HUGEPAGE). 0, or -1 with errno. */
int guest_mem_alloc(struct guest_mem *m, uint64_t size);
/* Register the RAM with the VM at GPA 0: memslot 0, or, with a read-only window, slots 0-2
 * (below it, the window with KVM_MEM_READONLY, above it). The host mapping stays one
 * writable range. 0, or -1 with errno. */
int guest_mem_map(const struct guest_mem *m, int vm_fd);
void guest_mem_free(struct guest_mem *m);

/* The checked accessor: a host pointer to [gpa, gpa + len) if the whole range lies in
 * guest RAM (no wrap-around), else NULL. len 0 is valid for any gpa <= size. */
void *gpa_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Copy between guest RAM and the host through gpa_ptr. 0, or -1 if out of range. */
int gpa_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len);
int gpa_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len);

/* Parse a size such as "256M", "1G", "65536" or "512K" (binary units). 0, or -1. */
int parse_size(const char *s, uint64_t *out);

#endif
