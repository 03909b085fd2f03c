/* Messages for error numbers (strerror) and for deaths by a signal (strsignal), in the
 * words a Unix shell uses. */
#include <errno.h>
#include <signal.h>
#include <string.h>

const char *strerror(int err)
{
    switch (err) {
    case EPERM: return "operation not permitted";
    case ENOENT: return "no such file or directory";
    case ESRCH: return "no such process";
    case EINTR: return "interrupted";
    case EIO: return "input/output error";
    case E2BIG: return "argument list too long";
    case ENOEXEC: return "exec format error";
    case EBADF: return "bad file descriptor";
    case ECHILD: return "no child processes";
    case EAGAIN: return "resource temporarily unavailable";
    case ENOMEM: return "out of memory";
    case EFAULT: return "bad address";
    case EINVAL: return "invalid argument";
    case ENFILE: return "too many open files in system";
    case EMFILE: return "too many open files";
    case ENOTTY: return "not a terminal";
    case EPIPE: return "broken pipe";
    case ERANGE: return "result out of range";
    case ENAMETOOLONG: return "name too long";
    case ENOSYS: return "function not implemented";
    case EACCES: return "permission denied";
    case EBUSY: return "device or resource busy";
    case EEXIST: return "file exists";
    case ENODEV: return "no file system (no disk)";
    case ENOTDIR: return "not a directory";
    case EISDIR: return "is a directory";
    case EFBIG: return "file too large";
    case ENOSPC: return "no space left on device";
    case ESPIPE: return "illegal seek";
    case EROFS: return "read-only file system";
    case EMLINK: return "too many links";
    case ENOTEMPTY: return "directory not empty";
    case EUCLEAN: return "file system needs cleaning (run fsck)";
    default: return "unknown error";
    }
}

const char *strsignal(int sig)
{
    switch (sig) {
    case SIGINT: return "Interrupt";
    case SIGQUIT: return "Quit";
    case SIGILL: return "Illegal instruction";
    case SIGTRAP: return "Trace/breakpoint trap";
    case SIGABRT: return "Aborted";
    case SIGFPE: return "Floating point exception";
    case SIGKILL: return "Killed";
    case SIGSEGV: return "Segmentation fault";
    case SIGPIPE: return "Broken pipe";
    case SIGTERM: return "Terminated";
    default: return "Unknown signal";
    }
}
