/* errno and the error numbers: the kernel's, from abi/syscall.h, plus the few that only
 * the library reports. System-call stubs set errno and return -1 on error. */
#ifndef ULIB_ERRNO_H
#define ULIB_ERRNO_H
#include "abi/syscall.h"

#ifndef ERANGE
#define ERANGE 34      /* strtol: the number does not fit */
#endif

extern int errno;

#endif
