/* The libc side of the mark system call (SYS_mark, guest/kernel/benchmark.c). */
#include <errno.h>
#include <mark.h>
#include <unistd.h>
#include "abi/syscall.h"

int mark(unsigned id)
{
    return mark_named(id, NULL);
}

int mark_named(unsigned id, const char *name)
{
    long r = rawsyscall(SYS_mark, id, (long)name, 0, 0, 0, 0);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return 0;
}
