/* The GDB stub: a GDB remote-protocol server on a TCP port, through which a stock GDB
 * debugs the guest (docs/debugging.md). The hooks below are all the rest of the VMM
 * needs to call; without --gdb they cost one pointer test. */
#ifndef VMM_GDB_H
#define VMM_GDB_H
#include <stdbool.h>

struct vm;
struct vcpu;

/* Listen on 127.0.0.1:port and serve GDB from a thread of its own. Call after the vCPUs
 * exist and before they run; with wait, every vCPU stays parked until GDB lets it go.
 * Exits with a one-line error if the port cannot be bound. */
void gdb_start(struct vm *vm, int port, bool wait);

/* The vCPU run loop calls this before each KVM_RUN: it blocks while the debugger keeps
 * the vCPU stopped. Returns true if it blocked (the caller re-checks its loop). */
bool gdb_vcpu_gate(struct vcpu *v);

/* KVM_EXIT_DEBUG: a breakpoint, watchpoint or single step. 0 (the vCPU goes on to the
 * gate), or -1 after stopping the VM when no debugger asked for debug exits. */
int gdb_exit_debug(struct vcpu *v);

/* KVM_EXIT_INTERNAL_ERROR: on PVM hosts int3 in the guest kernel exits this way. True if
 * the vCPU stands on one of our software breakpoints (then it is a breakpoint stop). */
bool gdb_internal_error(struct vcpu *v);

/* The machine has stopped (every vCPU thread has returned): tell a connected GDB the exit
 * status and end the server. */
void gdb_finish(struct vm *vm);

#endif
