/* The terminal vmm runs in: raw mode for the serial console, and its restoration on
 * every way out (exit, die, fatal signals). The terminal belongs to the process, not to
 * one machine, so its saved state is the one static of the VMM's console side. */
#ifndef VMM_TERMINAL_H
#define VMM_TERMINAL_H
#include <stdbool.h>

/* If stdin is a terminal, put it in raw mode (output still turns "\n" into "\r\n") and
 * arrange for terminal_restore at exit and on fatal signals. True if it is now raw. */
bool terminal_raw(void);
/* Is the terminal in raw mode (the console's escape keys work only then)? */
bool terminal_is_raw(void);
/* Restore the terminal; safe to call more than once and from a signal handler. */
void terminal_restore(void);

#endif
