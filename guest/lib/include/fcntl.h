/* open() and its flags (the Linux values, from abi/fs.h); the stub is in fsyscall.S with
 * the other file-system calls. */
#ifndef ULIB_FCNTL_H
#define ULIB_FCNTL_H

#include "abi/fs.h"

int open(const char *path, int flags, ...);

#endif
