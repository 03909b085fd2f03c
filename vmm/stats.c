/* --stats: gather the VMM's counters and KVM's binary statistics into one JSON file. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi/machine.h"
#include "devices/pit.h"
#include "vmm/json.h"
#include "vmm/kvmstats.h"
#include "vmm/sandbox.h"
#include "vmm/mmu.h"
#include "vmm/stats.h"
#include "vmm/vm.h"

#define MAX_MARKS 4096
#define MAX_MARK_NAMES 256

/* KVM statistics each mark also snapshots (summed over vCPUs), for per-phase deltas. */
static const char *const mark_kvm_stats[] = {
    "exits", "pf_guest", "pf_fixed", "tlb_flush", "invlpg", "halt_exits",
    "irq_injections", "irq_window_exits",
};
#define MARK_KVM_STATS (sizeof mark_kvm_stats / sizeof mark_kvm_stats[0])

struct mark {
    uint32_t id, vcpu;
    uint64_t ns, exits, insn_emulation;
    uint64_t vmm_ns;                   /* the VMM's time between KVM_RUNs, all reasons */
    uint64_t kvm[MARK_KVM_STATS];
};

/* One machine's statistics besides the vCPUs' own counters. */
struct stats {
    struct kvmstats *vm, *vcpu[VMM_MAX_CPUS];
    const char *paging;              /* read at set-up: the sandbox forbids open() later */
    pthread_mutex_t marks_lock;
    int nmarks, nnames;
    struct mark marks[MAX_MARKS];
    struct { uint32_t id; char name[CTL_MARK_NAME_MAX]; } names[MAX_MARK_NAMES];
};

