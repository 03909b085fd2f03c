/* build/vmm: the command line, and the order in which a machine is put together, run and
 * taken down. */
#include <errno.h>
#include <getopt.h>
#include <libfdt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "abi/machine.h"
#include "vmm/board_kvm.h"
#include "vmm/boot.h"
#include "vmm/gdb/gdb.h"
#include "vmm/sandbox.h"
#include "vmm/mmu.h"
#include "vmm/stats.h"
#include "vmm/terminal.h"
#include "vmm/vm.h"

/* The GDB stub is optional (make GDB=no): without it these are NULL. */
extern __typeof__(gdb_start) gdb_start __attribute__((weak));
extern __typeof__(gdb_finish) gdb_finish __attribute__((weak));

#define FDT_MAX (64 * 1024)
#define FILE_MAX (1ULL << 30)

struct options {
    const char *kernel, *initrd, *cmdline, *stats, *tick, *gate, *mmu;
    uint64_t mem;
    int ncpus;
    char *const *command;
    int gdb_port;            /* 0: no GDB stub */
    bool gdb_wait;
    bool no_sandbox;
    bool no_disk;            /* --no-disk: not even the bundled one */
    const char *disks[MACHINE_VIRTIO_SLOTS + 1];   /* --disk specs, opened after KVM */
    int ndisks;
};

static struct vm vm;

static const char usage_text[] =
    "Usage: vmm [OPTIONS] [-- COMMAND [ARGS...]]\n"
    "Boot the minivmm guest kernel on KVM. With a COMMAND, the guest runs it instead of\n"
    "the interactive prompt, powers off when it exits, and vmm exits with its status.\n"
    "\n"
    "  --kernel FILE        guest kernel: ELF64 with a PVH entry note (default: the bundled one)\n"
    "  --initrd FILE        initial ramdisk, cpio newc (default: the bundled one)\n"
    "  --disk FILE[,ro]     a virtio-blk disk (repeatable, up to 8); test options\n"
    "                       ,crash-after=N[,torn][,volatile][,seed=S] cut the power at\n"
    "                       write N+1 (see docs/virtio-blk.md); the first disk is the\n"
    "                       root file system (default: the bundled disk image)\n"
    "  --no-disk            no disk at all: programs come from the initrd\n"
    "  --mem SIZE           guest RAM, e.g. 256M or 1G (default 256M, at most 3G)\n"
    "  --cpus N             vCPUs, one host thread each (default 1)\n"
    "  --cmdline STR        kernel command line (/chosen/bootargs)\n"
    "  --timer lapic|pit    the guest's scheduling tick (default lapic)\n"
    "  --syscall-gate auto|syscall|trap\n"
    "                       how guest programs enter the kernel (default auto: trap on\n"
    "                       PVM hosts, where user-mode syscall cannot, syscall elsewhere)\n"
    "  --mmu direct|shadow  who translates guest addresses: the hardware through the guest's\n"
    "                       page tables (default), or the VMM's shadow MMU (docs/paging.md)\n"
    "  --stats FILE         write exit counters, timing and KVM statistics as JSON at exit\n"
    "  --gdb PORT           serve GDB's remote protocol on 127.0.0.1:PORT (docs/debugging.md)\n"
    "  --gdb-wait           with --gdb: keep every vCPU stopped until GDB continues\n"
    "  --no-sandbox         no seccomp filter on the VMM's threads (for development;\n"
    "                       docs/security.md)\n"
    "  -h, --help           this text\n"
    "\n"
    "Console: Ctrl-A x quits, Ctrl-A h lists the keys.\n"
    "Exit status: the guest's power-off status; 1 on errors, 2 on usage errors,\n"
    "121 if the guest kernel panicked, 122 if the guest crashed (triple fault, internal error),\n"
    "123 if a disk's crash-after=N cut the power, 124 if a thread broke its sandbox,\n"
    "137 if the debugger killed the guest,\n"
    "128+N if signal N (SIGTERM, SIGINT, SIGHUP) stopped it (disks flushed, stats written).\n";

/* A file next to this executable: <dir of vmm>/<rel>. */
static const char *bundled(const char *rel)
{
    static char paths[4][PATH_MAX];
    static int next;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        die("/proc/self/exe: %s", strerror(errno));
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    char *p = paths[next++ % 4];
    if ((size_t)snprintf(p, PATH_MAX, "%.*s/%s", PATH_MAX / 2, exe, rel) >= PATH_MAX)
        die("path of the bundled %s is too long", rel);
    return p;
}

/* An argument getopt refused: name it whole, and point a single-dash long option (-cpus)
 * at its two-dash spelling. */
static __attribute__((noreturn)) void unknown_option(const char *arg,
                                                     const struct option *longopts)
{
    const char *name = arg + (arg[0] == '-') + (arg[0] == '-' && arg[1] == '-');
    size_t len = strcspn(name, "=");
    for (const struct option *l = longopts; arg[1] != '-' && l->name; l++)
        if (strlen(l->name) == len && strncmp(l->name, name, len) == 0)
            usage_error("unknown option %s (long options take two dashes: --%s)", arg, l->name);
    usage_error("unknown option %s", arg);
}

