/* wc [-lwc] [FILE...]: counts lines, words and bytes of each file or of stdin. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int show_lines, show_words, show_bytes;

struct counts {
    long lines, words, bytes;
};

/* Adds fd's counts to c; -1 on a read error. */
static int count(int fd, struct counts *c)
{
    char buf[4096];
    int in_word = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        c->bytes += n;
        for (ssize_t i = 0; i < n; i++) {
            c->lines += buf[i] == '\n';
            if (isspace((unsigned char)buf[i])) in_word = 0;
            else if (!in_word) in_word = 1, c->words++;
        }
    }
    return n < 0 ? -1 : 0;
}

static void print(const struct counts *c, const char *name)
{
    const char *sep = "";
    if (show_lines) printf("%ld", c->lines), sep = " ";
    if (show_words) printf("%s%ld", sep, c->words), sep = " ";
    if (show_bytes) printf("%s%ld", sep, c->bytes);
    printf(name ? " %s\n" : "\n", name);
}

int main(int argc, char **argv)
{
    int opt, status = 0;
    while ((opt = getopt(argc, argv, "lwc")) != -1) {
        if (opt == 'l') show_lines = 1;
        else if (opt == 'w') show_words = 1;
        else if (opt == 'c') show_bytes = 1;
        else return fprintf(stderr, "usage: wc [-lwc] [FILE...]\n"), 2;
    }
    if (!show_lines && !show_words && !show_bytes) show_lines = show_words = show_bytes = 1;
    struct counts total = { 0, 0, 0 };
    if (optind == argc) {
        if (count(0, &total) < 0) return perror("wc"), 1;
        print(&total, NULL);
        return 0;
    }
    for (int i = optind; i < argc; i++) {
        struct counts c = { 0, 0, 0 };
        int fd = strcmp(argv[i], "-") == 0 ? 0 : open(argv[i], O_RDONLY);
        if (fd < 0 || count(fd, &c) < 0) {
            fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        } else {
            print(&c, argv[i]);
            total.lines += c.lines, total.words += c.words, total.bytes += c.bytes;
        }
        if (fd > 0) close(fd);
    }
    if (argc - optind > 1) print(&total, "total");
    return status;
}
