/* System-call stubs of the file-system block (50-79 of abi/syscall.h); see stub.h. */
#include "guest/lib/stub.h"

    .text

STUB(open, SYS_open)
STUB(lseek, SYS_lseek)
STUB(stat, SYS_stat)
STUB(fstat, SYS_fstat)
STUB(mkdir, SYS_mkdir)
STUB(rmdir, SYS_rmdir)
STUB(unlink, SYS_unlink)
STUB(link, SYS_link)
STUB(rename, SYS_rename)
STUB(fsync, SYS_fsync)
STUB(sync, SYS_sync)
STUB(getdents, SYS_getdents)
STUB(chdir, SYS_chdir)
STUB(getcwd_raw, SYS_getcwd)
STUB(ftruncate, SYS_ftruncate)
STUB(statfs, SYS_statfs)
STUB(diskio, SYS_diskio)
