/* grep [-vcni] STRING [FILE...]: prints the lines that contain STRING (a fixed string, not
 * a regular expression). -v: lines without it; -c: only a count; -n: line numbers;
 * -i: ignore case. Exit status 0 if a line was selected, 1 if none, 2 on an error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int invert, count_only, numbers, nocase;

/* Prints (or counts) the selected lines of f; returns how many were selected. */
static long grep(FILE *f, const char *pattern, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0, selected = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        int match = (nocase ? strcasestr(line, pattern) : strstr(line, pattern)) != NULL;
        if (match == invert) continue;
        selected++;
        if (count_only) continue;
        if (name) printf("%s:", name);
        if (numbers) printf("%ld:", lineno);
        fputs(line, stdout);
        if (line[len - 1] != '\n') putchar('\n');
    }
    free(line);
    if (count_only && name) printf("%s:", name);
    if (count_only) printf("%ld\n", selected);
    return selected;
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "vcni")) != -1) {
        if (opt == 'v') invert = 1;
        else if (opt == 'c') count_only = 1;
        else if (opt == 'n') numbers = 1;
        else if (opt == 'i') nocase = 1;
        else optind = argc + 1;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: grep [-vcni] STRING [FILE...]\n");
        return 2;
    }
    const char *pattern = argv[optind++];
    if (optind == argc) return grep(stdin, pattern, NULL) ? 0 : 1;
    long selected = 0;
    int errors = 0;
    for (int i = optind; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
        if (!f) {
            fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
            errors++;
            continue;
        }
        selected += grep(f, pattern, argc - optind > 1 ? argv[i] : NULL);
        fclose(f);
    }
    return errors ? 2 : selected ? 0 : 1;
}
