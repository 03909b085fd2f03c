/* GDB `monitor` commands (qRcmd): physical-address mode, a page walk shown level by level,
 * the control registers and the VMM's exit counters per vCPU. */
#ifndef VMM_GDB_MONITOR_H
#define VMM_GDB_MONITOR_H
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>

struct vm;

struct gdb_monitor {
    const struct vm *vm;             /* guest RAM, vCPUs and their exit counters */
    int cpu;                         /* the selected vCPU */
    const struct kvm_sregs *sregs;   /* its control registers */
    bool *phys;                      /* memory accesses are physical */
};

/* Run one command line; its text goes to out (NUL-terminated, cut at cap). 0, or -1 for a
 * bad command (out says why). */
int gdb_monitor_run(const struct gdb_monitor *m, const char *cmd, char *out, size_t cap);

#endif
