/* Process exit (atexit, exit, abort) and number parsing of the user C library. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ATEXIT_MAX 32

static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
    if (atexit_count == ATEXIT_MAX) return -1;
    atexit_fns[atexit_count++] = fn;
    return 0;
}

void exit(int status)
{
    while (atexit_count > 0)
        atexit_fns[--atexit_count]();
    fflush(NULL);
    _exit(status);
}

/* Dies by SIGABRT, as on Linux: the parent sees status 128 + 6 ("Aborted"). */
void abort(void)
{
    fflush(NULL);
    kill(getpid(), SIGABRT);
    _exit(128 + SIGABRT);
}

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }

/* The value of digit c in base 36 notation, or 99 if c is no digit. */
static int digit(int c)
{
    if (isdigit(c)) return c - '0';
    if (isalpha(c)) return tolower(c) - 'a' + 10;
    return 99;
}

/* Parses the magnitude for strtol/strtoul: skips blanks, reads a sign and the base prefix,
 * then digits; sets *neg and *over (the magnitude passed ULONG_MAX). */
static unsigned long parse(const char *s, char **end, int base, int *neg, int *over)
{
    const char *p = s;
    unsigned long v = 0;
    *neg = *over = 0;
    if (end) *end = (char *)s;
    if (base < 0 || base == 1 || base > 36) {
        errno = EINVAL;
        return 0;
    }
    while (isspace((unsigned char)*p)) p++;
    if (*p == '-' || *p == '+') *neg = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 0x20) == 'x' && digit(p[2]) < 16)
        p += 2, base = 16;
    else if (base == 0)
        base = p[0] == '0' ? 8 : 10;
    const char *digits = p;
    for (int d; (d = digit((unsigned char)*p)) < base; p++) {
        if (v > (ULONG_MAX - d) / base) *over = 1;
        v = v * base + d;
    }
    if (p > digits && end) *end = (char *)p;
    return v;
}

long strtol(const char *s, char **end, int base)
{
    int neg, over;
    unsigned long v = parse(s, end, base, &neg, &over);
    if (over || v > (unsigned long)LONG_MAX + neg) {
        errno = ERANGE;
        return neg ? LONG_MIN : LONG_MAX;
    }
    return neg ? (long)-v : (long)v;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    int neg, over;
    unsigned long v = parse(s, end, base, &neg, &over);
    if (over) {
        errno = ERANGE;
        return ULONG_MAX;
    }
    return neg ? -v : v;
}

long atol(const char *s) { return strtol(s, NULL, 10); }
int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
