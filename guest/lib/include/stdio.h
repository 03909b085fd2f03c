/* Standard I/O of the user C library: buffered streams over file descriptors (stdin;
 * stdout line-buffered; stderr unbuffered; fdopen for others), the printf family and line
 * and character I/O. Formats: %d %i %u %x %X %o %c %s %p %% with the flags '-' and '0', a
 * width and a precision for %s (either may be *), and the h/l/ll/z length modifiers. */
#ifndef ULIB_STDIO_H
#define ULIB_STDIO_H
#include <stdarg.h>
#include <stddef.h>

#define EOF     (-1)
#define BUFSIZ  512
#define FOPEN_MAX 8

typedef long ssize_t;

typedef struct stdio_file FILE;
extern FILE *const stdin, *const stdout, *const stderr;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *fmt, va_list ap);
int vfprintf(FILE *f, const char *fmt, va_list ap);
/* Unbuffered: the text reaches fd in as few write calls as its length allows. */
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *s, FILE *f);       /* s as it is */
int puts(const char *s);                 /* s and a newline on stdout */
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
/* Reads up to n - 1 bytes, through the first newline (kept); NULL at end of input. */
char *fgets(char *s, int n, FILE *f);
size_t fread(void *p, size_t size, size_t n, FILE *f);
/* Reads a whole line (newline kept) into *line, growing it with realloc (*cap is its
 * size; start with NULL and 0); returns its length, or -1 at end of input. */
ssize_t getline(char **line, size_t *cap, FILE *f);
int fflush(FILE *f);                     /* NULL: every output stream */
FILE *fdopen(int fd, const char *mode);  /* "r" or "w": a stream over an open fd */
int fclose(FILE *f);                     /* flushes and closes the fd */
int feof(FILE *f);
int ferror(FILE *f);
int fileno(FILE *f);
void perror(const char *s);              /* "s: strerror(errno)" on stderr */

#endif
