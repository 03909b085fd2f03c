/* more [FILE...]: shows FILEs or stdin a screen at a time. After each screen (23 lines of
 * 80 columns: the console has no window size to ask) it waits at --More-- for a key, read
 * with the console in raw mode from stderr (stdin may be the pipe it is paging): space the
 * next screen, Enter the next line, q (or ^C, ^D) quits. When stdout is not the console it
 * just copies. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define ROWS 23
#define COLS 80

static int keys = -1;          /* the console fd keys come from, or -1: just copy */
static int rows_left = ROWS, col;

/* Waits for a key at the prompt: returns the rows to show next, 0 to quit. */
static int ask(void)
{
    struct termios saved, raw;
    fputs("\x1b[7m--More--\x1b[m", stdout);
    fflush(stdout);
    tcgetattr(keys, &saved);
    raw = saved;
    cfmakeraw(&raw);
    raw.c_oflag = saved.c_oflag;
    tcsetattr(keys, TCSANOW, &raw);
    int rows = -1;
    char c;
    while (rows < 0) {
        if (read(keys, &c, 1) != 1) rows = 0;
        else if (c == ' ') rows = ROWS;
        else if (c == '\r' || c == '\n') rows = 1;
        else if (c == 'q' || c == 'Q' || c == 3 || c == 4) rows = 0;   /* ^C ^D too */
    }
    tcsetattr(keys, TCSANOW, &saved);
    fputs("\r\x1b[K", stdout);                /* the prompt goes away */
    return rows;
}

/* Copies f to stdout, stopping at each full screen; 0 if the reader quit. */
static int page(FILE *f)
{
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (keys >= 0 && rows_left == 0 && !(rows_left = ask())) return 0;
        putchar(c);
        col = c == '\n' ? 0 : col + 1;
        if (c == '\n' || col == COLS) {
            col = 0;
            if (rows_left > 0) rows_left--;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (isatty(1)) keys = isatty(2) ? 2 : 1;
    if (argc < 2) return page(stdin), 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
        if (!f) {
            fprintf(stderr, "more: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        int go_on = page(f);
        fclose(f);
        if (!go_on) break;
    }
    return status;
}
