/* The terminal's raw mode and its restoration. */
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include "vmm/terminal.h"

/* The terminal's state before raw mode (read by signal handlers too). */
static struct termios saved;
static volatile sig_atomic_t raw_mode;

void terminal_restore(void)
{
    if (raw_mode) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        raw_mode = 0;
    }
}

static void on_fatal_signal(int sig)
{
    terminal_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

bool terminal_raw(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) != 0)
        return false;
    struct termios raw = saved;
    cfmakeraw(&raw);
    raw.c_oflag |= OPOST | ONLCR;   /* the guest writes "\n"; the terminal wants "\r\n" */
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
        return false;
    raw_mode = 1;
    atexit(terminal_restore);
    /* SIGTERM, SIGINT and SIGHUP stop the machine in order instead (vm_signals_watch). */
    int sigs[] = { SIGQUIT, SIGABRT, SIGSEGV, SIGBUS };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], on_fatal_signal);
    return true;
}

bool terminal_is_raw(void)
{
    return raw_mode;
}
