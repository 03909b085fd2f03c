/* --stats: exit counters by reason, port and MMIO region, time in the guest and in the VMM,
 * benchmark marks, and KVM's own binary statistics, written as JSON at exit. */
#ifndef VMM_STATS_H
#define VMM_STATS_H
#include <stdint.h>
#include <stdio.h>

struct vm;
/* Open KVM's statistics for the VM and every vCPU (after the vCPUs exist). */
void stats_open(struct vm *vm);
/* A benchmark marker from the guest's control port: remember time and counters. */
void stats_mark(struct vm *vm, uint32_t id);
/* CTL_MARK_NAME: name mark id (and id | MARK_END) in the marks of the JSON. */
void stats_mark_name(struct vm *vm, uint32_t id, const char *name);
/* Write everything as JSON to f (opened before the guest ran) and close it. 0, or -1
 * with errno. */
int stats_write(struct vm *vm, FILE *f);
/* The name of a KVM exit reason ("IO", "MMIO", ...), or NULL. */
const char *exit_reason_name(uint32_t reason);

#endif
