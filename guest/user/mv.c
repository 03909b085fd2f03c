/* mv OLD NEW: renames OLD to NEW atomically (replacing NEW); if NEW is a directory, OLD
 * moves into it under its own name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: mv OLD NEW\n"), 2;
    char target[512];
    struct stat st;
    const char *dst = argv[2];
    if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode)) {
        const char *base = strrchr(argv[1], '/');
        snprintf(target, sizeof target, "%s/%s", dst, base ? base + 1 : argv[1]);
        dst = target;
    }
    if (rename(argv[1], dst) < 0)
        return fprintf(stderr, "mv: %s -> %s: %s\n", argv[1], dst, strerror(errno)), 1;
    return 0;
}
