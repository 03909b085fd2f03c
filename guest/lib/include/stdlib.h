/* Process exit and number parsing of the user C library. */
#ifndef ULIB_STDLIB_H
#define ULIB_STDLIB_H

__attribute__((noreturn)) void exit(int status);
int atoi(const char *s);

#endif
