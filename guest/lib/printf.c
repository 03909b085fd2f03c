/* The printf family of the user C library. One formatter writes into a sink: a string
 * (snprintf) or a 256-byte buffer that is flushed to a file descriptor when full (dprintf),
 * so output of any length goes out in few write calls. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct sink {
    char *buf;
    size_t cap, len;        /* buffer capacity and bytes in it */
    size_t total;           /* characters produced in all */
    int fd;                 /* -1: a string, cut at cap - 1 */
};

static void flush(struct sink *o)
{
    for (size_t off = 0; off < o->len; ) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    o->len = 0;
}

static void put(struct sink *o, char c)
{
    o->total++;
    if (o->fd >= 0) {
        if (o->len == o->cap) flush(o);
        o->buf[o->len++] = c;
    } else if (o->len + 1 < o->cap) {
        o->buf[o->len++] = c;
    }
}

static void pad(struct sink *o, char c, int n)
{
    while (n-- > 0) put(o, c);
}

/* Prints s (len bytes) right- or left-aligned in width. */
static void field(struct sink *o, const char *s, int len, int width, int left, char fill)
{
    if (!left) pad(o, fill, width - len);
    for (int i = 0; i < len; i++) put(o, s[i]);
    if (left) pad(o, ' ', width - len);
}

static void number(struct sink *o, uint64_t v, int neg, int base, int width, int left,
                   int zero)
{
    char tmp[24];
    int k = sizeof tmp;
    do {
        tmp[--k] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg && zero) {
        put(o, '-');
        width--;
    } else if (neg) {
        tmp[--k] = '-';
    }
    field(o, tmp + k, (int)sizeof tmp - k, width, left, zero && !left ? '0' : ' ');
}

static void format(struct sink *o, const char *f, va_list ap)
{
    for (; *f; f++) {
        if (*f != '%') {
            put(o, *f);
            continue;
        }
        int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
        for (f++; *f == '-' || *f == '0'; f++) *f == '-' ? (left = 1) : (zero = 1);
        for (; *f >= '0' && *f <= '9'; f++) width = width * 10 + (*f - '0');
        if (*f == '.')
            for (prec = 0, f++; *f >= '0' && *f <= '9'; f++) prec = prec * 10 + (*f - '0');
        for (; *f == 'l' || *f == 'z' || *f == 'h'; f++) lng += *f != 'h';
        switch (*f) {
        case 'd': case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            number(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, width, left, zero);
            break;
        }
        case 'u': case 'x': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            number(o, v, 0, *f == 'u' ? 10 : 16, width, left, zero);
            break;
        }
        case 'p':
            put(o, '0');
            put(o, 'x');
            number(o, (uint64_t)va_arg(ap, void *), 0, 16, 0, 0, 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            int len = 0;
            while (s[len] && (prec < 0 || len < prec)) len++;
            field(o, s, len, width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            field(o, &c, 1, width, left, ' ');
            break;
        }
        case '\0':
            return;
        default:                    /* %% and unknown conversions print themselves */
            put(o, *f);
        }
    }
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct sink o = { buf, n, 0, 0, -1 };
    format(&o, fmt, ap);
    if (n > 0) buf[o.len] = '\0';
    return (int)o.total;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
    char buf[256];
    struct sink o = { buf, sizeof buf, 0, 0, fd };
    format(&o, fmt, ap);
    flush(&o);
    return (int)o.total;
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vdprintf(fd, fmt, ap);
    va_end(ap);
    return r;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vdprintf(1, fmt, ap);
    va_end(ap);
    return r;
}

int puts(const char *s)
{
    return dprintf(1, "%s\n", s);
}
