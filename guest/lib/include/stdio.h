/* Formatted output of the user C library: %d %i %u %x %p %s %c %% with the flags '-' and
 * '0', a width, a precision for %s, and the l/ll/z/h length modifiers. Unbuffered beyond
 * one call: each printf reaches the file descriptor in one or more whole writes. */
#ifndef ULIB_STDIO_H
#define ULIB_STDIO_H
#include <stdarg.h>
#include <stddef.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int puts(const char *s);       /* s and a newline on stdout */

#endif
