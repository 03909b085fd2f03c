/* The serial console between the terminal and the guest's UART. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "abi/machine.h"
#include "devices/uart.h"
#include "vmm/console.h"
#include "vmm/evloop.h"
#include "vmm/vm.h"

#define ESCAPE_KEY 0x01   /* Ctrl-A */
#define EOF_KEY    0x04   /* Ctrl-D */
#define RETRY_NS   1000000ULL

static struct termios saved;
static volatile sig_atomic_t raw_mode;
static struct vm *the_vm;
static bool escape;
/* Input the UART's FIFO could not take yet: retried from a timer, stdin paused meanwhile. */
static uint8_t pending[256];
static size_t npending, pending_off;
static int retry_timer = -1;
static bool stdin_open = true, stdin_pollable, stdin_watched;

void console_restore(void)
{
    if (raw_mode) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        raw_mode = 0;
    }
}

static void on_fatal_signal(int sig)
{
    console_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

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
static bool flush_pending(void)
{
    if (!uart_listening(the_vm->uart))
        return npending == 0;
    pending_off += uart_receive(the_vm->uart, pending + pending_off, npending - pending_off);
    if (pending_off < npending)
        return false;
    npending = pending_off = 0;
    return true;
}

/* Interpret escape keys; what is left for the guest goes to `pending`. */
static void filter_input(const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[i];
        if (escape) {
            escape = false;
            if (c == 'x' || c == 'X') {
                console_restore();
                fprintf(stderr, "\nvmm: terminated by Ctrl-A x\n");
                vm_stop(the_vm, 0);
                continue;
            }
            if (c == 'h' || c == 'H' || c == '?') {
                help();
                continue;
            }
            if (c != ESCAPE_KEY && c != 'a')
                continue;
            c = ESCAPE_KEY;
        } else if (c == ESCAPE_KEY && raw_mode) {
            escape = true;
            continue;
        }
        pending[npending++] = c;
    }
}

static void on_stdin(void *ctx, int fd);

/* Read one chunk of input and hand it on. When the UART cannot take it all, or stdin
 * cannot be polled (a regular file, /dev/null), the retry timer drives instead. */
static void pump(void)
{
    if (npending && !flush_pending())
        return;
    if (!stdin_open) {
        evloop_timer_periodic(retry_timer, 0);
        return;
    }
    uint8_t buf[sizeof pending];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        /* End of input: what a terminal user does with Ctrl-D. */
        stdin_open = false;
        buf[0] = EOF_KEY;
        n = 1;
    }
    filter_input(buf, n);
    bool done = flush_pending();
    bool timer_needed = !done || (stdin_open && !stdin_pollable);
    if (stdin_watched && (timer_needed || !stdin_open)) {
        evloop_remove(STDIN_FILENO);
        stdin_watched = false;
    }
    evloop_timer_periodic(retry_timer, timer_needed ? RETRY_NS : 0);
}

static void on_retry(void *ctx, int fd)
{
    uint64_t expirations;
    if (read(fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        return;
    if (npending && !flush_pending())
        return;
    if (stdin_open && stdin_pollable) {
        evloop_timer_periodic(retry_timer, 0);
        if (!stdin_watched && evloop_add(STDIN_FILENO, on_stdin, NULL) == 0)
            stdin_watched = true;
        return;
    }
    pump();
}

static void on_stdin(void *ctx, int fd)
{
    pump();
}

void console_open(struct vm *vm)
{
    the_vm = vm;
    signal(SIGPIPE, SIG_IGN);
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
        struct termios raw = saved;
        cfmakeraw(&raw);
        raw.c_oflag |= OPOST | ONLCR;   /* the guest writes "\n"; the terminal wants "\r\n" */
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0) {
            raw_mode = 1;
            atexit(console_restore);
            int sigs[] = { SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS };
            for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
                signal(sigs[i], on_fatal_signal);
        }
    }
    retry_timer = evloop_timer(on_retry, NULL);
    stdin_pollable = stdin_watched = evloop_add(STDIN_FILENO, on_stdin, NULL) == 0;
    if (!stdin_pollable)
        evloop_timer_periodic(retry_timer, RETRY_NS);
}