static void parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_KERNEL = 256, OPT_INITRD, OPT_MEM, OPT_CPUS, OPT_CMDLINE, OPT_TIMER, OPT_GATE,
           OPT_STATS, OPT_DISK, OPT_NO_DISK, OPT_GDB, OPT_GDB_WAIT, OPT_NO_SANDBOX, OPT_MMU };
    static const struct option longopts[] = {
        { "kernel", required_argument, NULL, OPT_KERNEL },
        { "initrd", required_argument, NULL, OPT_INITRD },
        { "mem", required_argument, NULL, OPT_MEM },
        { "cpus", required_argument, NULL, OPT_CPUS },
        { "cmdline", required_argument, NULL, OPT_CMDLINE },
        { "timer", required_argument, NULL, OPT_TIMER },
        { "syscall-gate", required_argument, NULL, OPT_GATE },
        { "stats", required_argument, NULL, OPT_STATS },
        { "disk", required_argument, NULL, OPT_DISK },
        { "no-disk", no_argument, NULL, OPT_NO_DISK },
        { "gdb", required_argument, NULL, OPT_GDB },
        { "gdb-wait", no_argument, NULL, OPT_GDB_WAIT },
        { "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
        { "mmu", required_argument, NULL, OPT_MMU },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    *o = (struct options){ .cmdline = "", .tick = "lapic", .gate = "auto", .mmu = "direct",
                           .mem = 256ULL << 20, .ncpus = 1 };
    opterr = 0;
    int c, at = optind;          /* the argument getopt is looking at */
    while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        char *end;
        long n;
        switch (c) {
        case OPT_KERNEL: o->kernel = optarg; break;
        case OPT_INITRD: o->initrd = optarg; break;
        case OPT_CMDLINE: o->cmdline = optarg; break;
        case OPT_STATS: o->stats = optarg; break;
        case OPT_DISK:
            if (o->ndisks > MACHINE_VIRTIO_SLOTS)    /* disks_add names the limit */
                usage_error("--disk %s: too many disks (at most %d)", optarg, MACHINE_VIRTIO_SLOTS);
            o->disks[o->ndisks++] = optarg;
            break;
        case OPT_NO_DISK: o->no_disk = true; break;
        case OPT_MEM:
            if (parse_size(optarg, &o->mem) < 0)
                usage_error("--mem %s: not a size (e.g. 256M, 1G)", optarg);
            if (o->mem % (2ULL << 20) || o->mem < (16ULL << 20) || o->mem > MACHINE_RAM_MAX)
                usage_error("--mem %s: must be a multiple of 2 MiB from 16M to 3G", optarg);
            break;
        case OPT_CPUS:
            errno = 0;
            n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || n < 1 || n > VMM_MAX_CPUS)
                usage_error("--cpus %s: must be a number from 1 to %d", optarg, VMM_MAX_CPUS);
            o->ncpus = n;
            break;
        case OPT_TIMER:
            if (strcmp(optarg, "lapic") && strcmp(optarg, "pit"))
                usage_error("--timer %s: must be lapic or pit", optarg);
            o->tick = optarg;
            break;
        case OPT_GDB:
            errno = 0;
            n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || n < 1 || n > 65535)
                usage_error("--gdb %s: must be a TCP port from 1 to 65535", optarg);
            o->gdb_port = n;
            break;
        case OPT_GDB_WAIT: o->gdb_wait = true; break;
        case OPT_NO_SANDBOX: o->no_sandbox = true; break;
        case OPT_MMU:
            if (strcmp(optarg, "direct") && strcmp(optarg, "shadow"))
                usage_error("--mmu %s: must be direct or shadow", optarg);
            o->mmu = optarg;
            break;
        case OPT_GATE:
            if (strcmp(optarg, "auto") && strcmp(optarg, "syscall") && strcmp(optarg, "trap"))
                usage_error("--syscall-gate %s: must be auto, syscall or trap", optarg);
            o->gate = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(0);
        case ':':
            usage_error("%s needs an argument", argv[optind - 1]);
        default:
            unknown_option(argv[at < argc ? at : argc - 1], longopts);
        }
        at = optind;
    }
    if (o->no_disk && o->ndisks > 0)
        usage_error("--no-disk and --disk exclude each other");
    if (!o->no_disk && o->ndisks == 0 && access(bundled("guest/disk.img"), F_OK) == 0)
        o->disks[o->ndisks++] = strdup(bundled("guest/disk.img"));
    if (optind < argc) {
        if (strcmp(argv[optind - 1], "--") != 0)
            usage_error("unexpected argument '%s' (put the guest command after --)", argv[optind]);
        o->command = &argv[optind];
    }
    if (o->gdb_wait && !o->gdb_port)
        usage_error("--gdb-wait needs --gdb PORT");
    if (!o->kernel)
        o->kernel = bundled("guest/kernel.elf");
    if (!o->initrd)
        o->initrd = bundled("guest/initrd.cpio");
}

