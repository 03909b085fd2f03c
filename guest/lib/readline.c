/* readline: one line from the console with echo and simple editing. The guest console is
 * raw (the kernel neither echoes nor edits), so the program reading a command line does
 * both: printable bytes are echoed, Backspace/DEL erases, Ctrl-U erases the line, Ctrl-C
 * abandons it, Ctrl-D on an empty line is the end of input. Input comes through stdin's
 * buffer, so bytes typed ahead stay there for the next call. */
#include <readline.h>
#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)
#define DEL     0x7f

/* Erases the last k echoed characters on the terminal. */
static void rubout(size_t k)
{
    while (k--) fputs("\b \b", stdout);
}

int readline(const char *prompt, char *line, size_t n)
{
    size_t len = 0;
    if (prompt) fputs(prompt, stdout);
    for (;;) {
        int c = getchar();
        if (c == EOF || (c == CTRL('D') && len == 0)) {
            if (len == 0) return -1;
            break;                              /* end of input ends the last line */
        }
        if (c == '\n' || c == '\r') {
            putchar('\n');
            break;
        }
        if (c == CTRL('C')) {
            fputs("^C\n", stdout);
            len = 0;
            break;
        }
        if (c == DEL || c == '\b') {
            if (len > 0) rubout(1), len--;
        } else if (c == CTRL('U')) {
            rubout(len), len = 0;
        } else if ((c >= ' ' || c == '\t') && len + 1 < n) {
            line[len++] = (char)c;
            putchar(c);
        }
    }
    line[len] = '\0';
    fflush(stdout);
    return (int)len;
}
