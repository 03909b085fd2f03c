/* cat [FILE...]: copies each file, or stdin ("-" or no arguments), to stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copies fd to stdout; -1 on a read or write error. */
static int copy(int fd)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n; ) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w <= 0) return -1;
            off += w;
        }
    return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    int status = 0;
    if (argc == 1 && copy(0) < 0) {
        perror("cat");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        int fd = strcmp(argv[i], "-") == 0 ? 0 : open(argv[i], O_RDONLY);
        if (fd < 0 || copy(fd) < 0) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
        if (fd > 0) close(fd);
    }
    return status;
}
