/* The console as an open file (fds 0, 1, 2 of init) and its line discipline.
 *
 * A kernel thread, consd, drains the UART's input ring (console_read, which sleeps in
 * process context) and runs each byte through the terminal settings (struct termios,
 * abi/termios.h), as a Unix tty driver does on input:
 *   ICRNL   CR becomes NL (a terminal's Enter sends CR);
 *   ISIG    ^C is SIGINT and ^\ SIGQUIT for every process of the console's foreground
 *           group (setfg); ^Z is echoed and dropped: there is no job stop;
 *   ICANON  bytes collect in an edit line (erase DEL and ^H, kill ^U, word erase ^W) and
 *           reach readers only when NL or ^D ends the line; without it, every byte goes
 *           to readers as it comes;
 *   ECHO    what is typed is echoed (control characters as ^X), and edits rub out.
 * Readers take from the queue of delivered bytes, killably. In canonical mode a read
 * returns at most one line; ^D is kept in the queue as the end-of-file mark: a read that
 * starts at it returns 0 and consumes it, one that ends at it (^D mid-line) consumes it
 * too, so the line arrives without a newline. Switching modes keeps what was typed: a
 * half-edited line goes to raw readers, unread raw bytes are typed again into canonical
 * mode (tcsetattr). Output goes straight from the user's pages to the UART; OPOST|ONLCR
 * sends each NL as CR NL. Both are off by default because the VMM's terminal already
 * turns NL into CR NL and `vmm -- cmd > file` must stay byte-exact.
 * The settings are one per console, as a tty's are: tcgetattr/tcsetattr on any fd of it. */
#include "abi/syscall.h"
#include "abi/termios.h"
#include "guest/kernel/file.h"
#include "guest/kernel/proc.h"

#define CONS_Q   1024
#define CONS_LINE 512           /* the canonical edit line; a longer one is cut */
#define CTRL(c)  ((c) & 0x1f)
#define DEL      0x7f

static struct {
    struct spinlock lock;
    char q[CONS_Q];             /* delivered bytes; in canonical mode ^D marks EOF */
    uint64_t head, tail;        /* head: next write; tail: next read */
    char line[CONS_LINE];       /* the line being edited (ICANON) */
    int len;
    int fg;                     /* foreground process group, 0 if none */
    struct termios t;
    char echo[64];              /* echo of one chunk of input: one UART burst, not one per key */
    int necho;
} cons = {
    .lock = { 0, -1 },
    .t = { .c_iflag = ICRNL, .c_lflag = ISIG | ICANON | ECHO },
};

/* Terminal output of the kernel's own (echo), through OPOST|ONLCR. */
static void tty_out(const char *s, uint64_t n)
{
    if (!(cons.t.c_oflag & OPOST) || !(cons.t.c_oflag & ONLCR)) {
        console_write(s, n);
        return;
    }
    uint64_t start = 0;
    for (uint64_t i = 0; i < n; i++)
        if (s[i] == '\n') {
            console_write(s + start, i - start);
            console_write("\r\n", 2);
            start = i + 1;
        }
    console_write(s + start, n - start);
}

static void echo_flush(void)
{
    tty_out(cons.echo, cons.necho);
    cons.necho = 0;
}

static void echo_put(const char *s, int n)
{
    while (n-- > 0) {
        if (cons.necho == sizeof cons.echo) echo_flush();
        cons.echo[cons.necho++] = *s++;
    }
}

/* Echoes c as typed: control characters other than tab and NL as ^X. */
static void echo(char c)
{
    if (!(cons.t.c_lflag & ECHO)) return;
    if ((unsigned char)c < ' ' && c != '\t' && c != '\n') {
        char two[2] = { '^', c + '@' };
        echo_put(two, 2);
    } else {
        echo_put(&c, 1);
    }
}

/* Drops the last character of the edit line and its echo. */
static void rubout(void)
{
    char c = cons.line[--cons.len];
    if (!(cons.t.c_lflag & ECHO)) return;
    int width = (unsigned char)c < ' ' && c != '\t' ? 2 : 1;
    while (width--) echo_put("\b \b", 3);
}

static void deliver(const char *s, int n)
{
    for (int i = 0; i < n && cons.head - cons.tail < CONS_Q; i++)   /* a full queue drops */
        cons.q[cons.head++ % CONS_Q] = s[i];
}

/* One byte of input, with cons.lock held. */
static void input(char c)
{
    struct termios *t = &cons.t;
    if (c == '\r' && (t->c_iflag & ICRNL)) c = '\n';
    if ((t->c_lflag & ISIG) && (c == CTRL('C') || c == CTRL('\\') || c == CTRL('Z'))) {
        echo(c);
        if (c == CTRL('Z')) return;
        cons.len = 0;                       /* the line being typed is abandoned */
        if (cons.fg > 0) proc_kill(-cons.fg, c == CTRL('C') ? SIGINT_CODE : SIGQUIT_CODE);
        return;
    }
    if (!(t->c_lflag & ICANON)) {
        deliver(&c, 1);
        echo(c);
        return;
    }
    if (c == DEL || c == '\b') {
        if (cons.len > 0) rubout();
    } else if (c == CTRL('U')) {
        while (cons.len > 0) rubout();
    } else if (c == CTRL('W')) {
        while (cons.len > 0 && (cons.line[cons.len - 1] == ' ' || cons.line[cons.len - 1] == '\t'))
            rubout();
        while (cons.len > 0 && cons.line[cons.len - 1] != ' ' && cons.line[cons.len - 1] != '\t')
            rubout();
    } else if (c == CTRL('D') || c == '\n') {
        cons.line[cons.len++] = c;          /* room is kept for it */
        deliver(cons.line, cons.len);
        cons.len = 0;
        if (c == '\n') echo(c);
    } else if (cons.len < CONS_LINE - 1) {
        cons.line[cons.len++] = c;
        echo(c);
    }
}