/* Read a whole file, with one-line errors that name it. */
static uint8_t *read_file(const char *path, const char *what, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("%s %s: %s", what, path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) < 0)
        die("%s %s: %s", what, path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        die("%s %s: not a regular file", what, path);
    if ((uint64_t)st.st_size > FILE_MAX)
        die("%s %s: too large (%lld bytes)", what, path, (long long)st.st_size);
    uint8_t *buf = malloc(st.st_size ? st.st_size : 1);
    if (!buf)
        die("out of memory");
    if (fread(buf, 1, st.st_size, f) != (size_t)st.st_size)
        die("%s %s: read error", what, path);
    fclose(f);
    *size = st.st_size;
    return buf;
}

static void load_guest(const struct options *o)
{
    char err[ERR_MAX];
    size_t ksize, isize;
    uint8_t *kernel = read_file(o->kernel, "kernel", &ksize);
    struct kernel_image k;
    if (elf_load_pvh(&vm.mem, kernel, ksize, &k, err) < 0)
        die("kernel %s: %s", o->kernel, err);
    free(kernel);
    uint8_t *initrd = read_file(o->initrd, "initrd", &isize);

    static uint8_t fdt[FDT_MAX];
    struct machine_desc d = {
        .ram_size = vm.mem.size, .ncpus = vm.ncpus, .bootargs = o->cmdline,
        .command = o->command, .syscall_gate = vm.syscall_gate,
        .host_backend = vm.host_backend, .tick = o->tick, .board = &vm.board,
        .console = isatty(STDIN_FILENO) ? "terminal" : "stream",
    };
    mmu_describe(&vm, &d);
    if (fdt_build(&d, fdt, sizeof fdt, err) < 0)
        die("device tree: %s", err);
    struct pvh_module mods[] = {
        { "device tree", fdt, fdt_totalsize(fdt) },
        { "initrd", initrd, isize },
    };
    if (pvh_setup(&vm.mem, &k, o->cmdline, mods, 2, err) < 0)
        die("boot: %s", err);
    free(initrd);
    vcpu_set_pvh_state(&vm.vcpus[0], k.entry, MACHINE_PVH_INFO_GPA);
}

int main(int argc, char **argv)
{
    struct options o;
    console_std_fds();
    parse_options(argc, argv, &o);
    vm.start_ns = now_ns();
    vm.ncpus = o.ncpus;
    vm.host_backend = host_kvm_backend();
    vm.syscall_gate = strcmp(o.gate, "auto") ? o.gate : host_default_syscall_gate(vm.host_backend);

    if (o.gdb_port && !gdb_start)
        usage_error("--gdb: this vmm was built without the GDB stub (GDB=no)");
    if (o.no_sandbox)
        sandbox_disable();
    /* Before the guest runs, so that a bad path costs nothing. */
    FILE *stats_file = o.stats ? fopen(o.stats, "w") : NULL;
    if (o.stats && !stats_file)
        die("--stats %s: %s", o.stats, strerror(errno));
    vm_signals_block();
    kvm_init(&vm);
    evloop_init(&vm.loop);
    for (int i = 0; i < o.ndisks; i++)
        disks_add(&vm, o.disks[i]);
    board_layout(&vm.board, vm.disks.n);
    if (guest_mem_alloc(&vm.mem, o.mem) < 0)
        die("--mem: cannot allocate %llu MiB of guest RAM: %s",
            (unsigned long long)(o.mem >> 20), strerror(errno));
    mmu_plan(&vm, o.mmu);
    if (guest_mem_map(&vm.mem, vm.vm_fd) < 0)
        die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
    mmu_start(&vm);
    for (int i = 0; i < vm.ncpus; i++)
        vcpu_create(&vm, i);
    stats_open(&vm);
    load_guest(&o);
    board_create(&vm);
    console_open(&vm);
    vm_signals_watch(&vm);

    evloop_start(&vm.loop);
    struct gdb_stub *gdb = o.gdb_port ? gdb_start(&vm, o.gdb_port, o.gdb_wait) : NULL;
    for (int i = 0; i < vm.ncpus; i++)
        vcpu_start(&vm.vcpus[i]);
    sandbox_enter(SANDBOX_MAIN);         /* after the last pthread_create: filters are inherited */
    for (int i = 0; i < vm.ncpus; i++)
        pthread_join(vm.vcpus[i].thread, NULL);
    if (gdb)
        gdb_finish(gdb);
    disks_stop(&vm);
    evloop_stop(&vm.loop);
    console_close(&vm);
    terminal_restore();
    if (stats_file && stats_write(&vm, stats_file) < 0)
        fprintf(stderr, "vmm: --stats %s: %s\n", o.stats, strerror(errno));
    return vm.exit_status;
}
