/* Sleep locks: locks held across blocking work (disk I/O, long copies); a waiter sleeps
 * instead of spinning, so interrupts and other processes run meanwhile. Process context
 * only, never in an interrupt handler or with a spinlock held. */
#ifndef GUEST_KERNEL_SLEEPLOCK_H
#define GUEST_KERNEL_SLEEPLOCK_H

struct sleeplock {
    int locked;              /* guarded by ptable_lock */
    int pid;                 /* holder */
    const char *name;
};

void sleeplock_init(struct sleeplock *l, const char *name);
void acquiresleep(struct sleeplock *l);
void releasesleep(struct sleeplock *l);
int holdingsleep(struct sleeplock *l);   /* held by the calling process */

#endif
