/* Boot information: the PVH start_info (memory map, modules, command line) read right
 * after entry through the boot identity map, then the device tree found among the
 * modules by its magic, and the initrd beside it. Everything here is VMM-supplied and
 * checked before use. */
#include "abi/pvh.h"
#include "guest/kernel/platform.h"

#define IDENTITY_LIMIT (1ULL << 30)     /* boot.S identity-maps the first GiB */
#define MAX_MEMMAP     128

struct bootinfo bootinfo;
struct boot_mem boot_mem;
static uint64_t pvh_cmdline_pa;
extern char _end[];

static bool below_identity(uint64_t pa, uint64_t len)
{
    return pa < IDENTITY_LIMIT && len <= IDENTITY_LIMIT - pa;
}

/* The RAM entry of the memory map that holds the kernel image gives ram_end. */
static void pvh_memmap(const struct hvm_start_info *si)
{
    uint64_t kend = KV2P(_end);
    uint32_t n = si->memmap_entries;
    if (si->version < 1 || n == 0 || n > MAX_MEMMAP ||
        !below_identity(si->memmap_paddr, n * sizeof(struct hvm_memmap_table_entry)))
        return;
    const struct hvm_memmap_table_entry *m = (const void *)si->memmap_paddr;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = m[i].addr, e = a + m[i].size;
        if (m[i].type == PVH_MEMMAP_RAM && e > a && a <= MACHINE_KERNEL_MIN_GPA && e >= kend)
            boot_mem.ram_end = e < MACHINE_RAM_MAX ? e : MACHINE_RAM_MAX;
    }
}

/* Records what the kernel needs from start_info. Runs before the direct map exists, so
 * it reads physical addresses below 1 GiB directly and keeps only numbers. */
void pvh_parse(uint64_t si_pa)
{
    if (!below_identity(si_pa, sizeof(struct hvm_start_info)))
        panic("PVH start_info at %lx is not in the first GiB", si_pa);
    const struct hvm_start_info *si = (const void *)si_pa;
    if (si->magic != PVH_START_MAGIC)
        panic("bad PVH start_info magic %x", si->magic);
    pvh_memmap(si);
    uint32_t nm = si->nr_modules < MAX_MODULES ? si->nr_modules : MAX_MODULES;
    if (nm && below_identity(si->modlist_paddr, nm * sizeof(struct hvm_modlist_entry))) {
        const struct hvm_modlist_entry *m = (const void *)si->modlist_paddr;
        for (uint32_t i = 0; i < nm; i++) {
            uint64_t a = m[i].paddr, s = m[i].size;
            if (a >= KV2P(_end) && s > 0 && s <= MACHINE_RAM_MAX && a <= MACHINE_RAM_MAX - s)
                boot_mem.mods[boot_mem.nmods++] = (struct pvh_module){ a, s };
        }
    }
    /* Without a memory map, RAM reaches at least to the end of the top module. */
    for (int i = 0; i < boot_mem.nmods && boot_mem.ram_end == 0; i++)
        if (boot_mem.mods[i].pa + boot_mem.mods[i].size > boot_mem.ram_end)
            boot_mem.ram_end = boot_mem.mods[i].pa + boot_mem.mods[i].size;
    if (boot_mem.ram_end < KV2P(_end))
        panic("no usable RAM above the kernel in the PVH memory map");
    boot_mem.alloc_end = boot_mem.ram_end;
    for (int i = 0; i < boot_mem.nmods; i++) {
        if (boot_mem.mods[i].pa + boot_mem.mods[i].size > boot_mem.ram_end)
            boot_mem.mods[i--] = boot_mem.mods[--boot_mem.nmods];   /* outside RAM: drop */
        else if (boot_mem.mods[i].pa < boot_mem.alloc_end)
            boot_mem.alloc_end = boot_mem.mods[i].pa;
    }
    pvh_cmdline_pa = si->cmdline_paddr;
}

/* The PVH command line, if it is NUL-terminated within 4 KiB of RAM. */
static const char *pvh_cmdline(void)
{
    uint64_t pa = pvh_cmdline_pa;
    if (pa == 0 || pa >= boot_mem.ram_end)
        return NULL;
    const char *s = P2V(pa);
    for (uint64_t i = 0; i < 4096 && pa + i < boot_mem.ram_end; i++)
        if (s[i] == 0)
            return s;
    return NULL;
}

static void bootinfo_defaults(void)
{
    bootinfo.cmdline = NULL;
    bootinfo.command = NULL;
    bootinfo.ncommand = 0;
    bootinfo.syscall_gate = "syscall";
    bootinfo.host = "unknown";
    bootinfo.tick = "lapic";
    bootinfo.mmu = "direct";
    bootinfo.pt_pool_pa = bootinfo.pt_pool_size = 0;
}

/* Finds the tree among the modules and the initrd: another module, or the blob at the
 * next 4 KiB boundary after the tree inside the tree's module. */
void bootinfo_init(void)
{
    int tree = -1;
    uint64_t total = 0;
    bootinfo_defaults();
    for (int i = 0; i < boot_mem.nmods && tree < 0; i++) {
        const void *b = P2V(boot_mem.mods[i].pa);
        if (fdt_has_magic(b, boot_mem.mods[i].size)) {
            total = fdt_parse(b, boot_mem.mods[i].size);
            if (total == 0) {
                bootinfo_defaults();
                kprintf("boot: module %d has a malformed device tree: ignored\n", i);
            } else {
                tree = i;
            }
        }
    }
    for (int i = 0; i < boot_mem.nmods && !bootinfo.initrd; i++) {
        if (i != tree) {
            bootinfo.initrd = P2V(boot_mem.mods[i].pa);
            bootinfo.initrd_size = boot_mem.mods[i].size;
        }
    }
    uint64_t skip = (total + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (!bootinfo.initrd && tree >= 0 && skip < boot_mem.mods[tree].size) {
        bootinfo.initrd = P2V(boot_mem.mods[tree].pa + skip);
        bootinfo.initrd_size = boot_mem.mods[tree].size - skip;
    }
    if (!bootinfo.cmdline)
        bootinfo.cmdline = pvh_cmdline();
    if (!bootinfo.cmdline)
        bootinfo.cmdline = "";
    if (bootinfo.ram_size == 0)
        bootinfo.ram_size = boot_mem.ram_end;
    if (tree < 0)
        kprintf("boot: no device tree among %d PVH modules: using defaults\n", boot_mem.nmods);
}

int cmdline_value(const char *key, char *buf, size_t n)
{
    size_t klen = strlen(key);
    for (const char *s = bootinfo.cmdline; s && *s; ) {
        while (*s == ' ') s++;
        const char *w = s;
        while (*s && *s != ' ') s++;
        if ((size_t)(s - w) > klen && strncmp(w, key, klen) == 0 && w[klen] == '=') {
            size_t i = 0;
            for (w += klen + 1; w < s && i + 1 < n; w++) buf[i++] = *w;
            buf[i] = '\0';
            return 1;
        }
    }
    return 0;
}

/* True if the command line holds word as a whole space-separated token. */
bool cmdline_has(const char *word)
{
    size_t n = strlen(word);
    for (const char *s = bootinfo.cmdline; s && *s;) {
        while (*s == ' ')
            s++;
        if (strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == 0))
            return true;
        while (*s && *s != ' ')
            s++;
    }
    return false;
}
