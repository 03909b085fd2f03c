/* sync: commits every pending change of the file system to the disk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(void)
{
    if (sync() < 0)
        return fprintf(stderr, "sync: %s\n", strerror(errno)), 1;
    return 0;
}
