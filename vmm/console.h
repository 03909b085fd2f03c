/* The serial console: the UART's output to stdout, terminal input to the UART, and the
 * Ctrl-A escape keys (x quits, h helps, a sends a literal Ctrl-A). */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

struct console {
    struct vm *vm;
    bool escape;                      /* Ctrl-A seen, the next key is a command */
    /* Input the UART's FIFO could not take yet: retried from a timer, stdin paused. */
    uint8_t pending[256];
    size_t npending, pending_off;
    int retry_timer;
    bool stdin_open, stdin_pollable, stdin_watched;
};

/* Put the terminal in raw mode if stdin is one (vmm/terminal.h) and start forwarding
 * stdin to vm->uart. On end of input the guest gets one Ctrl-D. */
void console_open(struct vm *vm);
/* The UART's transmit callback: ctx is unused. */
void console_tx(void *ctx, uint8_t byte);

#endif
