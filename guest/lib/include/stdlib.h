/* Memory allocation, process exit and number parsing of the user C library. */
#ifndef ULIB_STDLIB_H
#define ULIB_STDLIB_H
#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* The heap (malloc.c): blocks aligned to 16 bytes, taken from sbrk. */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);

/* Runs the atexit functions (last registered first), flushes stdio, then _exit. */
__attribute__((noreturn)) void exit(int status);
int atexit(void (*fn)(void));            /* at most 32 functions; -1 beyond */
__attribute__((noreturn)) void abort(void);

int atoi(const char *s);
long atol(const char *s);
/* Base 0 (prefix 0x or 0 chooses 16 or 8), or 2 to 36; *end (if end) gets the first byte
 * not used; out of range: LONG_MIN/LONG_MAX (ULONG_MAX) and errno = ERANGE. */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int abs(int v);
long labs(long v);

#endif
