/* The serial console: the UART's output to stdout, terminal input to the UART, and the
 * Ctrl-A escape keys (x quits, h helps, a sends a literal Ctrl-A). */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H
#include <pthread.h>
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
    /* The guest's output stdout could not take at once (vCPU threads add to it, the event
     * loop drains it): a ring, dropped bytes counted once it is full. */
    pthread_mutex_t tx_lock;
    uint8_t txq[64 * 1024];
    size_t txq_head, txq_len;
    uint64_t tx_dropped;
    int tx_timer;
    bool stdout_gone;                 /* output dropped from then on */
};

/* First thing: stdin, stdout and stderr are open, on /dev/null if they were closed, so
 * that no file the VMM opens (an image, --stats) takes their number and the console. */
void console_std_fds(void);
/* Put the terminal in raw mode if stdin is one (vmm/terminal.h) and start forwarding
 * stdin to vm->uart. On end of input the guest gets one Ctrl-D. */
void console_open(struct vm *vm);
/* The UART's transmit callback (ctx: the struct vm): to stdout, or queued while stdout
 * cannot take it; never blocks. Output is dropped once stdout is gone. */
void console_tx(void *ctx, uint8_t byte);
/* At exit: what is still queued goes to stdout, waiting for it at most a second. */
void console_close(struct vm *vm);

#endif
