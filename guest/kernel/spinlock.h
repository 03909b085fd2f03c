/* Spinlocks of the process part. The kernel's process code runs with interrupts off (trap
 * gates are interrupt gates, the syscall entry masks IF), so acquire() masks interrupts and
 * release() leaves them masked: whoever wants them back (the idle loop) enables them. */
#ifndef GUEST_KERNEL_SPINLOCK_H
#define GUEST_KERNEL_SPINLOCK_H
#include <stdint.h>

struct spinlock {
    volatile uint32_t locked;
    int cpu;                 /* holder's cpu id, for holding() checks */
};

/* Masks interrupts, then spins until the lock is ours. */
static inline void acquire(struct spinlock *l, int cpu)
{
    __asm__ volatile("cli" ::: "memory");
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
    l->cpu = cpu;
}

/* Releases the lock; interrupts stay masked. */
static inline void release(struct spinlock *l)
{
    l->cpu = -1;
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline int holding(struct spinlock *l, int cpu)
{
    return l->locked && l->cpu == cpu;
}

#endif
