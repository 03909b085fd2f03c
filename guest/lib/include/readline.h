/* A line editor for the console, with history and completion (guest/lib/readline.c). */
#ifndef ULIB_READLINE_H
#define ULIB_READLINE_H
#include <stddef.h>

/* Prints prompt (if not NULL), reads a line from stdin into line (at most n - 1 bytes,
 * NUL-terminated, without the newline) and returns its length; -1 at the end of input
 * (Ctrl-D on an empty line, or stdin at EOF). Ctrl-C gives an empty line. On the console
 * it edits in raw mode and restores the terminal settings before it returns; every
 * non-empty line joins the history (Up/Down). */
int readline(const char *prompt, char *line, size_t n);

/* Extra names Tab offers for the first word of a line, before the programs in /bin (the
 * shell's built-ins); NULL-terminated, or NULL. */
extern const char *const *readline_commands;

#endif
