/* The GDB stub's state, shared by its parts: stub.c (the server thread, the protocol and
 * its commands), reply.c (what goes back to GDB), query.c (q packets), stop.c (stopping
 * and resuming vCPUs, the run loop's hooks). */
#ifndef VMM_GDB_STUB_H
#define VMM_GDB_STUB_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "vmm/gdb/hwbp.h"
#include "vmm/gdb/mem.h"
#include "vmm/gdb/packet.h"
#include "vmm/gdb/regs.h"
#include "vmm/vm.h"

/* Why a vCPU stopped (an event waits in gdb_cpu until it is reported). */
enum gdb_event { EV_NONE, EV_SWBREAK, EV_HWBREAK, EV_WATCH, EV_AWATCH, EV_STEP, EV_TRAP,
                 EV_LOST_BP };

struct gdb_cpu {
    /* Under the stub's lock: */
    bool hold;           /* keep this vCPU out of KVM_RUN */
    bool gated;          /* it is waiting in gdb_vcpu_gate */
    enum gdb_event ev;
    uint64_t ev_addr;    /* the watched address (EV_WATCH) or breakpoint address */
    uint64_t ev_seq;     /* order of events, to report the first one first */
    /* Set by the server thread while the vCPU is stopped, used by its own thread after: */
    bool step;           /* GDB asked for one instruction */
    bool watch_paging;   /* step until paging is on, to plant deferred breakpoints */
    int stepover;        /* the hardware breakpoint slot being stepped over, or -1 */
};

enum gdb_run_state { GDB_RUNNING, GDB_STOPPING, GDB_STOPPED };

struct gdb_stub {
    struct vm *vm;
    bool pvm;                        /* this host's debug behaviour (docs/hosts.md) */
    uint32_t extra_debug_flags;      /* KVM_GUESTDBG_BLOCKIRQ where KVM has it */
    int listen_fd, fd, event_fd;
    pthread_t thread;
    /* Holds and events: the server thread and the vCPU threads meet here. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* Under lock: */
    enum gdb_run_state state;
    bool connected;
    bool finished;                   /* set once by gdb_finish (atomic access) */
    uint64_t seq;
    struct gdb_cpu cpu[VMM_MAX_CPUS];
    /* Breakpoints: changed by the server thread while every vCPU is stopped, and by a
     * vCPU thread planting deferred ones, both under break_lock. */
    pthread_mutex_t break_lock;
    struct gdb_swbps sw;
    struct gdb_hwbps hw;
    /* Server thread only: */
    int gcpu;                        /* Hg: the vCPU registers and memory refer to */
    bool phys, noack, running;
    char last_stop[64];              /* the reply to '?' */
    char warning[256];               /* said on GDB's console at the next resume */
    struct gdb_rx rx;
    char out_frame[2 * GDB_PACKET_MAX + 8];   /* the last reply, resent on '-' */
    size_t out_len;
};

/* stop.c: the run loop's hooks (vm_hook_gate, vm_hook_exit). */
bool gdb_vcpu_gate(void *g, struct vcpu *v);
void gdb_wake_gates(void *g);
/* KVM_EXIT_DEBUG: a breakpoint, watchpoint or single step of ours. */
enum exit_verdict gdb_exit_debug(void *g, struct vcpu *v);
/* KVM_EXIT_INTERNAL_ERROR: on PVM hosts int3 in the guest kernel exits this way; ours if
 * the vCPU stands on one of our software breakpoints, else EXIT_PASS. */
enum exit_verdict gdb_internal_error(void *g, struct vcpu *v);

/* stop.c, for the server thread. */
/* Stop every vCPU and wait until all are parked; state becomes GDB_STOPPED. */
void gdb_stop_all(struct gdb_stub *g);
/* Resume with act[i] per vCPU after loading every vCPU's debug registers. Returns the
 * vCPU with a pending event to report at once (nothing resumed), or -1 (running). */
int gdb_resume(struct gdb_stub *g, const enum gdb_action *act);
/* The first pending event's vCPU, or -1. Its event stays until the caller clears it. */
int gdb_pending_event(struct gdb_stub *g);
/* Forget breakpoints and debug state, release every vCPU (detach or disconnect). */
void gdb_release_all(struct gdb_stub *g);
/* A vCPU's address view (its page tables, or physical) for the server thread. */
int gdb_view_of(struct gdb_stub *g, int cpu, struct gdb_view *v, struct kvm_sregs *sregs);

/* reply.c: replies to GDB (framed, with the last one kept for a resend on '-'). */
/* Send raw bytes on the connection (a resend, an ack). */
void gdb_send_raw(struct gdb_stub *g, const void *p, size_t n);
void gdb_reply(struct gdb_stub *g, const char *s);
void gdb_reply_bin(struct gdb_stub *g, const void *payload, size_t len);
void gdb_replyf(struct gdb_stub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text for GDB's console ('O' packets: while GDB waits for a stop or a qRcmd reply). */
void gdb_console(struct gdb_stub *g, const char *text);

/* query.c: q packets, and H/T (alive = T) thread selection. */
void gdb_cmd_query(struct gdb_stub *g, const char *p, const char *end);
void gdb_cmd_thread(struct gdb_stub *g, const char *p, const char *end, bool alive);

#endif
