/* --mmu shadow wired to KVM: the pool as a read-only memslot (its writes exit as MMIO
 * carrying the data), the shadow region as a VMM-private memslot above 4 GiB, the exit
 * hooks for pool writes and CTL_CR3, and the real CR3 set with KVM_SET_SREGS. The shadow
 * state itself is memory/shadow.c, behind one mutex that the vCPUs share. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "abi/machine.h"
#include "memory/shadow.h"
#include "vmm/boot.h"
#include "vmm/json.h"
#include "vmm/mmu.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

#define SHADOW_SLOT 3                /* guest_mem uses 0-2 */
#define FLUSH_SLOT  4                /* one page, deleted and added again by resync */
#define FLUSH_GPA   (MACHINE_SHADOW_GPA + (1ULL << 30))
#define MIB2        (2ULL << 20)

struct mmu {
    pthread_mutex_t lock;
    struct shadow s;
    void *region;
    uint64_t ns;                     /* time inside the shadow MMU, all vCPUs */
    bool host_shadows;               /* the host's KVM shadows our shadow tables (PVM, npt=0) */
    void *flush_page;
    int vm_fd;
};

static int flush_slot(struct mmu *u, uint64_t size)
{
    struct kvm_userspace_memory_region r = {
        .slot = FLUSH_SLOT, .flags = KVM_MEM_READONLY, .guest_phys_addr = FLUSH_GPA,
        .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)u->flush_page,
    };
    return ioctl(u->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* The shadow's flush (memory/shadow.h), with u->lock held. Where the host's KVM itself
 * uses shadow paging (PVM, npt=0), it has shadowed our shadow tables and write-protected
 * them against the guest, but it never sees the VMM's own writes to them, and a guest
 * invlpg only re-reads what KVM left unsynced: its copy is dropped instead. Deleting any
 * memslot zaps all of KVM's shadow pages (KVM_X86_QUIRK_SLOT_ZAP_ALL); a one-page slot
 * that nothing uses serves. With EPT/NPT there is no such copy (flush stays NULL): the
 * hardware walks our tables, and the guest's own invlpg and CR3 reloads are enough. */
static int resync(void *ctx)
{
    struct mmu *u = ctx;
    return flush_slot(u, 0) < 0 || flush_slot(u, 4096) < 0 ? -1 : 0;
}

void mmu_plan(struct vm *vm, const char *mode)
{
    if (strcmp(mode, "direct") == 0) {
        vm->mmu_mode = "direct";
        return;
    }
    if (strcmp(mode, "shadow") != 0)
        usage_error("--mmu %s: must be direct or shadow", mode);
    vm->mmu_mode = "shadow";
    uint64_t size = vm->mem.size / 8;
    if (size > MACHINE_PT_POOL_MAX)
        size = MACHINE_PT_POOL_MAX;
    size &= ~(MIB2 - 1);
    vm->mem.ro_size = size;
    vm->mem.ro_gpa = vm->mem.size - size;
}

/* A trapped write to the pool: the guest changing a page table. */
static enum exit_verdict on_mmio(void *ctx, struct vcpu *v)
{
    struct mmu *u = ctx;
    struct kvm_run *run = v->run;
    uint64_t gpa = run->mmio.phys_addr;
    if (!shadow_in_pool(&u->s, gpa))
        return EXIT_PASS;
    if (run->mmio.len == 0 || run->mmio.len > 8) {
        vcpu_report(v, "malformed KVM_EXIT_MMIO (len %u)", run->mmio.len);
        vm_stop(v->vm, VMM_EXIT_CRASH);
        return EXIT_STOP;
    }
    if (!run->mmio.is_write) {       /* the slot is readable: not expected, but answer */
        if (gpa_read(&v->vm->mem, gpa, run->mmio.data, run->mmio.len) < 0)
            memset(run->mmio.data, 0xff, run->mmio.len);
        return EXIT_RESUME;
    }
    char err[SHADOW_ERR_MAX];
    uint64_t t0 = now_ns();
    pthread_mutex_lock(&u->lock);
    int r = shadow_write(&u->s, gpa, run->mmio.data, run->mmio.len);
    if (r < 0)
        memcpy(err, u->s.err, sizeof err);
    pthread_mutex_unlock(&u->lock);
    __atomic_add_fetch(&u->ns, now_ns() - t0, __ATOMIC_RELAXED);
    if (r < 0) {
        vcpu_report(v, "%s", err);
        vm_stop(v->vm, VMM_EXIT_CRASH);
        return EXIT_STOP;
    }
    return EXIT_RESUME;
}

/* Point this vCPU's hardware CR3 at cr3. The out instruction is completed first (KVM_RUN
 * with immediate_exit: KVM finishes the pending I/O, then returns EINTR without running
 * the guest), since KVM's state is consistent only then (api.rst, KVM_EXIT_IO). */
static int set_hw_cr3(struct vcpu *v, uint64_t cr3)
{
    struct kvm_sregs s;
    v->run->immediate_exit = 1;
    int r = ioctl(v->fd, KVM_RUN, 0);
    v->run->immediate_exit = 0;
    if (r == 0 || (errno != EINTR && errno != EAGAIN))
        return -1;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return -1;
    s.cr3 = cr3;
    return ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ? -1 : 0;
}

/* CTL_CR3: the guest loads a page table. */
static enum exit_verdict on_io(void *ctx, struct vcpu *v)
{
    struct mmu *u = ctx;
    struct kvm_run *run = v->run;
    if (run->io.port != CTL_PORT + CTL_CR3)
        return EXIT_PASS;
    /* Anything but one 32-bit out goes to the control port, which ignores it. */
    if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1 ||
        run->io.data_offset > (uint64_t)v->vm->run_size - 4)
        return EXIT_PASS;
    uint32_t val;
    memcpy(&val, (uint8_t *)run + run->io.data_offset, 4);
    char err[SHADOW_ERR_MAX];
    uint64_t hw = 0, t0 = now_ns();
    pthread_mutex_lock(&u->lock);
    int32_t before = u->s.root[v->id];
    int r = shadow_load_cr3(&u->s, v->id, val, &hw);
    bool same = r == 0 && before == u->s.root[v->id];
    if (r < 0)
        memcpy(err, u->s.err, sizeof err);
    else if (u->s.stale && shadow_flush(&u->s) < 0) {
        snprintf(err, sizeof err, "resync: KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
        r = -1;
    }
    pthread_mutex_unlock(&u->lock);
    if (r == 0 && !same && set_hw_cr3(v, hw) < 0) {
        snprintf(err, sizeof err, "setting CR3 to the shadow root: %s", strerror(errno));
        r = -1;
    }
    __atomic_add_fetch(&u->ns, now_ns() - t0, __ATOMIC_RELAXED);
    if (r < 0) {
        vcpu_report(v, "CTL_CR3 0x%x: %s", val, err);
        vm_stop(v->vm, VMM_EXIT_CRASH);
        return EXIT_STOP;
    }
    return EXIT_RESUME;
}

void mmu_start(struct vm *vm)
{
    if (strcmp(vm->mmu_mode, "shadow") != 0)
        return;
    struct mmu *u = calloc(1, sizeof *u);
    if (!u)
        die("out of memory");
    uint64_t bytes = MACHINE_SHADOW_PAGES * 4096ULL;
    u->region = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (u->region == MAP_FAILED)
        die("--mmu shadow: cannot map the shadow region: %s", strerror(errno));
    u->host_shadows = strcmp(host_paging_mode(vm->host_backend), "shadow") == 0;
    /* No shadow entry ever maps this region (memory/shadow.c refuses it), so the guest
     * cannot reach it. Where KVM shadows our tables in software (PVM, npt=0/ept=0) it only
     * reads them, and the slot is read-only too, as a second wall. Under hardware nested
     * paging (EPT/NPT) the CPU's table walker may access the tables with write intent
     * (for accessed/dirty bits, which we preset; QEMU's emulated NPT walk always does):
     * a read-only slot would make every TLB miss an instruction emulation in KVM. */
    struct kvm_userspace_memory_region r = {
        .slot = SHADOW_SLOT, .flags = u->host_shadows ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = MACHINE_SHADOW_GPA, .memory_size = bytes,
        .userspace_addr = (uint64_t)(uintptr_t)u->region,
    };
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
        die("--mmu shadow: KVM_SET_USER_MEMORY_REGION (shadow region): %s", strerror(errno));
    if (shadow_init(&u->s, &vm->mem, vm->mem.ro_gpa, vm->mem.ro_size, u->region,
                    MACHINE_SHADOW_GPA, MACHINE_SHADOW_PAGES) < 0)
        die("--mmu shadow: %s", u->s.err);
    u->vm_fd = vm->vm_fd;
    u->flush_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (u->flush_page == MAP_FAILED || (u->host_shadows && flush_slot(u, 4096) < 0))
        die("--mmu shadow: the flush memslot: %s", strerror(errno));
    if (u->host_shadows) {
        u->s.flush = resync;
        u->s.flush_ctx = u;
        sandbox_allow_vcpu_memslots();
    }
    pthread_mutex_init(&u->lock, NULL);
    vm->mmu = u;
    vm_hook_exit(vm, KVM_EXIT_MMIO, on_mmio, u);
    vm_hook_exit(vm, KVM_EXIT_IO, on_io, u);
}

void mmu_describe(const struct vm *vm, struct machine_desc *d)
{
    if (vm->mmu == NULL)
        return;
    d->mmu = "shadow";
    d->pt_pool_gpa = vm->mem.ro_gpa;
    d->pt_pool_size = vm->mem.ro_size;
}

void mmu_stats_json(struct vm *vm, struct json *j)
{
    json_key(j, "mmu");
    json_object_begin(j);
    json_key(j, "mode");
    json_string(j, vm->mmu_mode ? vm->mmu_mode : "direct");
    struct mmu *u = vm->mmu;
    if (u != NULL) {
        pthread_mutex_lock(&u->lock);
        struct shadow_stats st = u->s.st;
        uint64_t ns = __atomic_load_n(&u->ns, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&u->lock);
        const struct { const char *name; uint64_t v; } f[] = {
            { "pte_writes", st.pte_writes }, { "cr3_loads", st.cr3_loads },
            { "shadow_pages", st.pages }, { "shadow_pages_max", st.pages_max },
            { "shadow_roots", st.roots }, { "refused", st.refused },
            { "collections", st.collections }, { "resyncs", st.resyncs }, { "vmm_ns", ns },
            { "pool_bytes", vm->mem.ro_size },
        };
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
            json_key(j, f[i].name);
            json_uint(j, f[i].v);
        }
    }
    json_object_end(j);
}

bool mmu_guest_cr3(const struct vm *vm, int cpu, uint64_t *cr3)
{
    struct mmu *u = vm->mmu;
    if (u == NULL || cpu < 0 || cpu >= SHADOW_MAX_CPUS)
        return false;
    pthread_mutex_lock(&u->lock);
    *cr3 = u->s.guest_cr3[cpu];
    bool ok = u->s.root[cpu] >= 0;
    pthread_mutex_unlock(&u->lock);
    return ok;
}

bool mmu_shadow_walk(const struct vm *vm, int cpu, uint64_t va, struct walk_result *out,
                     enum walk_status *status)
{
    struct mmu *u = vm->mmu;
    if (u == NULL)
        return false;
    pthread_mutex_lock(&u->lock);
    *status = shadow_walk(&u->s, cpu, va, out);
    pthread_mutex_unlock(&u->lock);
    return true;
}
