/* The PVH boot ABI (Xen's "HVM direct boot"): the ELF note that names the 32-bit entry
 * point and the start_info block whose address is in %ebx at that entry. Layout follows
 * xen/include/public/arch-x86/hvm/start_info.h (version 1). */
#ifndef ABI_PVH_H
#define ABI_PVH_H
#include <stdint.h>

#define PVH_NOTE_NAME          "Xen"
#define PVH_NOTE_PHYS32_ENTRY  18          /* XEN_ELFNOTE_PHYS32_ENTRY */
#define PVH_START_MAGIC        0x336ec578U

#define PVH_MEMMAP_RAM         1
#define PVH_MEMMAP_RESERVED    2

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;     /* version >= 1 */
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

#endif