/* consd: never returns; one pass per chunk of input. */
static void consd(void)
{
    char buf[64];
    for (;;) {
        size_t n = console_read(buf, sizeof buf);
        acquire(&cons.lock, mycpuid());
        for (size_t i = 0; i < n; i++)
            input(buf[i]);
        echo_flush();
        wakeup(&cons.q);
        release(&cons.lock);
    }
}

/* Blocks until there is input (or the reader is killed); returns what is there, up to n
 * and the end of the user's page; in canonical mode at most one line. */
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
    if (!(cons.t.c_lflag & ICANON)) {
        while (done < n && cons.tail != cons.head)
            k[done++] = cons.q[cons.tail++ % CONS_Q];
        release(&cons.lock);
        return (long)done;
    }
    if (cons.q[cons.tail % CONS_Q] == CTRL('D')) {
        cons.tail++;
        n = 0;
    }
    while (done < n && cons.tail != cons.head) {
        char c = cons.q[cons.tail % CONS_Q];
        if (c == CTRL('D')) break;
        k[done++] = c;
        cons.tail++;
        if (c == '\n') break;
    }
    if (done > 0 && k[done - 1] != '\n' && cons.tail != cons.head &&
        cons.q[cons.tail % CONS_Q] == CTRL('D'))
        cons.tail++;                        /* ^D mid-line: the line, without a newline */
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
        tty_out(k, chunk);
        done += chunk;
    }
    return (long)done;
}

const struct fileops console_fileops = { cons_read, cons_write, NULL };

void consdev_init(void)
{
    /* Input from a pipe or a file (the VMM says so) is not typed: echoing it would only
     * mix it into the output. */
    if (bootinfo.console && strcmp(bootinfo.console, "stream") == 0)
        cons.t.c_lflag &= ~ECHO;
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

/* The console's open file behind fd, or NULL (-ENOTTY / -EBADF in *err). */
static struct file *console_fd(int fd, long *err)
{
    struct proc *p = myproc();
    if (fd < 0 || fd >= NOFILE || !p->ofile[fd]) {
        *err = -EBADF;
        return NULL;
    }
    *err = -ENOTTY;
    return p->ofile[fd]->ops == &console_fileops ? p->ofile[fd] : NULL;
}

/* tcgetattr(fd, struct termios *) */
long sys_tcgetattr(struct trapframe *tf)
{
    int fd = (int)tf->rdi;
    uint64_t uva = tf->rsi;
    long err;
    if (!console_fd(fd, &err)) return err;
    acquire(&cons.lock, mycpuid());
    struct termios t = cons.t;
    release(&cons.lock);
    return copyout(&myproc()->as, uva, &t, sizeof t) < 0 ? -EFAULT : 0;
}

/* tcsetattr(fd, when, const struct termios *): leaving canonical mode hands the line
 * being edited to readers; entering it takes the bytes that came in raw and are still
 * unread as typed again (they were not echoed, CR was not turned into NL): a line typed
 * ahead while the shell's editor still had the console raw reaches the command whole.
 * TCSAFLUSH discards all pending input. */
long sys_tcsetattr(struct trapframe *tf)
{
    int fd = (int)tf->rdi, when = (int)tf->rsi;
    uint64_t uva = tf->rdx;
    long err;
    if (!console_fd(fd, &err)) return err;
    if (when < TCSANOW || when > TCSAFLUSH) return -EINVAL;
    struct termios t;
    if (copyin(&myproc()->as, &t, uva, sizeof t) < 0) return -EFAULT;
    acquire(&cons.lock, mycpuid());
    if (when == TCSAFLUSH) {
        cons.tail = cons.head;
        cons.len = 0;
    }
    static char again[CONS_Q];              /* guarded by cons.lock */
    uint64_t n = 0;
    if ((cons.t.c_lflag & ICANON) && !(t.c_lflag & ICANON)) {
        deliver(cons.line, cons.len);
        cons.len = 0;
    } else if (!(cons.t.c_lflag & ICANON) && (t.c_lflag & ICANON)) {
        for (; cons.tail != cons.head; n++)
            again[n] = cons.q[cons.tail++ % CONS_Q];
    }
    cons.t = t;
    for (uint64_t i = 0; i < n; i++)
        input(again[i]);
    echo_flush();
    wakeup(&cons.q);
    release(&cons.lock);
    return 0;
}
