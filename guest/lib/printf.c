/* The printf family of the user C library. One formatter writes into a sink: a string
 * (snprintf), or a 256-byte buffer emptied when full into a stdio stream (fprintf) or
 * straight to a file descriptor (dprintf), so output of any length takes few calls. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct sink {
    char *buf;
    size_t cap, len;        /* buffer capacity and bytes in it */
    size_t total;           /* characters produced in all */
    int fd;                 /* -1 and no file: a string, cut at cap - 1 */
    FILE *file;             /* if set, the buffer goes to this stream when full */
};

/* Writes out the sink's buffer to its stream or file descriptor. */
static void flush(struct sink *o)
{
    if (o->file) {
        fwrite(o->buf, 1, o->len, o->file);
        o->len = 0;
        return;
    }
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
    if (o->fd >= 0 || o->file) {
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

/* One integer in base 8, 10 or 16; a '0' flag pads between the sign and the digits. */
static void number(struct sink *o, uint64_t v, int neg, int base, int upper, int width,
                   int left, int zero)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int k = sizeof tmp;
    do {
        tmp[--k] = digits[v % base];
        v /= base;
    } while (v);
    if (neg && zero && !left) {
        put(o, '-');
        width--;
    } else if (neg) {
        tmp[--k] = '-';
    }
    field(o, tmp + k, (int)sizeof tmp - k, width, left, zero && !left ? '0' : ' ');
}

/* Reads an integer argument of the size the length modifier names (lng: count of 'l'/'z'). */
static uint64_t int_arg(va_list *ap, int lng, int is_signed, int *neg)
{
    if (is_signed) {
        int64_t v = lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
        *neg = v < 0;
        return v < 0 ? -(uint64_t)v : (uint64_t)v;
    }
    *neg = 0;
    return lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned);
}

static void format(struct sink *o, const char *f, va_list ap0)
{
    va_list ap;
    va_copy(ap, ap0);
    for (; *f; f++) {
        if (*f != '%') {
            put(o, *f);
            continue;
        }
        int left = 0, zero = 0, width = 0, prec = -1, lng = 0, neg;
        for (f++; *f == '-' || *f == '0'; f++) *f == '-' ? (left = 1) : (zero = 1);
        if (*f == '*') {
            width = va_arg(ap, int), f++;
            if (width < 0) left = 1, width = -width;
        }
        for (; *f >= '0' && *f <= '9'; f++) width = width * 10 + (*f - '0');
        if (*f == '.' && f[1] == '*')
            prec = va_arg(ap, int), f += 2;
        else if (*f == '.')
            for (prec = 0, f++; *f >= '0' && *f <= '9'; f++) prec = prec * 10 + (*f - '0');
        for (; *f == 'l' || *f == 'z' || *f == 'h'; f++) lng += *f != 'h';
        switch (*f) {
        case 'd': case 'i': {
            uint64_t v = int_arg(&ap, lng, 1, &neg);
            number(o, v, neg, 10, 0, width, left, zero);
            break;
        }
        case 'u': case 'x': case 'X': case 'o': {
            uint64_t v = int_arg(&ap, lng, 0, &neg);
            int base = *f == 'u' ? 10 : *f == 'o' ? 8 : 16;
            number(o, v, 0, base, *f == 'X', width, left, zero);
            break;
        }
        case 'p':
            put(o, '0');
            put(o, 'x');
            number(o, (uint64_t)va_arg(ap, void *), 0, 16, 0, width - 2, left, zero);
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
            va_end(ap);
            return;
        default:                    /* %% and unknown conversions print themselves */
            put(o, *f);
        }
    }
    va_end(ap);
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct sink o = { buf, n, 0, 0, -1, NULL };
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
    struct sink o = { buf, sizeof buf, 0, 0, fd, NULL };
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

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    char buf[256];
    struct sink o = { buf, sizeof buf, 0, 0, -1, f };
    format(&o, fmt, ap);
    flush(&o);
    return (int)o.total;
}

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(f, fmt, ap);
    va_end(ap);
    return r;
}

int vprintf(const char *fmt, va_list ap)
{
    return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return r;
}
