/* vCPUs: creation, the PVH entry state, one host thread per vCPU, and the run loop with
 * its exit dispatch table. Every exit either goes to a device on a bus, or stops the
 * machine with a report that says what the guest did. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "abi/machine.h"
#include "memory/pagewalk.h"
#include "vmm/sandbox.h"
#include "vmm/mmu.h"
#include "vmm/vm.h"

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
    static struct kvm_cpuid2 *cpuid;
    if (cpuid)
        return cpuid;
    for (int n = 64; n <= 4096; n *= 2) {
        cpuid = calloc(1, sizeof *cpuid + n * sizeof cpuid->entries[0]);
        if (!cpuid)
            die("out of memory");
        cpuid->nent = n;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
            return cpuid;
        free(cpuid);
        cpuid = NULL;
        if (errno != E2BIG)
            die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
    }
    die("KVM_GET_SUPPORTED_CPUID: too many entries");
}

/* KVM's supported CPUID, with this vCPU's APIC ID where the guest reads it. */
static void set_cpuid(struct vcpu *v)
{
    struct kvm_cpuid2 *all = supported_cpuid(v->vm->kvm_fd);
    size_t size = sizeof *all + all->nent * sizeof all->entries[0];
    struct kvm_cpuid2 *c = malloc(size);
    if (!c)
        die("out of memory");
    memcpy(c, all, size);
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == 1)
            e->ebx = (e->ebx & 0x00ffffff) | ((uint32_t)v->id << 24);
        if (e->function == 0xb || e->function == 0x1f)
            e->edx = v->id;
    }
    if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
        die("vCPU %d: KVM_SET_CPUID2: %s", v->id, strerror(errno));
    free(c);
}

void vcpu_create(struct vm *vm, int id)
{
    struct vcpu *v = &vm->vcpus[id];
    v->id = id;
    v->vm = vm;
    v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
    if (v->fd < 0)
        die("KVM_CREATE_VCPU %d: %s", id, strerror(errno));
    v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED)
        die("vCPU %d: mmap kvm_run: %s", id, strerror(errno));
    set_cpuid(v);
}

/* The PVH entry state: 32-bit protected mode with flat 4 GiB segments, paging off,
 * %ebx = start_info. The GDTR is left empty: PVH says the guest must load its own. */
void vcpu_set_pvh_state(struct vcpu *v, uint32_t entry, uint32_t start_info)
{
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        die("vCPU %d: KVM_GET_SREGS: %s", v->id, strerror(errno));
    struct kvm_segment code = {
        .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb,
        .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
    };
    struct kvm_segment data = code;
    data.selector = 0x18;
    data.type = 0x3;
    s.cs = code;
    s.ds = s.es = s.fs = s.gs = s.ss = data;
    s.tr = (struct kvm_segment){ .selector = 0x20, .limit = 0x67, .type = 0xb, .present = 1 };
    s.cr0 = 0x11;          /* PE | ET */
    s.cr4 = 0;
    s.efer = 0;
    if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
        die("vCPU %d: KVM_SET_SREGS: %s", v->id, strerror(errno));
    struct kvm_regs r = { .rip = entry, .rbx = start_info, .rflags = 0x2 };
    if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
        die("vCPU %d: KVM_SET_REGS: %s", v->id, strerror(errno));
}

/* Up to 15 instruction bytes at the guest's rip, as hex, or why they cannot be read. */
static void code_bytes(struct vcpu *v, const struct kvm_regs *r, const struct kvm_sregs *s,
                       char *out, size_t n)
{
    struct walk_regs wr = { s->cr0, s->cr3, s->cr4, s->efer };
    uint64_t cr3;
    if (mmu_guest_cr3(v->vm, v->id, &cr3))    /* --mmu shadow: through the guest's tables */
        wr.cr3 = cr3;
    uint64_t rip = r->rip + ((s->efer & (1 << 10)) ? 0 : s->cs.base);
    size_t used = 0;
    out[0] = 0;
    for (int i = 0; i < 15; i++) {
        struct walk_result w;
        enum walk_status st = gva_walk(&v->vm->mem, &wr, rip + i, &w);
        uint8_t byte;
        if (st != WALK_OK || gpa_read(&v->vm->mem, w.gpa, &byte, 1) < 0) {
            if (i == 0)
                snprintf(out, n, "(unreadable: %s)", walk_status_str(st));
            return;
        }
        used += snprintf(out + used, n - used, "%s%02x", i ? " " : "", byte);
        if (used >= n)
            return;
    }
}

void vcpu_report(struct vcpu *v, const char *fmt, ...)
{
    char msg[256], code[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
        fprintf(stderr, "vmm: vCPU %d: %s\n", v->id, msg);
        return;
    }
    code_bytes(v, &r, &s, code, sizeof code);
    fprintf(stderr, "vmm: vCPU %d: %s at rip 0x%llx (cpl %d, cr0 0x%llx, cr2 0x%llx, cr3 0x%llx); code: %s\n",
            v->id, msg, r.rip, s.cs.dpl, s.cr0, s.cr2, s.cr3, code);
}

/* ---- the built-in exit handlers ---- */

static enum exit_verdict crash(struct vcpu *v)
{
    vm_stop(v->vm, VMM_EXIT_CRASH);
    return EXIT_STOP;
}

static enum exit_verdict exit_io(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    uint32_t size = run->io.size, count = run->io.count;
    uint64_t off = run->io.data_offset;
    if (size == 0 || size > 4 || count == 0 || off > (uint64_t)v->vm->run_size ||
        (uint64_t)size * count > v->vm->run_size - off) {
        vcpu_report(v, "malformed KVM_EXIT_IO (size %u count %u offset %llu)", size, count,
                    (unsigned long long)off);
        return crash(v);
    }
    uint8_t *data = (uint8_t *)run + off;
    for (uint32_t i = 0; i < count; i++)
        bus_access(&v->vm->pio, run->io.port, data + i * size, size,
                   run->io.direction == KVM_EXIT_IO_OUT);
    return EXIT_RESUME;
}

