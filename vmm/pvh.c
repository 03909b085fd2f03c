/* The PVH hand-over: places the boot modules (device tree, initrd) at the top of guest
 * RAM and writes the command line, the memory map and the hvm_start_info block whose
 * address the vCPU gets in %ebx. Placement is checked in full before anything is written. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "abi/machine.h"
#include "abi/pvh.h"
#include "vmm/boot.h"

#define PAGE            0x1000ULL
#define CMDLINE_MAX     4096ULL          /* bytes at MACHINE_CMDLINE_GPA, NUL included */
#define LOW_RAM_END     0xa0000ULL       /* the legacy VGA/BIOS hole up to 1 MiB */
#define MEMMAP_ENTRIES  3

typedef unsigned long long ull;

/* The boot block at MACHINE_PVH_INFO_GPA: start_info, then the module list, then the
 * memory map, all below the command line page. */
#define MODLIST_GPA     (MACHINE_PVH_INFO_GPA + sizeof(struct hvm_start_info))
#define MEMMAP_GPA(n)   (MODLIST_GPA + (uint64_t)(n) * sizeof(struct hvm_modlist_entry))
#define MEMMAP_SIZE     (MEMMAP_ENTRIES * sizeof(struct hvm_memmap_table_entry))
#define MAX_MODULES     ((MACHINE_CMDLINE_GPA - MODLIST_GPA - MEMMAP_SIZE) / \
                         sizeof(struct hvm_modlist_entry))

#define fail boot_fail

/* Choose each module's address, top of RAM downwards (below a read-only window at the
 * top, the page-table pool), 4 KiB aligned, above `floor`. */
static int place_modules(const struct guest_mem *m, uint64_t floor,
                         const struct pvh_module *mods, int nmods, uint64_t *addr, char *err)
{
    uint64_t top = (m->ro_size ? m->ro_gpa : m->size) & ~(PAGE - 1);
    for (int i = 0; i < nmods; i++) {
        uint64_t size = mods[i].size;
        if (mods[i].data == NULL && size > 0)
            return fail(err, "%s has no data", mods[i].name);
        if (top < floor || size > top - floor || ((top - size) & ~(PAGE - 1)) < floor)
            return fail(err, "%s (%llu bytes) does not fit in guest RAM (%llu MiB) "
                        "above the kernel (which ends at 0x%llx)", mods[i].name, (ull)size,
                        (ull)(m->size >> 20), (ull)floor);
        addr[i] = (top - size) & ~(PAGE - 1);
        top = addr[i];
    }
    return 0;
}

/* The checks that need no placement: kernel bounds, command line, module count. */
static int check_args(const struct guest_mem *m, const struct kernel_image *k,
                      size_t cmdlen, int nmods, char *err)
{
    if (m->size <= MACHINE_KERNEL_MIN_GPA)
        return fail(err, "guest RAM (%llu bytes) must be larger than 1 MiB", (ull)m->size);
    if (k->load_lo < MACHINE_KERNEL_MIN_GPA || k->load_hi < k->load_lo ||
        k->load_hi > m->size)
        return fail(err, "kernel [0x%llx-0x%llx) is not inside guest RAM above 1 MiB",
                    (ull)k->load_lo, (ull)k->load_hi);
    if (cmdlen >= CMDLINE_MAX)
        return fail(err, "kernel command line is %zu bytes (at most %llu)", cmdlen,
                    CMDLINE_MAX - 1);
    if (nmods < 0 || (uint64_t)nmods > MAX_MODULES)
        return fail(err, "%d boot modules (at most %d)", nmods, (int)MAX_MODULES);
    return 0;
}

/* The guest's view of RAM: low memory, the legacy hole, everything from 1 MiB up. Boot
 * modules are RAM too: the kernel learns where they are from the module list. */
static int write_memmap(const struct guest_mem *m, uint64_t gpa)
{
    const struct hvm_memmap_table_entry map[MEMMAP_ENTRIES] = {
        { 0, LOW_RAM_END, PVH_MEMMAP_RAM, 0 },
        { LOW_RAM_END, MACHINE_KERNEL_MIN_GPA - LOW_RAM_END, PVH_MEMMAP_RESERVED, 0 },
        { MACHINE_KERNEL_MIN_GPA, m->size - MACHINE_KERNEL_MIN_GPA, PVH_MEMMAP_RAM, 0 },
    };
    return gpa_write(m, gpa, map, sizeof map);
}

static int write_boot_info(const struct guest_mem *m, const char *cmdline, size_t cmdlen,
                           const struct pvh_module *mods, int nmods, const uint64_t *addr)
{
    for (int i = 0; i < nmods; i++) {
        const struct hvm_modlist_entry e = { addr[i], mods[i].size, 0, 0 };
        if (gpa_write(m, addr[i], mods[i].data, mods[i].size) < 0 ||
            gpa_write(m, MODLIST_GPA + (uint64_t)i * sizeof e, &e, sizeof e) < 0)
            return -1;
    }
    const struct hvm_start_info si = {
        .magic = PVH_START_MAGIC,
        .version = 1,
        .nr_modules = (uint32_t)nmods,
        .modlist_paddr = nmods > 0 ? MODLIST_GPA : 0,
        .cmdline_paddr = MACHINE_CMDLINE_GPA,
        .memmap_paddr = MEMMAP_GPA(nmods),
        .memmap_entries = MEMMAP_ENTRIES,
    };
    if (gpa_write(m, MACHINE_CMDLINE_GPA, cmdline, cmdlen + 1) < 0 ||
        write_memmap(m, MEMMAP_GPA(nmods)) < 0 ||
        gpa_write(m, MACHINE_PVH_INFO_GPA, &si, sizeof si) < 0)
        return -1;
    return 0;
}

int pvh_setup(struct guest_mem *m, const struct kernel_image *k, const char *cmdline,
              const struct pvh_module *mods, int nmods, char *err)
{
    if (cmdline == NULL)
        cmdline = "";
    size_t cmdlen = strlen(cmdline);
    if (check_args(m, k, cmdlen, nmods, err) < 0)
        return -1;
    uint64_t addr[MAX_MODULES];
    uint64_t floor = k->load_hi > MACHINE_KERNEL_MIN_GPA ? k->load_hi : MACHINE_KERNEL_MIN_GPA;
    if (place_modules(m, floor, mods, nmods, addr, err) < 0)
        return -1;
    /* Cannot fail after the checks above; kept checked because gpa_write is the rule. */
    if (write_boot_info(m, cmdline, cmdlen, mods, nmods, addr) < 0)
        return fail(err, "PVH boot information does not fit in guest RAM");
    return 0;
}
