/* The virtual machine as the VMM sees it: one `struct vm` owns everything of one machine
 * (KVM handles, guest memory, vCPUs, the buses and the board of devices, the event loop,
 * the console, the disks, the statistics) and says how the machine stops. vm.c owns it:
 * stopping, the clock, the one fatal-error path, and the hooks through which a module
 * such as the GDB stub reaches the run loop without the run loop knowing it. */
#ifndef VMM_VM_H
#define VMM_VM_H
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "devices/bus.h"
#include "memory/guest_mem.h"
#include "vmm/board.h"
#include "vmm/console.h"
#include "vmm/disks.h"
#include "vmm/evloop.h"

#define VMM_MAX_CPUS   64
#define EXIT_REASONS   64   /* KVM exit reasons counted (KVM_EXIT_* are below 64) */

struct vm;

struct vcpu {
    int id;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    struct vm *vm;
    /* Counters, written only by this vCPU's thread. */
    uint64_t exits[EXIT_REASONS];
    uint64_t vmm_ns[EXIT_REASONS];   /* time from KVM_RUN's return to the next KVM_RUN */
    uint64_t guest_ns;               /* time inside KVM_RUN */
};

/* What an exit handler tells the run loop. */
enum exit_verdict {
    EXIT_RESUME,   /* handled: run the guest again */
    EXIT_STOP,     /* the machine is stopping (the handler called vm_stop) */
    EXIT_PASS,     /* a hook's answer: not mine, let the built-in handler have it */
};
typedef enum exit_verdict (*exit_hook_fn)(void *ctx, struct vcpu *v);
/* Before each KVM_RUN: may hold the vCPU thread; true if it did (the loop re-checks). */
typedef bool (*gate_hook_fn)(void *ctx, struct vcpu *v);
/* vm_stop ran (on any thread): let go of any vCPU a gate holds. */
typedef void (*stop_hook_fn)(void *ctx);

struct vm_hooks {
    struct { exit_hook_fn fn; void *ctx; } exit[EXIT_REASONS];
    gate_hook_fn gate;
    stop_hook_fn stop;
    void *ctx;                       /* of gate and stop */
};

struct vm {
    int kvm_fd, vm_fd;
    int run_size;
    struct guest_mem mem;
    int ncpus;
    struct vcpu vcpus[VMM_MAX_CPUS];
    struct bus pio, mmio;
    struct board board;              /* every device, and how it is wired (board.h) */
    struct uart *uart;               /* models the rest of the VMM talks to (board_kvm.c) */
    struct pit *pit;
    struct evloop loop;              /* the event-loop thread: stdin, timers, doorbell */
    struct console console;
    struct disks disks;
    struct stats *stats;
    struct vm_hooks hooks;
    const char *host_backend;        /* "vmx", "svm" or "pvm" */
    const char *syscall_gate;        /* what the guest was told */
    const char *mmu_mode;            /* --mmu: "direct" or "shadow" (vmm/mmu.h) */
    struct mmu *mmu;                 /* the shadow MMU's wiring, NULL in direct mode */
    /* Stopping: the first vm_stop wins; every vCPU thread then leaves its run loop. */
    atomic_bool stopping;
    int exit_status;
    uint64_t start_ns;
};

/* Stop the machine with `status` as vmm's exit status (first caller wins); kicks every
 * vCPU out of KVM_RUN and tells the stop hook. Safe from any thread. */
void vm_stop(struct vm *vm, int status);
/* Make the vCPU leave KVM_RUN (or not enter it) soon: immediate_exit plus SIGUSR1. */
void vcpu_kick(struct vcpu *v);

/* Signals. vm_signals_block (first, before any thread exists): SIGUSR1 only for the vCPU
 * threads (it kicks them out of KVM_RUN); SIGTERM, SIGINT and SIGHUP for nobody.
 * vm_signals_watch: the event loop takes those three and stops the machine as a
 * power-off does (disks flushed, --stats written, the terminal restored), with a line
 * naming the signal and exit status 128 + its number. */
void vm_signals_block(void);
void vm_signals_watch(struct vm *vm);

/* Hooks (register before the vCPUs run). An exit hook for a reason is asked first; on
 * EXIT_PASS the run loop's own handler for that reason runs. One gate and stop hook. */
void vm_hook_exit(struct vm *vm, uint32_t reason, exit_hook_fn fn, void *ctx);
void vm_hook_gate(struct vm *vm, gate_hook_fn gate, stop_hook_fn stop, void *ctx);

/* CLOCK_MONOTONIC in ns: the one clock of the VMM (stats, PIT, timers). */
uint64_t now_ns(void);
/* The one fatal-error path: restore the terminal, print "vmm: " and the message, exit 1. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
/* The same for a bad command line: "... (see vmm --help)", exit 2. */
__attribute__((noreturn, format(printf, 1, 2))) void usage_error(const char *fmt, ...);

/* kvm.c: open /dev/kvm, check the API and capabilities, create the VM with its irqchip.
 * Exits with a one-line error on failure. */
void kvm_init(struct vm *vm);

/* vcpu.c */
void vcpu_create(struct vm *vm, int id);
void vcpu_set_pvh_state(struct vcpu *v, uint32_t entry, uint32_t start_info);
void vcpu_start(struct vcpu *v);
/* Print "vmm: " and the message on stderr (plus the guest's rip and code bytes). */
void vcpu_report(struct vcpu *v, const char *fmt, ...);

/* host.c: which KVM backend is this, and which system-call gate suits it. */
const char *host_kvm_backend(void);
const char *host_default_syscall_gate(const char *backend);
const char *host_paging_mode(const char *backend);

#endif