static enum exit_verdict exit_mmio(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    uint32_t len = run->mmio.len;
    if (len == 0 || len > sizeof run->mmio.data) {
        vcpu_report(v, "malformed KVM_EXIT_MMIO (len %u)", len);
        return crash(v);
    }
    bus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len, run->mmio.is_write);
    return EXIT_RESUME;
}

/* With the in-kernel LAPIC, hlt is handled inside KVM; an exit here means nothing to do. */
static enum exit_verdict exit_hlt(struct vcpu *v)
{
    return EXIT_RESUME;
}

/* Only a debugger asks for debug exits: without one (no hook took it), the guest did
 * something we cannot explain. */
static enum exit_verdict exit_debug(struct vcpu *v)
{
    vcpu_report(v, "debug exit (exception %u) without a debugger", v->run->debug.arch.exception);
    return crash(v);
}

static enum exit_verdict exit_shutdown(struct vcpu *v)
{
    struct kvm_vcpu_events ev;
    char why[96] = "";
    if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) == 0 && ev.exception.injected)
        snprintf(why, sizeof why, " while delivering exception %u (error code 0x%x)",
                 ev.exception.nr, ev.exception.error_code);
    vcpu_report(v, "triple fault (KVM_EXIT_SHUTDOWN)%s", why);
    return crash(v);
}

static enum exit_verdict exit_internal_error(struct vcpu *v)
{
    static const char *const sub[] = {
        [KVM_INTERNAL_ERROR_EMULATION] = "emulation failure",
        [KVM_INTERNAL_ERROR_SIMUL_EX] = "exception while delivering an exception",
        [KVM_INTERNAL_ERROR_DELIVERY_EV] = "event delivery failed",
        [KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON] = "unexpected exit reason",
    };
    uint32_t s = v->run->internal.suberror;
    const char *name = s < sizeof sub / sizeof sub[0] && sub[s] ? sub[s] : "unknown";
    vcpu_report(v, "KVM internal error %u (%s)", s, name);
    return crash(v);
}

static enum exit_verdict exit_fail_entry(struct vcpu *v)
{
    vcpu_report(v, "VM entry failed (hardware reason 0x%llx)",
                v->run->fail_entry.hardware_entry_failure_reason);
    return crash(v);
}

static enum exit_verdict exit_system_event(struct vcpu *v)
{
    uint32_t type = v->run->system_event.type;
    if (type == KVM_SYSTEM_EVENT_SHUTDOWN || type == KVM_SYSTEM_EVENT_RESET) {
        vm_stop(v->vm, 0);
        return EXIT_STOP;
    }
    vcpu_report(v, "unhandled system event %u", type);
    return crash(v);
}

typedef enum exit_verdict (*exit_handler)(struct vcpu *v);
static const exit_handler exit_handlers[EXIT_REASONS] = {
    [KVM_EXIT_IO] = exit_io,
    [KVM_EXIT_MMIO] = exit_mmio,
    [KVM_EXIT_HLT] = exit_hlt,
    [KVM_EXIT_DEBUG] = exit_debug,
    [KVM_EXIT_SHUTDOWN] = exit_shutdown,
    [KVM_EXIT_INTERNAL_ERROR] = exit_internal_error,
    [KVM_EXIT_FAIL_ENTRY] = exit_fail_entry,
    [KVM_EXIT_SYSTEM_EVENT] = exit_system_event,
};

/* One exit: the registered hook first (the debugger's breakpoints), then our own. */
static enum exit_verdict dispatch(struct vcpu *v, uint32_t reason)
{
    const struct vm_hooks *h = &v->vm->hooks;
    if (reason >= EXIT_REASONS) {
        vcpu_report(v, "unhandled KVM exit reason %u", reason);
        return crash(v);
    }
    if (h->exit[reason].fn) {
        enum exit_verdict r = h->exit[reason].fn(h->exit[reason].ctx, v);
        if (r != EXIT_PASS)
            return r;
    }
    if (!exit_handlers[reason]) {
        vcpu_report(v, "unhandled KVM exit reason %u", reason);
        return crash(v);
    }
    return exit_handlers[reason](v);
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct vm *vm = v->vm;
    sandbox_enter(SANDBOX_VCPU);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    while (!atomic_load(&vm->stopping)) {
        if (vm->hooks.gate && vm->hooks.gate(vm->hooks.ctx, v))
            continue;                  /* held (by the debugger) until now */
        uint64_t t0 = now_ns();
        int r = ioctl(v->fd, KVM_RUN, 0);
        uint64_t t1 = now_ns();
        v->guest_ns += t1 - t0;
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                v->run->immediate_exit = 0;
                continue;
            }
            vcpu_report(v, "KVM_RUN failed: %s", strerror(errno));
            vm_stop(vm, VMM_EXIT_ERROR);
            break;
        }
        uint32_t reason = v->run->exit_reason;
        enum exit_verdict verdict = dispatch(v, reason);
        if (reason < EXIT_REASONS) {
            v->exits[reason]++;
            v->vmm_ns[reason] += now_ns() - t1;
        }
        if (verdict == EXIT_STOP)
            break;
    }
    return NULL;
}

void vcpu_start(struct vcpu *v)
{
    int err = pthread_create(&v->thread, NULL, vcpu_thread, v);
    if (err)
        die("vCPU %d: pthread_create: %s", v->id, strerror(err));
}
