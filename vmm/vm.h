/* The virtual machine as the VMM sees it: KVM handles, guest memory, vCPUs, buses and
 * devices, and how the machine stops. Shared by every file of vmm/. */
#ifndef VMM_VM_H
#define VMM_VM_H
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "devices/bus.h"
#include "memory/guest_mem.h"

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

struct vm {
    int kvm_fd, vm_fd;
    int run_size;
    struct guest_mem mem;
    int ncpus;
    struct vcpu vcpus[VMM_MAX_CPUS];
    struct bus pio, mmio;
    struct uart *uart;
    struct pit *pit;
    struct control *control;
    struct console *console;
    const char *host_backend;        /* "vmx", "svm" or "pvm" */
    const char *syscall_gate;        /* what the guest was told */
    /* Stopping: the first vm_stop wins; every vCPU thread then leaves its run loop. */
    atomic_bool stopping;
    /* Pausing (for the debugger): vCPUs park outside KVM_RUN while pause_requests > 0. */
    pthread_mutex_t pause_lock;
    pthread_cond_t pause_cond;
    int pause_requests;
    int parked;
    int exit_status;
    uint64_t start_ns;
};

/* Stop the machine with `status` as vmm's exit status (first caller wins); kicks every
 * vCPU out of KVM_RUN. Safe from any thread. */
void vm_stop(struct vm *vm, int status);

/* Park every vCPU outside KVM_RUN and return when all are parked (a vCPU thread may call
 * it: it counts itself as parked). Nests: each vm_pause needs one vm_resume. */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
void vm_wake_paused(struct vm *vm);

/* kvm.c: open /dev/kvm, check the API and capabilities, create the VM with its irqchip.
 * Exits with a one-line error on failure. */
void kvm_init(struct vm *vm);

/* vcpu.c */
void vcpu_create(struct vm *vm, int id);
void vcpu_set_pvh_state(struct vcpu *v, uint32_t entry, uint32_t start_info);
void vcpu_start(struct vcpu *v);
/* Make the vCPU leave KVM_RUN (or not enter it) soon: immediate_exit plus a signal. */
void vcpu_kick(struct vcpu *v);
/* Print "vmm: " and the message on stderr (plus the guest's rip and code bytes). */
void vcpu_report(struct vcpu *v, const char *fmt, ...);

/* host.c: which KVM backend is this, and which system-call gate suits it. */
const char *host_kvm_backend(void);
const char *host_default_syscall_gate(const char *backend);

uint64_t now_ns(void);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);

#endif