static const char *const reason_names[EXIT_REASONS] = {
    [KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION", [KVM_EXIT_IO] = "IO",
    [KVM_EXIT_HYPERCALL] = "HYPERCALL", [KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
    [KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
    [KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
    [KVM_EXIT_INTR] = "INTR", [KVM_EXIT_SET_TPR] = "SET_TPR", [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
    [KVM_EXIT_NMI] = "NMI", [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
    [KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT", [KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
    [KVM_EXIT_X86_RDMSR] = "X86_RDMSR", [KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
};

const char *exit_reason_name(uint32_t reason)
{
    return reason < EXIT_REASONS ? reason_names[reason] : NULL;
}

void stats_open(struct vm *vm)
{
    struct stats *st = calloc(1, sizeof *st);
    if (!st)
        die("out of memory");
    pthread_mutex_init(&st->marks_lock, NULL);
    /* Without KVM_CAP_BINARY_STATS_FD the file simply has no "kvm" sections. */
    st->vm = kvmstats_open(vm->vm_fd);
    for (int i = 0; i < vm->ncpus; i++)
        st->vcpu[i] = kvmstats_open(vm->vcpus[i].fd);
    st->paging = host_paging_mode(vm->host_backend);
    vm->stats = st;
}

static uint64_t kvm_stat(struct kvmstats *s, const char *name)
{
    int i = s ? kvmstats_find(s, name) : -1;
    return i < 0 ? 0 : kvmstats_value(s, i);
}

void stats_mark(struct vm *vm, uint32_t id)
{
    struct stats *st = vm->stats;
    uint64_t ns = now_ns(), exits = 0, insns = 0, vmm_ns = 0, kvm[MARK_KVM_STATS] = { 0 };
    for (int i = 0; i < vm->ncpus; i++) {
        for (int r = 0; r < EXIT_REASONS; r++) {
            exits += vm->vcpus[i].exits[r];
            vmm_ns += vm->vcpus[i].vmm_ns[r];
        }
        if (st->vcpu[i] && kvmstats_read(st->vcpu[i]) == 0) {
            insns += kvm_stat(st->vcpu[i], "insn_emulation");
            for (size_t k = 0; k < MARK_KVM_STATS; k++)
                kvm[k] += kvm_stat(st->vcpu[i], mark_kvm_stats[k]);
        }
    }
    pthread_mutex_lock(&st->marks_lock);
    if (st->nmarks < MAX_MARKS) {
        st->marks[st->nmarks] = (struct mark){ id, 0, ns - vm->start_ns, exits, insns, vmm_ns,
                                               { 0 } };
        memcpy(st->marks[st->nmarks++].kvm, kvm, sizeof kvm);
    }
    pthread_mutex_unlock(&st->marks_lock);
}

void stats_mark_name(struct vm *vm, uint32_t id, const char *name)
{
    struct stats *st = vm->stats;
    pthread_mutex_lock(&st->marks_lock);
    int i = 0;
    while (i < st->nnames && st->names[i].id != id)
        i++;
    if (i < MAX_MARK_NAMES) {           /* a name given again replaces the old one */
        st->names[i].id = id;
        snprintf(st->names[i].name, sizeof st->names[i].name, "%s", name);
        if (i == st->nnames)
            st->nnames++;
    }
    pthread_mutex_unlock(&st->marks_lock);
}

/* A mark's name: its own, or its start's with ".end" (id | MARK_END); NULL if unnamed. */
static const char *mark_name(const struct stats *st, uint32_t id, char *buf, size_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        uint32_t want = pass ? id & ~MARK_END : id;
        if (pass && !(id & MARK_END))
            break;
        for (int i = 0; i < st->nnames; i++)
            if (st->names[i].id == want) {
                snprintf(buf, n, "%s%s", st->names[i].name, pass ? ".end" : "");
                return buf;
            }
    }
    return NULL;
}

static void write_reasons(struct json *j, const uint64_t *counts)
{
    json_object_begin(j);
    for (int r = 0; r < EXIT_REASONS; r++) {
        if (!counts[r])
            continue;
        char other[16];
        snprintf(other, sizeof other, "reason_%d", r);
        json_key(j, reason_names[r] ? reason_names[r] : other);
        json_uint(j, counts[r]);
    }
    json_object_end(j);
}

static void write_bus(struct json *j, struct bus *b)
{
    json_object_begin(j);
    for (int i = 0; i < b->nregions; i++) {
        struct bus_region *r = &b->regions[i];
        char key[64];
        snprintf(key, sizeof key, "%s@0x%llx", r->name, (unsigned long long)r->base);
        json_key(j, key);
        json_object_begin(j);
        json_key(j, "accesses");
        json_uint(j, atomic_load_explicit(&r->accesses, memory_order_relaxed));
        json_key(j, "len");
        json_uint(j, r->len);
        /* by_address counts only the region's first bytes: say how many. */
        json_key(j, "by_address_bytes");
        json_uint(j, r->len < BUS_COUNTED_OFFSETS ? r->len : BUS_COUNTED_OFFSETS);
        json_key(j, "by_address");
        json_object_begin(j);
        for (uint64_t o = 0; o < BUS_COUNTED_OFFSETS && o < r->len; o++) {
            uint64_t n = atomic_load_explicit(&r->by_offset[o], memory_order_relaxed);
            if (!n)
                continue;
            snprintf(key, sizeof key, "0x%llx", (unsigned long long)(r->base + o));
            json_key(j, key);
            json_uint(j, n);
        }
        json_object_end(j);
        json_object_end(j);
    }
    json_key(j, "unclaimed");
    json_uint(j, atomic_load_explicit(&b->unclaimed, memory_order_relaxed));
    json_object_end(j);
}

static void write_kvm(struct json *j, struct kvmstats *s)
{
    json_object_begin(j);
    if (s && kvmstats_read(s) == 0)
        for (size_t i = 0; i < kvmstats_count(s); i++) {
            json_key(j, kvmstats_name(s, i));
            json_uint(j, kvmstats_value(s, i));
        }
    json_object_end(j);
}

int stats_write(struct vm *vm, FILE *f)
{
    struct stats *st = vm->stats;
    const struct mark *marks = st->marks;
    struct json j;
    json_init(&j, f);
    uint64_t exits[EXIT_REASONS] = { 0 }, vmm_ns[EXIT_REASONS] = { 0 };
    uint64_t guest_ns = 0, total_vmm_ns = 0, total = 0;
    for (int i = 0; i < vm->ncpus; i++)
        for (int r = 0; r < EXIT_REASONS; r++) {
            exits[r] += vm->vcpus[i].exits[r];
            vmm_ns[r] += vm->vcpus[i].vmm_ns[r];
            total += vm->vcpus[i].exits[r];
            total_vmm_ns += vm->vcpus[i].vmm_ns[r];
        }
    for (int i = 0; i < vm->ncpus; i++)
        guest_ns += vm->vcpus[i].guest_ns;

    json_object_begin(&j);
    json_key(&j, "host");
    json_object_begin(&j);
    json_key(&j, "kvm_backend");
    json_string(&j, vm->host_backend);
    json_key(&j, "syscall_gate");
    json_string(&j, vm->syscall_gate);
    json_key(&j, "paging");
    json_string(&j, vm->stats->paging);
    json_key(&j, "sandbox");
    json_string(&j, sandbox_enabled() ? "on" : "off");
    json_object_end(&j);
    mmu_stats_json(vm, &j);
    json_key(&j, "vcpus");
    json_uint(&j, vm->ncpus);
    json_key(&j, "mem_bytes");
    json_uint(&j, vm->mem.size);
    json_key(&j, "exit_status");
    json_int(&j, vm->exit_status);
    json_key(&j, "wall_ns");
    json_uint(&j, now_ns() - vm->start_ns);
    json_key(&j, "exits");
    json_object_begin(&j);
    json_key(&j, "total");
    json_uint(&j, total);
    json_key(&j, "by_reason");
    write_reasons(&j, exits);
    json_object_end(&j);
    json_key(&j, "time");
    json_object_begin(&j);
    json_key(&j, "guest_ns");
    json_uint(&j, guest_ns);
    json_key(&j, "vmm_ns");
    json_uint(&j, total_vmm_ns);
    json_key(&j, "vmm_ns_by_reason");
    write_reasons(&j, vmm_ns);
    json_object_end(&j);
    json_key(&j, "pio");
    write_bus(&j, &vm->pio);
    json_key(&j, "mmio");
    write_bus(&j, &vm->mmio);
    json_key(&j, "pit_irqs");
    json_uint(&j, vm->pit ? pit_irq_count(vm->pit) : 0);
    json_key(&j, "marks");
    json_array_begin(&j);
    for (int i = 0; i < st->nmarks; i++) {
        json_object_begin(&j);
        json_key(&j, "id");
        json_uint(&j, marks[i].id);
        char name[CTL_MARK_NAME_MAX + 8];
        if (mark_name(st, marks[i].id, name, sizeof name)) {
            json_key(&j, "name");
            json_string(&j, name);
        }
        json_key(&j, "ns");
        json_uint(&j, marks[i].ns);
        json_key(&j, "exits");
        json_uint(&j, marks[i].exits);
        json_key(&j, "insn_emulation");
        json_uint(&j, marks[i].insn_emulation);
        json_key(&j, "vmm_ns");
        json_uint(&j, marks[i].vmm_ns);
        json_key(&j, "kvm");
        json_object_begin(&j);
        for (size_t k = 0; k < MARK_KVM_STATS; k++) {
            json_key(&j, mark_kvm_stats[k]);
            json_uint(&j, marks[i].kvm[k]);
        }
        json_object_end(&j);
        json_object_end(&j);
    }
    json_array_end(&j);
    json_key(&j, "kvm_vm");
    write_kvm(&j, st->vm);
    json_key(&j, "per_vcpu");
    json_array_begin(&j);
    for (int i = 0; i < vm->ncpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        json_object_begin(&j);
        json_key(&j, "id");
        json_uint(&j, i);
        json_key(&j, "exits");
        write_reasons(&j, v->exits);
        json_key(&j, "guest_ns");
        json_uint(&j, v->guest_ns);
        json_key(&j, "kvm");
        write_kvm(&j, st->vcpu[i]);
        json_object_end(&j);
    }
    json_array_end(&j);
    json_object_end(&j);
    int r = json_finish(&j);
    if (fclose(f) != 0 || r < 0) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}
