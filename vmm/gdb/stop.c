/* Stopping and resuming vCPUs for the debugger, and the debug exits that stop them.
 *
 * Every vCPU thread passes gdb_vcpu_gate() (the run loop's gate hook) before KVM_RUN;
 * while its `hold` flag is set it waits there, on the stub's lock and condition, which
 * vm_stop's stop hook (gdb_wake_gates) broadcasts. Stopping the machine = set every hold, kick every vCPU out of KVM_RUN
 * and wait until all are gated. Holds are per vCPU because GDB steps one thread while the
 * others stay stopped (it does so to step off every breakpoint).
 *
 * A debug exit records an event in its vCPU's slot and, if the machine was running,
 * starts the stop and wakes the server thread. Events that arrive while a stop is under
 * way stay pending and are reported at the next resume of their vCPU, as gdbserver does.
 *
 * Host differences (docs/hosts.md): on PVM int3 in the kernel exits as
 * KVM_EXIT_INTERNAL_ERROR at the breakpoint; a hardware breakpoint re-fires when resumed
 * with RF, so a vCPU standing on one is stepped over it with that slot off, then re-armed.
 * Software breakpoints set before paging is on are planted once the vCPU's paging is on:
 * such a vCPU single-steps until then. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "abi/machine.h"
#include "vmm/mmu.h"
#include "vmm/gdb/stub.h"

#define CR0_PG   (1ULL << 31)
#define EFER_LMA (1ULL << 10)
#define DR6_BS   (1ULL << 14)
#define BP_VECTOR 3

static bool all_gated(struct gdb_stub *g)
{
    for (int i = 0; i < g->vm->ncpus; i++)
        if (!g->cpu[i].gated)
            return false;
    return true;
}

/* Hold every vCPU and kick the ones in KVM_RUN (not `self`). g->lock held. */
static void hold_all(struct gdb_stub *g, struct vcpu *self)
{
    for (int i = 0; i < g->vm->ncpus; i++) {
        __atomic_store_n(&g->cpu[i].hold, true, __ATOMIC_RELEASE);
        if (!g->cpu[i].gated && &g->vm->vcpus[i] != self && g->vm->vcpus[i].run)
            vcpu_kick(&g->vm->vcpus[i]);
    }
}

void gdb_stop_all(struct gdb_stub *g)
{
    struct vm *vm = g->vm;
    pthread_mutex_lock(&g->lock);
    if (g->state == GDB_RUNNING)
        g->state = GDB_STOPPING;
    hold_all(g, NULL);
    while (!all_gated(g) && !atomic_load(&vm->stopping))
        pthread_cond_wait(&g->cond, &g->lock);
    g->state = GDB_STOPPED;
    pthread_mutex_unlock(&g->lock);
}

bool gdb_vcpu_gate(void *ctx, struct vcpu *v)
{
    struct gdb_stub *g = ctx;
    if (!__atomic_load_n(&g->cpu[v->id].hold, __ATOMIC_ACQUIRE))
        return false;
    struct gdb_cpu *c = &g->cpu[v->id];
    struct vm *vm = v->vm;
    pthread_mutex_lock(&g->lock);
    bool waited = false;
    while (c->hold && !atomic_load(&vm->stopping)) {
        if (!c->gated) {
            c->gated = true;
            pthread_cond_broadcast(&g->cond);
        }
        pthread_cond_wait(&g->cond, &g->lock);
        waited = true;
    }
    c->gated = false;
    pthread_mutex_unlock(&g->lock);
    return waited;
}

/* Load vCPU i's debug state: breakpoints in use, its own stepping, and `inject` (a #BP
 * to hand back to the guest). Called by the server thread while the vCPU is stopped or
 * by the vCPU's own thread. */
