/* cp SRC DST: copies the file SRC to DST (created or truncated; into DST if it is a
 * directory), 64 KiB at a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: cp SRC DST\n"), 2;
    char target[512];
    struct stat st;
    const char *dst = argv[2];
    if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode)) {
        const char *base = strrchr(argv[1], '/');
        snprintf(target, sizeof target, "%s/%s", dst, base ? base + 1 : argv[1]);
        dst = target;
    }
    int in = open(argv[1], O_RDONLY);
    if (in < 0)
        return fprintf(stderr, "cp: %s: %s\n", argv[1], strerror(errno)), 1;
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        return fprintf(stderr, "cp: %s: %s\n", dst, strerror(errno)), 1;
    char *buf = malloc(65536);
    long n;
    while (buf && (n = read(in, buf, 65536)) > 0)
        for (long off = 0; off < n; ) {
            long w = write(out, buf + off, n - off);
            if (w <= 0)
                return fprintf(stderr, "cp: %s: %s\n", dst, strerror(errno)), 1;
            off += w;
        }
    if (!buf || n < 0)
        return fprintf(stderr, "cp: %s: %s\n", argv[1], strerror(errno)), 1;
    return close(out) < 0;
}
