/* mkdir [-p] DIR...: creates directories; -p also creates missing parents and accepts
 * directories that exist. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int make(char *path, int parents)
{
    if (parents)
        for (char *s = path + 1; *s; s++)
            if (*s == '/') {
                *s = '\0';
                int r = mkdir(path, 0755);
                *s = '/';
                if (r < 0 && errno != EEXIST)
                    return -1;
            }
    if (mkdir(path, 0755) < 0 && !(parents && errno == EEXIST))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    int parents = argc > 1 && strcmp(argv[1], "-p") == 0, status = 0;
    if (argc < 2 + parents)
        return fprintf(stderr, "usage: mkdir [-p] DIR...\n"), 2;
    for (int i = 1 + parents; i < argc; i++)
        if (make(argv[i], parents) < 0) {
            fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    return status;
}
