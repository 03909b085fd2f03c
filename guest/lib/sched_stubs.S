/* System-call stubs of the scheduling calls (40-49 of abi/syscall.h); see stub.h. */
#include "guest/lib/stub.h"

    .text

STUB(setsched, SYS_setsched)
STUB(getsched, SYS_getsched)
STUB(settickets, SYS_settickets)
STUB(setlevel, SYS_setlevel)
STUB(getprocinfo, SYS_getprocinfo)
STUB(schedtrace, SYS_schedtrace)
STUB(cputime, SYS_cputime)

    .section .note.GNU-stack, "", @progbits
