/* getopt-lite: the short-option scanner of POSIX getopt, without argument permutation. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

char *optarg;
int optind = 1, opterr = 1, optopt;
static int next_char;      /* index into argv[optind] of the next flag in a group like -nv */

/* Reports an unknown option (missing 0) or a missing argument (missing 1). */
static int bad(const char *prog, int missing, int c, int colon)
{
    optopt = c;
    if (opterr && !colon)
        fprintf(stderr, "%s: %s -- '%c'\n", prog,
                missing ? "option requires an argument" : "unknown option", c);
    return colon && missing ? ':' : '?';
}

int getopt(int argc, char *const argv[], const char *optstring)
{
    optarg = NULL;
    if (optind <= 0) optind = 1, next_char = 0;      /* a caller starting over */
    if (next_char == 0) {
        if (optind >= argc || argv[optind][0] != '-' || argv[optind][1] == '\0') return -1;
        if (strcmp(argv[optind], "--") == 0) {
            optind++;
            return -1;
        }
        next_char = 1;
    }
    const char *arg = argv[optind];
    int c = arg[next_char++];
    int colon = optstring[0] == ':';
    const char *spec = c == ':' ? NULL : strchr(optstring + colon, c);
    int last = arg[next_char] == '\0';
    if (!spec) {
        if (last) optind++, next_char = 0;
        return bad(argv[0], 0, c, colon);
    }
    if (spec[1] != ':') {
        if (last) optind++, next_char = 0;
        return c;
    }
    /* An option with an argument: the rest of this word, or the next word. */
    optind++;
    if (!last) {
        optarg = (char *)arg + next_char;
    } else if (optind < argc) {
        optarg = argv[optind++];
    } else {
        next_char = 0;
        return bad(argv[0], 1, c, colon);
    }
    next_char = 0;
    return c;
}
