/* The console as an open file (fds 0, 1, 2 of init) and Ctrl-C. A kernel thread, consd,
 * drains the UART's input ring (console_read, which sleeps in process context) into a
 * queue that console reads take from; on the way it turns Ctrl-C (0x03) into SIGINT for
 * every process of the console's foreground group (setfg), when there is one. Readers
 * sleep killably on the queue, so a killed reader dies at once, not at the next key.
 * Ctrl-D is end-of-file, as on a terminal: a read that starts at it returns 0 and
 * consumes it; one that has bytes already stops before it. */
#include "abi/syscall.h"
#include "guest/kernel/file.h"
#include "guest/kernel/proc.h"

#define CONS_Q   1024
#define CTRL_C   0x03
#define CTRL_D   0x04       /* end of input: a read that meets it first returns 0 */

static struct {
    struct spinlock lock;
    char q[CONS_Q];
    uint64_t head, tail;        /* head: next write; tail: next read */
    int fg;                     /* foreground process group, 0 if none */
} cons = { .lock = { 0, -1 } };

/* consd: never returns; one pass per chunk of input. */
static void consd(void)
{
    char buf[64];
    for (;;) {
        size_t n = console_read(buf, sizeof buf);
        acquire(&cons.lock, mycpuid());
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == CTRL_C && cons.fg > 0) {
                proc_kill(-cons.fg, SIGINT_CODE);
                continue;
            }
            if (cons.head - cons.tail < CONS_Q)   /* a full queue drops the byte */
                cons.q[cons.head++ % CONS_Q] = buf[i];
        }
        wakeup(&cons.q);
        release(&cons.lock);
    }
}

/* Blocks until there is input (or the reader is killed); returns what is there, up to n
 * and the end of the user's page. */
static long cons_read(struct file *f, uint64_t uva, uint64_t n)
{
    struct proc *p = myproc();
    acquire(&cons.lock, mycpuid());
    while (cons.head == cons.tail) {
        if (p->killed) {
            release(&cons.lock);
            return -EINTR;
        }
        sleep_on(&cons.q, &cons.lock);
    }
    char *k = uvm_translate(&p->as, uva, 1);
    if (!k) {
        release(&cons.lock);
        return -EFAULT;
    }
    uint64_t room = PAGE_SIZE - (uva & (PAGE_SIZE - 1)), done = 0;
    if (n > room) n = room;
    if (cons.q[cons.tail % CONS_Q] == CTRL_D) {
        cons.tail++;
        n = 0;
    }
    while (done < n && cons.tail != cons.head && cons.q[cons.tail % CONS_Q] != CTRL_D)
        k[done++] = cons.q[cons.tail++ % CONS_Q];
    release(&cons.lock);
    return (long)done;
}

/* Output straight from the user's pages: a fault part-way returns the count so far. */
static long cons_write(struct file *f, uint64_t uva, uint64_t n)
{
    struct uvm *as = &myproc()->as;
    uint64_t done = 0;
    while (done < n) {
        const char *k = uvm_translate(as, uva + done, 0);
        if (!k) return done ? (long)done : -EFAULT;
        uint64_t chunk = PAGE_SIZE - ((uva + done) & (PAGE_SIZE - 1));
        if (chunk > n - done) chunk = n - done;
        console_write(k, chunk);
        done += chunk;
    }
    return (long)done;
}

const struct fileops console_fileops = { cons_read, cons_write, NULL };

void consdev_init(void)
{
    if (!kthread_start("consd", consd)) panic("consdev: no process for consd");
}

long consdev_setfg(int pgid)
{
    if (pgid < 0) return -EINVAL;
    acquire(&cons.lock, mycpuid());
    cons.fg = pgid;
    release(&cons.lock);
    return 0;
}
