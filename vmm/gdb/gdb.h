/* The GDB stub: a GDB remote-protocol server on a TCP port, through which a stock GDB
 * debugs the guest (docs/debugging.md). The rest of the VMM calls only these two; the
 * stub reaches the run loop through the hooks it registers (vmm/vm.h), and a build
 * without it (make GDB=no) leaves main.c's weak references NULL. */
#ifndef VMM_GDB_GDB_H
#define VMM_GDB_GDB_H
#include <stdbool.h>

struct vm;
struct gdb_stub;

/* Listen on 127.0.0.1:port and serve GDB from a thread of its own; register the stub's
 * hooks. Call after the vCPUs exist and before they run; with wait, every vCPU stays
 * held until GDB lets it go. Exits with a one-line error if the port cannot be bound. */
struct gdb_stub *gdb_start(struct vm *vm, int port, bool wait);

/* The machine has stopped (every vCPU thread has returned): tell a connected GDB the exit
 * status and end the server. */
void gdb_finish(struct gdb_stub *g);

#endif
