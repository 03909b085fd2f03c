/* kill [-SIGNAL] PID...: sends a signal (TERM unless named: by number, or a name such as
 * KILL, INT or SIGKILL) to each process; a negative PID names a process group. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct { const char *name; int sig; } names[] = {
    { "INT", SIGINT }, { "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
    { "FPE", SIGFPE }, { "KILL", SIGKILL }, { "SEGV", SIGSEGV }, { "PIPE", SIGPIPE },
    { "TERM", SIGTERM },
};

/* The signal that s (without the '-') names, or -1. */
static int parse_signal(const char *s)
{
    if (isdigit((unsigned char)*s)) {
        char *end;
        long v = strtol(s, &end, 10);
        return *end || v >= NSIG ? -1 : (int)v;
    }
    if (strncmp(s, "SIG", 3) == 0) s += 3;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) return names[i].sig;
    return -1;
}

int main(int argc, char **argv)
{
    int sig = SIGTERM, i = 1, status = 0;
    if (argc > 2 && argv[1][0] == '-' && strcmp(argv[1], "--") != 0) {
        if ((sig = parse_signal(argv[1] + 1)) < 0)
            return fprintf(stderr, "kill: %s: unknown signal\n", argv[1] + 1), 2;
        i++;
    }
    if (i < argc && strcmp(argv[i], "--") == 0) i++;      /* then -PID is a group */
    if (i >= argc) return fprintf(stderr, "usage: kill [-SIGNAL] PID...\n"), 2;
    for (; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (*end || end == argv[i]) {
            fprintf(stderr, "kill: %s: not a process id\n", argv[i]);
            status = 1;
        } else if (kill((int)pid, sig) < 0) {
            fprintf(stderr, "kill: %ld: %s\n", pid, strerror(errno));
            status = 1;
        }
    }
    return status;
}
