/* Signal numbers for kill() (abi/syscall.h): every signal's action is to terminate the
 * process, which its parent sees as wait status 128 + the signal. */
#ifndef ULIB_SIGNAL_H
#define ULIB_SIGNAL_H
#include "abi/syscall.h"

#define SIGINT  SIGINT_CODE
#define SIGQUIT SIGQUIT_CODE
#define SIGILL  SIGILL_CODE
#define SIGTRAP SIGTRAP_CODE
#define SIGFPE  SIGFPE_CODE
#define SIGKILL SIGKILL_CODE
#define SIGSEGV SIGSEGV_CODE
#define SIGPIPE SIGPIPE_CODE
#define SIGTERM SIGTERM_CODE
#define SIGABRT 6             /* abort() sends it; the kernel knows it by number only */
#define NSIG    NSIG_CODE

#endif
