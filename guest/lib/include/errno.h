/* errno and the error numbers (the kernel's, from abi/syscall.h). */
#ifndef ULIB_ERRNO_H
#define ULIB_ERRNO_H
#include "abi/syscall.h"

extern int errno;
const char *strerror(int err);

#endif
