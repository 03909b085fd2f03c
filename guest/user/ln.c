/* ln OLD NEW: makes NEW a hard link to the file OLD. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: ln OLD NEW\n"), 2;
    if (link(argv[1], argv[2]) < 0)
        return fprintf(stderr, "ln: %s -> %s: %s\n", argv[2], argv[1], strerror(errno)), 1;
    return 0;
}
