/* Sleep locks (sleeplock.h) on proc.c's sleep and wakeup: the lock word is guarded by
 * ptable_lock, the same lock sleep() releases only once the sleeper is SLEEPING, so a
 * release between the test and the sleep cannot be missed. */
#include "guest/kernel/proc.h"
#include "guest/kernel/sleeplock.h"

void sleeplock_init(struct sleeplock *l, const char *name)
{
    l->locked = 0;
    l->pid = 0;
    l->name = name;
}

void acquiresleep(struct sleeplock *l)
{
    acquire(&ptable_lock, mycpuid());
    while (l->locked) {
        if (myproc()->killed) {            /* sleep returns at once: let the holder run */
            release(&ptable_lock);
            yield();
            acquire(&ptable_lock, mycpuid());
        } else {
            sleep(l);
        }
    }
    l->locked = 1;
    l->pid = myproc()->pid;
    release(&ptable_lock);
}

void releasesleep(struct sleeplock *l)
{
    acquire(&ptable_lock, mycpuid());
    l->locked = 0;
    l->pid = 0;
    wakeup_locked(l);
    release(&ptable_lock);
}

int holdingsleep(struct sleeplock *l)
{
    acquire(&ptable_lock, mycpuid());
    int r = l->locked && l->pid == myproc()->pid;
    release(&ptable_lock);
    return r;
}
