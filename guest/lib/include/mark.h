/* mark(id): a benchmark mark (SYS_mark) written to minivmm's control port, so that
 * `vmm --stats` records the time and KVM's counters at that point (docs/measuring.md). */
#ifndef GUEST_LIB_MARK_H
#define GUEST_LIB_MARK_H

/* 0, or -1 with errno ENODEV on a machine without minivmm's control port (QEMU). */
int mark(unsigned id);
/* The same, naming id first: --stats shows the name (at most 31 bytes) on the marks id
 * and id | 0x80 (the end of the phase, by this project's convention). EFAULT for a bad
 * pointer, ENAMETOOLONG for a longer name. */
int mark_named(unsigned id, const char *name);

#endif
