/* The serial console between the terminal and the guest's UART: stdin to the UART's
 * receive FIFO (paced by what it takes), its output to stdout, the Ctrl-A keys. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "abi/machine.h"
#include "devices/uart.h"
#include "vmm/console.h"
#include "vmm/evloop.h"
#include "vmm/terminal.h"
#include "vmm/vm.h"

#define ESCAPE_KEY 0x01   /* Ctrl-A */
#define EOF_KEY    0x04   /* Ctrl-D */
#define RETRY_NS   1000000ULL
#define TXQ_SIZE   sizeof ((struct console *)0)->txq
#define TX_CHUNK   512
#define TX_RETRY_NS 10000000ULL  /* the event loop retries a full stdout this often */
#define TX_EXIT_WAIT_MS 1000   /* at exit, how long a full stdout is waited for */

static void help(void)
{
    static const char text[] =
        "\r\nminivmm console keys:\r\n"
        "  Ctrl-A x   quit (the guest is stopped)\r\n"
        "  Ctrl-A h   this help\r\n"
        "  Ctrl-A a   send Ctrl-A to the guest\r\n";
    if (write(STDERR_FILENO, text, sizeof text - 1) < 0) {
        /* nothing to do: stderr is gone */
    }
}

/* stdout can take a byte now without blocking (for a pipe POLLOUT means room for a
 * page, for a terminal room in its buffer). */
static bool writable(int timeout_ms)
{
    struct pollfd p = { STDOUT_FILENO, POLLOUT, 0 };
    return poll(&p, 1, timeout_ms) == 1;
}

/* Write up to n queued bytes from p; false once stdout is gone (said once on stderr).
 * Called with tx_lock held. */
static bool tx_write(struct console *c, const uint8_t *p, size_t *n)
{
    ssize_t w;
    do
        w = write(STDOUT_FILENO, p, *n);
    while (w < 0 && errno == EINTR);
    if (w > 0 || (w < 0 && errno == EAGAIN)) {
        *n = w > 0 ? (size_t)w : 0;
        return true;
    }
    c->stdout_gone = true;
    fprintf(stderr, "\r\nvmm: console: stdout: %s; the guest's output is dropped from now "
            "on\r\n", strerror(w < 0 ? errno : EIO));
    return false;
}

/* Send what the queue holds while stdout takes it; true when the queue is empty. */
static bool tx_drain(struct console *c, int timeout_ms)
{
    while (c->txq_len && !c->stdout_gone && writable(timeout_ms)) {
        size_t n = c->txq_len, head = c->txq_head;
        if (n > TXQ_SIZE - head)
            n = TXQ_SIZE - head;
        if (n > TX_CHUNK)
            n = TX_CHUNK;
        if (!tx_write(c, c->txq + head, &n))
            break;
        c->txq_head = (head + n) % TXQ_SIZE;
        c->txq_len -= n;
    }
    if (c->stdout_gone)
        c->txq_len = 0;
    if (c->txq_len == 0 && c->tx_dropped) {
        fprintf(stderr, "\r\nvmm: console: stdout was not read: %llu bytes of the guest's "
                "output dropped\r\n", (unsigned long long)c->tx_dropped);
        c->tx_dropped = 0;
    }
    return c->txq_len == 0;
}

/* The UART's output never waits for stdout: the UART's lock is held here, and the event
 * loop needs it for input (and must stay free to stop the machine). A byte stdout cannot
 * take now waits in the queue, which the event loop drains; once the queue is full too,
 * output is dropped and counted, as on a serial line without flow control. */
void console_tx(void *ctx, uint8_t byte)
{
    struct vm *vm = ctx;
    struct console *c = &vm->console;
    pthread_mutex_lock(&c->tx_lock);
    size_t one = 1;
    if (c->stdout_gone ||
        (c->txq_len == 0 && writable(0) && (!tx_write(c, &byte, &one) || one == 1))) {
        /* written, or dropped */
    } else if (c->txq_len < TXQ_SIZE) {
        c->txq[(c->txq_head + c->txq_len++) % TXQ_SIZE] = byte;
        if (c->txq_len == 1)
            evloop_timer_periodic(c->tx_timer, TX_RETRY_NS);
    } else {
        c->tx_dropped++;
    }
    pthread_mutex_unlock(&c->tx_lock);
}

