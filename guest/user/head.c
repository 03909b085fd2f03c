/* head [-n N | -N] [FILE]: the first N (10) lines of FILE or stdin. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "guest/user/line_count.h"

int main(int argc, char **argv)
{
    long n = 10;
    if (line_count_option(argc, argv, &n) < 0)
        return fprintf(stderr, "usage: head [-n N | -N] [FILE]\n"), 2;
    FILE *f = stdin;
    if (optind < argc) {
        int fd = open(argv[optind], O_RDONLY);
        if (fd < 0 || !(f = fdopen(fd, "r")))
            return fprintf(stderr, "head: %s: %s\n", argv[optind], strerror(errno)), 1;
    }
    char *line = NULL;
    size_t cap = 0;
    for (long i = 0; i < n && getline(&line, &cap, f) >= 0; i++)
        fputs(line, stdout);
    return 0;         /* without reading on: a writer into our stdin gets EPIPE */
}
