/* Line input with echo and editing on the raw guest console (guest/lib/readline.c). */
#ifndef ULIB_READLINE_H
#define ULIB_READLINE_H
#include <stddef.h>

/* Prints prompt (if not NULL), reads a line from stdin into line (at most n - 1 bytes,
 * NUL-terminated, without the newline) and returns its length; -1 at the end of input
 * (Ctrl-D on an empty line, or stdin at EOF). Ctrl-C gives an empty line. */
int readline(const char *prompt, char *line, size_t n);

#endif