static int set_debug(struct gdb_stub *g, int i, uint32_t inject)
{
    struct gdb_cpu *c = &g->cpu[i];
    struct kvm_guest_debug dbg;
    memset(&dbg, 0, sizeof dbg);
    pthread_mutex_lock(&g->break_lock);
    bool sw = gdb_swbp_any(&g->sw, true), hw = gdb_hwbp_any(&g->hw);
    bool step = c->step || c->watch_paging || c->stepover >= 0 || gdb_hwbp_any_emulated(&g->hw);
    if (sw || hw || step || inject) {
        dbg.control = KVM_GUESTDBG_ENABLE | inject;
        if (sw)
            dbg.control |= KVM_GUESTDBG_USE_SW_BP;
        if (hw) {
            dbg.control |= KVM_GUESTDBG_USE_HW_BP;
            for (int s = 0; s < GDB_HWBP_SLOTS; s++)
                dbg.arch.debugreg[s] = g->hw.slot[s].used ? g->hw.slot[s].addr : 0;
            dbg.arch.debugreg[7] = gdb_hwbp_dr7(&g->hw, c->stepover);
        }
        if (step)
            dbg.control |= KVM_GUESTDBG_SINGLESTEP;
        if (c->step)      /* GDB's own step: no interrupt handler in between */
            dbg.control |= g->extra_debug_flags;
    }
    pthread_mutex_unlock(&g->break_lock);
    if (ioctl(g->vm->vcpus[i].fd, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
        vcpu_report(&g->vm->vcpus[i], "gdb: KVM_SET_GUEST_DEBUG: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Record why vCPU v stopped; if the machine was running, stop it and wake the server. */
static void post_event(struct gdb_stub *g, struct vcpu *v, enum gdb_event ev, uint64_t addr)
{
    struct gdb_cpu *c = &g->cpu[v->id];
    pthread_mutex_lock(&g->lock);
    c->ev = ev;
    c->ev_addr = addr;
    c->ev_seq = ++g->seq;
    if (g->state == GDB_RUNNING) {
        g->state = GDB_STOPPING;
        hold_all(g, v);
        uint64_t one = 1;
        if (write(g->event_fd, &one, sizeof one) < 0)
            vcpu_report(v, "gdb: cannot wake the server thread: %s", strerror(errno));
    }
    pthread_mutex_unlock(&g->lock);
}

/* The address view of a vCPU through its own page tables. */
static int own_view(struct gdb_stub *g, int cpu, struct gdb_view *view, struct kvm_sregs *s)
{
    uint64_t cr3;
    if (ioctl(g->vm->vcpus[cpu].fd, KVM_GET_SREGS, s) < 0)
        return -1;
    if (mmu_guest_cr3(g->vm, cpu, &cr3))    /* --mmu shadow: the guest's tables, not ours */
        s->cr3 = cr3;
    *view = (struct gdb_view){ &g->vm->mem, { s->cr0, s->cr3, s->cr4, s->efer }, false };
    return 0;
}

int gdb_view_of(struct gdb_stub *g, int cpu, struct gdb_view *view, struct kvm_sregs *s)
{
    if (own_view(g, cpu, view, s) < 0)
        return -1;
    view->phys = g->phys;
    return 0;
}

/* Is there a software breakpoint at the linear address `pc` of vCPU cpu? */
static bool swbp_at_pc(struct gdb_stub *g, int cpu, uint64_t pc)
{
    struct gdb_view view;
    struct kvm_sregs s;
    uint64_t gpa, span;
    if (own_view(g, cpu, &view, &s) < 0)
        return false;
    pthread_mutex_lock(&g->break_lock);
    bool hit = gdb_translate(&view, pc, &gpa, &span) == 0 && gdb_swbp_at(&g->sw, gpa);
    pthread_mutex_unlock(&g->break_lock);
    return hit;
}

/* The emulated write watchpoint whose bytes changed (its value is then the new one), or
 * -1. */
static int watch_changed(struct gdb_stub *g)
{
    int hit = -1;
    uint8_t now[8];
    pthread_mutex_lock(&g->break_lock);
    for (int i = 0; i < GDB_HWBP_SLOTS && hit < 0; i++) {
        struct gdb_hwbp *s = &g->hw.slot[i];
        if (s->used && s->emulated && gpa_read(&g->vm->mem, s->gpa, now, s->len) == 0 &&
            memcmp(now, s->old, s->len)) {
            memcpy(s->old, now, s->len);
            hit = i;
        }
    }
    pthread_mutex_unlock(&g->break_lock);
    return hit;
}

/* A single-step exit: an emulated watchpoint's check, the end of a step-over or of a wait
 * for paging, or GDB's own step. */
static int step_done(struct gdb_stub *g, struct vcpu *v)
{
    struct gdb_cpu *c = &g->cpu[v->id];
    int w = watch_changed(g);
    if (w >= 0) {
        c->step = false;
        post_event(g, v, EV_WATCH, g->hw.slot[w].addr);
        return 0;
    }
    bool was_stepover = c->stepover >= 0;
    c->stepover = -1;
    if (c->watch_paging) {
        struct gdb_view view;
        struct kvm_sregs s;
        if (own_view(g, v->id, &view, &s) == 0 && (s.cr0 & CR0_PG)) {
            c->watch_paging = false;
            pthread_mutex_lock(&g->break_lock);
            int left = gdb_swbp_plant_deferred(&view, &g->sw);
            pthread_mutex_unlock(&g->break_lock);
            if (left) {
                c->step = false;
                set_debug(g, v->id, 0);
                post_event(g, v, EV_LOST_BP, 0);
                return 0;
            }
        }
    }
    if (c->step) {
        c->step = false;
        set_debug(g, v->id, 0);
        post_event(g, v, EV_STEP, 0);
        return 0;
    }
    /* Stepping on for an emulated watchpoint needs no new debug state. */
    if (!was_stepover && !c->watch_paging && gdb_hwbp_any_emulated(&g->hw))
        return 0;
    return set_debug(g, v->id, 0);
}

void gdb_wake_gates(void *ctx)
{
    struct gdb_stub *g = ctx;
    pthread_mutex_lock(&g->lock);
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

enum exit_verdict gdb_exit_debug(void *ctx, struct vcpu *v)
{
    struct gdb_stub *g = ctx;
    struct kvm_debug_exit_arch *d = &v->run->debug.arch;
    if (d->exception == BP_VECTOR) {
        if (swbp_at_pc(g, v->id, d->pc))
            post_event(g, v, EV_SWBREAK, d->pc);
        else
            set_debug(g, v->id, KVM_GUESTDBG_INJECT_BP);   /* the guest's own int3 */
        return EXIT_RESUME;
    }
    /* #DB: one of our debug registers (not the one being stepped over: DR6 may flag a
     * disabled slot; PVM leaves the exit's DR7 at 0, so our own state decides), or a step. */
    int slot = gdb_hwbp_hit(&g->hw, d->dr6);
    if (slot >= 0 && slot != g->cpu[v->id].stepover) {
        struct gdb_hwbp *s = &g->hw.slot[slot];
        post_event(g, v, s->type == Z_HW ? EV_HWBREAK : s->type == Z_WRITE ? EV_WATCH : EV_AWATCH,
                   s->addr);
        return EXIT_RESUME;
    }
    if ((d->dr6 & DR6_BS) && step_done(g, v) < 0) {
        vm_stop(v->vm, VMM_EXIT_CRASH);      /* KVM_SET_GUEST_DEBUG failed: reported */
        return EXIT_STOP;
    }
    if (d->dr6 & DR6_BS)
        return EXIT_RESUME;
    post_event(g, v, EV_TRAP, d->pc);
    return EXIT_RESUME;
}

enum exit_verdict gdb_internal_error(void *ctx, struct vcpu *v)
{
    struct gdb_stub *g = ctx;
    struct kvm_regs r;
    struct kvm_sregs s;
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return EXIT_PASS;
    uint64_t pc = r.rip + ((s.efer & EFER_LMA) ? 0 : s.cs.base);
    if (!swbp_at_pc(g, v->id, pc))
        return EXIT_PASS;
    post_event(g, v, EV_SWBREAK, pc);
    return EXIT_RESUME;
}

int gdb_pending_event(struct gdb_stub *g)
{
    int best = -1;
    pthread_mutex_lock(&g->lock);
    for (int i = 0; i < g->vm->ncpus; i++)
        if (g->cpu[i].ev != EV_NONE && (best < 0 || g->cpu[i].ev_seq < g->cpu[best].ev_seq))
            best = i;
    pthread_mutex_unlock(&g->lock);
    return best;
}

/* Prepare vCPU i to run: GDB's step, a step over a hardware breakpoint it stands on, a
 * wait for paging when breakpoints are deferred. */
static void arm(struct gdb_stub *g, int i, enum gdb_action a)
{
    struct gdb_cpu *c = &g->cpu[i];
    struct kvm_regs r;
    struct kvm_sregs s;
    c->step = a == GDB_ACT_STEP;
    c->stepover = -1;
    c->watch_paging = false;
    if (a == GDB_ACT_NONE || ioctl(g->vm->vcpus[i].fd, KVM_GET_REGS, &r) < 0 ||
        ioctl(g->vm->vcpus[i].fd, KVM_GET_SREGS, &s) < 0)
        return;
    uint64_t pc = r.rip + ((s.efer & EFER_LMA) ? 0 : s.cs.base);
    pthread_mutex_lock(&g->break_lock);
    c->stepover = gdb_hwbp_exec_at(&g->hw, pc);
    if (s.cr0 & CR0_PG) {
        struct gdb_view view = { &g->vm->mem, { s.cr0, s.cr3, s.cr4, s.efer }, false };
        gdb_swbp_plant_deferred(&view, &g->sw);
    } else {
        c->watch_paging = gdb_swbp_any(&g->sw, false);
    }
    pthread_mutex_unlock(&g->break_lock);
}

/* A pending breakpoint event whose breakpoint GDB has removed since is dropped: the vCPU
 * has not executed the instruction yet and will simply run it. */
static bool still_valid(struct gdb_stub *g, int i)
{
    struct gdb_cpu *c = &g->cpu[i];
    if (c->ev == EV_SWBREAK)
        return swbp_at_pc(g, i, c->ev_addr);
    if (c->ev == EV_HWBREAK)
        return gdb_hwbp_exec_at(&g->hw, c->ev_addr) >= 0;
    return c->ev != EV_NONE;
}

int gdb_resume(struct gdb_stub *g, const enum gdb_action *act)
{
    struct vm *vm = g->vm;
    int pending = -1;
    pthread_mutex_lock(&g->lock);
    for (int i = 0; i < vm->ncpus; i++) {
        if (act[i] == GDB_ACT_NONE || g->cpu[i].ev == EV_NONE)
            continue;
        if (!still_valid(g, i))
            g->cpu[i].ev = EV_NONE;
        else if (pending < 0 || g->cpu[i].ev_seq < g->cpu[pending].ev_seq)
            pending = i;
    }
    pthread_mutex_unlock(&g->lock);
    if (pending >= 0)
        return pending;
    for (int i = 0; i < vm->ncpus; i++)
        arm(g, i, act[i]);
    for (int i = 0; i < vm->ncpus; i++)
        set_debug(g, i, 0);
    pthread_mutex_lock(&g->lock);
    g->state = GDB_RUNNING;
    for (int i = 0; i < vm->ncpus; i++)
        if (act[i] != GDB_ACT_NONE)
            __atomic_store_n(&g->cpu[i].hold, false, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
    return -1;
}

void gdb_release_all(struct gdb_stub *g)
{
    struct vm *vm = g->vm;
    pthread_mutex_lock(&g->break_lock);
    gdb_swbp_remove_all(&vm->mem, &g->sw);
    memset(&g->hw, 0, sizeof g->hw);
    pthread_mutex_unlock(&g->break_lock);
    enum gdb_action all[VMM_MAX_CPUS];
    pthread_mutex_lock(&g->lock);
    for (int i = 0; i < vm->ncpus; i++) {
        g->cpu[i].ev = EV_NONE;
        all[i] = GDB_ACT_CONTINUE;
    }
    pthread_mutex_unlock(&g->lock);
    gdb_resume(g, all);
}
