/* The machine's owner: how it stops (vm_stop, and the kick that gets a vCPU out of
 * KVM_RUN), the VMM's clock, its one fatal-error path, and the hooks a module registers
 * to reach the run loop. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include "abi/machine.h"
#include "vmm/terminal.h"
#include "vmm/vm.h"

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void die(const char *fmt, ...)
{
    va_list ap;
    terminal_restore();
    fputs("vmm: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(VMM_EXIT_ERROR);
}

void vcpu_kick(struct vcpu *v)
{
    v->run->immediate_exit = 1;
    if (v->thread && !pthread_equal(v->thread, pthread_self()))
        pthread_kill(v->thread, SIGUSR1);
}

void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("vmm: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see vmm --help)\n", stderr);
    exit(VMM_EXIT_USAGE);
}

void vm_stop(struct vm *vm, int status)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong(&vm->stopping, &expected, true))
        return;
    vm->exit_status = status;
    for (int i = 0; i < vm->ncpus; i++)
        if (vm->vcpus[i].run)
            vcpu_kick(&vm->vcpus[i]);
    if (vm->hooks.stop)
        vm->hooks.stop(vm->hooks.ctx);
}

static void sigusr1(int sig)
{
    /* Only there to make KVM_RUN return EINTR. */
}

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };

void vm_signals_block(void)
{
    struct sigaction sa = { .sa_handler = sigusr1 };   /* no SA_RESTART: KVM_RUN must return */
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);                          /* vcpu.c unblocks it */
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaddset(&set, stop_signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void on_stop_signal(void *ctx, int fd)
{
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof si) != sizeof si)
        return;
    terminal_restore();
    const char *name = sigabbrev_np((int)si.ssi_signo);
    fprintf(stderr, "vmm: stopped by SIG%s\n", name ? name : "?");
    vm_stop(ctx, 128 + (int)si.ssi_signo);
}

void vm_signals_watch(struct vm *vm)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaddset(&set, stop_signals[i]);
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0 || evloop_add(&vm->loop, fd, on_stop_signal, vm) < 0)
        die("signalfd: %s", strerror(errno));
}

void vm_hook_exit(struct vm *vm, uint32_t reason, exit_hook_fn fn, void *ctx)
{
    if (reason >= EXIT_REASONS || vm->hooks.exit[reason].fn)
        die("internal: a second hook for KVM exit reason %u", reason);
    vm->hooks.exit[reason].fn = fn;
    vm->hooks.exit[reason].ctx = ctx;
}

void vm_hook_gate(struct vm *vm, gate_hook_fn gate, stop_hook_fn stop, void *ctx)
{
    if (vm->hooks.gate)
        die("internal: a second vCPU gate");
    vm->hooks.gate = gate;
    vm->hooks.stop = stop;
    vm->hooks.ctx = ctx;
}
