/* init, the first process: runs the command the VMM passed (its own arguments) and powers
 * off with its exit status; without one, reads commands from the console until EOF. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX 256
#define MAXARGS  16
#define CTRL_D   0x04

/* Runs argv[0] with argv in a child and returns its wait status; 127 if there is no such
 * program, 126 if it cannot be executed (as a shell would say). */
static int run(char **argv)
{
    int pid = fork();
    if (pid < 0) {
        dprintf(2, "init: fork: %s\n", strerror(errno));
        return 126;
    }
    if (pid == 0) {
        exec(argv[0], argv);
        if (errno == ENOENT) {
            dprintf(2, "init: %s: not found\n", argv[0]);
            _exit(127);
        }
        dprintf(2, "init: %s: %s\n", argv[0], strerror(errno));
        _exit(126);
    }
    int status, w;
    while ((w = wait(&status)) != pid)      /* orphans come to init too: reap them */
        if (w < 0) return 126;
    return status;
}

/* Reads one line (without its newline) into line; returns 0 at end of input (read
 * returns 0, or Ctrl-D on an empty line: the console is raw). The console does not echo,
 * so init does, with backspace editing. Bytes after the newline wait for the next call. */
static int read_line(char *line, size_t n)
{
    static char buf[LINE_MAX];
    static size_t have;
    char echo[LINE_MAX * 3];
    size_t len = 0;
    for (;;) {
        size_t e = 0, i = 0;
        int done = -1;
        for (; i < have && done < 0; i++) {
            char c = buf[i];
            if (c == '\n' || c == '\r') {
                echo[e++] = '\n';
                done = 1;
            } else if (c == CTRL_D && len == 0) {
                done = 0;
            } else if (c == 0x7f || c == '\b') {
                if (len > 0) len--, memcpy(echo + e, "\b \b", 3), e += 3;
            } else if (len + 1 < n && (unsigned char)c >= ' ') {
                line[len++] = echo[e++] = c;
            }
        }
        write(1, echo, e);
        memmove(buf, buf + i, have - i);
        have -= i;
        if (done >= 0) {
            line[len] = '\0';
            return done;
        }
        fflush(stdout);                     /* the prompt has no newline */
        ssize_t r = read(0, buf, sizeof buf);
        if (r <= 0) {
            line[len] = '\0';
            return len > 0;
        }
        have = (size_t)r;
    }
}

/* Splits line on blanks into argv (NULL-terminated); returns the count. */
static int split(char *line, char **argv)
{
    int argc = 0;
    for (char *s = line; *s && argc < MAXARGS; ) {
        while (*s == ' ' || *s == '\t') *s++ = '\0';
        if (!*s) break;
        argv[argc++] = s;
        while (*s && *s != ' ' && *s != '\t') s++;
    }
    argv[argc] = NULL;
    return argc;
}

int main(int argc, char **argv)
{
    if (argc > 1) poweroff(run(argv + 1));
    printf("minivmm init: no shell yet; type a program and its arguments, e.g. /bin/echo hi\n");
    char line[LINE_MAX], *args[MAXARGS + 1];
    for (;;) {
        printf("init> ");
        if (!read_line(line, sizeof line)) break;
        if (split(line, args) == 0) continue;
        int status = run(args);
        if (status != 0) printf("init: %s: exit status %d\n", args[0], status);
    }
    printf("\n");
    poweroff(0);
    return 0;
}
