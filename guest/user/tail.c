/* tail [-n N | -N] [FILE]: the last N (10) lines of FILE or stdin, kept in a ring of N lines. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "guest/user/line_count.h"

#define MAX_LINES 100000

int main(int argc, char **argv)
{
    long n = 10;
    if (line_count_option(argc, argv, &n) < 0 || n > MAX_LINES)
        return fprintf(stderr, "usage: tail [-n N | -N] [FILE] (N at most %d)\n", MAX_LINES), 2;
    FILE *f = stdin;
    if (optind < argc) {
        int fd = open(argv[optind], O_RDONLY);
        if (fd < 0 || !(f = fdopen(fd, "r")))
            return fprintf(stderr, "tail: %s: %s\n", argv[optind], strerror(errno)), 1;
    }
    if (n == 0) return 0;
    char **ring = calloc((size_t)n, sizeof *ring);
    size_t *caps = calloc((size_t)n, sizeof *caps);
    if (!ring || !caps) return perror("tail"), 1;
    long count = 0;
    while (getline(&ring[count % n], &caps[count % n], f) >= 0)
        count++;
    for (long i = count > n ? count - n : 0; i < count; i++)
        fputs(ring[i % n], stdout);
    return 0;
}
