/* Memory and string functions of the user C library. */
#ifndef ULIB_STRING_H
#define ULIB_STRING_H
#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
char *strcasestr(const char *hay, const char *needle);
char *strcpy(char *d, const char *s);
char *strncpy(char *d, const char *s, size_t n);  /* pads with NULs; no NUL if s is long */
char *strcat(char *d, const char *s);
char *strncat(char *d, const char *s, size_t n);  /* at most n bytes of s, then a NUL */
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strdup(const char *s);                      /* malloc'd; NULL if out of memory */
char *strndup(const char *s, size_t n);
char *strtok(char *s, const char *delim);         /* one scan at a time (static state) */
char *strtok_r(char *s, const char *delim, char **save);
char *strsep(char **sp, const char *delim);       /* empty fields too */
const char *strerror(int err);
const char *strsignal(int sig);                   /* "Killed", "Segmentation fault", ... */

#endif
