/* exit, atoi and strerror of the user C library. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

void exit(int status)
{
    _exit(status);
}

int atoi(const char *s)
{
    int neg = 0, v = 0;
    while (*s == ' ') s++;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

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
    case ENAMETOOLONG: return "name too long";
    case ENOSYS: return "function not implemented";
    default: return "unknown error";
    }
}
