/* Stand-ins for the file-system calls until the file system exists (issue 4): open and
 * chdir fail with ENOSYS. They are weak, so the real stubs in syscall.S replace them
 * without a change here; delete this file when they land. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

__attribute__((weak)) int open(const char *path, int flags, ...)
{
    errno = ENOSYS;
    return -1;
}

__attribute__((weak)) int chdir(const char *path)
{
    errno = ENOSYS;
    return -1;
}
