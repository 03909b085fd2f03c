/* The line-count option head and tail share: -n N, or the traditional -N. */
#ifndef GUEST_USER_LINE_COUNT_H
#define GUEST_USER_LINE_COUNT_H
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>

/* Parse [-n N | -N] from argv into *n (left as is when absent); optind is then the first
 * operand. 0, or -1 for a bad option or count (the caller prints its usage). */
static int line_count_option(int argc, char **argv, long *n)
{
    int opt;
    if (argc > 1 && argv[1][0] == '-' && isdigit((unsigned char)argv[1][1])) {
        char *end;
        *n = strtol(argv[1] + 1, &end, 10);
        if (*end) return -1;
        optind = 2;
        return 0;
    }
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        char *end;
        if (opt != 'n') return -1;
        *n = strtol(optarg, &end, 10);
        if (*end || *n < 0) return -1;
    }
    return 0;
}

#endif