static void on_tx_timer(void *ctx, int fd)
{
    struct console *c = ctx;
    uint64_t expirations;
    if (read(fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        return;
    pthread_mutex_lock(&c->tx_lock);
    if (tx_drain(c, 0))
        evloop_timer_periodic(c->tx_timer, 0);
    pthread_mutex_unlock(&c->tx_lock);
}

void console_close(struct vm *vm)
{
    struct console *c = &vm->console;
    pthread_mutex_lock(&c->tx_lock);
    if (c->txq_len && !tx_drain(c, TX_EXIT_WAIT_MS))
        fprintf(stderr, "vmm: console: stdout is full: %llu bytes of the guest's output are "
                "lost\n", (unsigned long long)(c->txq_len + c->tx_dropped));
    pthread_mutex_unlock(&c->tx_lock);
}

void console_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
            open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
            die("fd %d is closed and /dev/null cannot take its place", fd);
}

/* Hand pending input to the UART; true when all of it went in. */
static bool flush_pending(struct console *c)
{
    struct uart *u = c->vm->uart;
    if (!uart_listening(u))
        return c->npending == 0;
    c->pending_off += uart_receive(u, c->pending + c->pending_off, c->npending - c->pending_off);
    if (c->pending_off < c->npending)
        return false;
    c->npending = c->pending_off = 0;
    return true;
}

/* Interpret escape keys; what is left for the guest goes to `pending`. */
static void filter_input(struct console *c, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t k = buf[i];
        if (c->escape) {
            c->escape = false;
            if (k == 'x' || k == 'X') {
                terminal_restore();
                fprintf(stderr, "\nvmm: terminated by Ctrl-A x\n");
                vm_stop(c->vm, 0);
                continue;
            }
            if (k == 'h' || k == 'H' || k == '?') {
                help();
                continue;
            }
            if (k != ESCAPE_KEY && k != 'a')
                continue;
            k = ESCAPE_KEY;
        } else if (k == ESCAPE_KEY && terminal_is_raw()) {
            c->escape = true;
            continue;
        }
        c->pending[c->npending++] = k;
    }
}

static void on_stdin(void *ctx, int fd);

/* Read one chunk of input and hand it on. When the UART cannot take it all, or stdin
 * cannot be polled (a regular file, /dev/null), the retry timer drives instead. */
static void pump(struct console *c)
{
    if (c->npending && !flush_pending(c))
        return;
    if (!c->stdin_open) {
        evloop_timer_periodic(c->retry_timer, 0);
        return;
    }
    uint8_t buf[sizeof c->pending];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        /* End of input: what a terminal user does with Ctrl-D. */
        c->stdin_open = false;
        buf[0] = EOF_KEY;
        n = 1;
    }
    filter_input(c, buf, n);
    bool done = flush_pending(c);
    bool timer_needed = !done || (c->stdin_open && !c->stdin_pollable);
    if (c->stdin_watched && (timer_needed || !c->stdin_open)) {
        evloop_remove(&c->vm->loop, STDIN_FILENO);
        c->stdin_watched = false;
    }
    evloop_timer_periodic(c->retry_timer, timer_needed ? RETRY_NS : 0);
}

static void on_retry(void *ctx, int fd)
{
    struct console *c = ctx;
    uint64_t expirations;
    if (read(fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        return;
    if (c->npending && !flush_pending(c))
        return;
    if (c->stdin_open && c->stdin_pollable) {
        evloop_timer_periodic(c->retry_timer, 0);
        if (!c->stdin_watched && evloop_add(&c->vm->loop, STDIN_FILENO, on_stdin, c) == 0)
            c->stdin_watched = true;
        return;
    }
    pump(c);
}

static void on_stdin(void *ctx, int fd)
{
    pump(ctx);
}

void console_open(struct vm *vm)
{
    struct console *c = &vm->console;
    *c = (struct console){ .vm = vm, .retry_timer = -1, .stdin_open = true };
    pthread_mutex_init(&c->tx_lock, NULL);
    c->tx_timer = evloop_timer(&vm->loop, on_tx_timer, c);
    signal(SIGPIPE, SIG_IGN);
    terminal_raw();
    c->retry_timer = evloop_timer(&vm->loop, on_retry, c);
    c->stdin_pollable = c->stdin_watched = evloop_add(&vm->loop, STDIN_FILENO, on_stdin, c) == 0;
    if (!c->stdin_pollable)
        evloop_timer_periodic(c->retry_timer, RETRY_NS);
}
