/* The serial console between the terminal and the guest's UART: stdin to the UART's
 * receive FIFO (paced by what it takes), its output to stdout, the Ctrl-A keys. */
#include <errno.h>
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

void console_tx(void *ctx, uint8_t byte)
{
    while (write(STDOUT_FILENO, &byte, 1) < 0 && errno == EINTR)
        ;
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
    signal(SIGPIPE, SIG_IGN);
    terminal_raw();
    c->retry_timer = evloop_timer(&vm->loop, on_retry, c);
    c->stdin_pollable = c->stdin_watched = evloop_add(&vm->loop, STDIN_FILENO, on_stdin, c) == 0;
    if (!c->stdin_pollable)
        evloop_timer_periodic(c->retry_timer, RETRY_NS);
}
