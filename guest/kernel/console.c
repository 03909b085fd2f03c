/* Formatted kernel output: kvsnprintf (the subset of printf the kernel uses: %d %u %x %p
 * %s %c %% with l/ll, widths, zero-padding and '-') and kprintf on the console. */
#include "guest/kernel/kernel.h"
#include "guest/kernel/platform.h"

struct out {
    char *buf;
    size_t n, len;              /* capacity, characters produced so far */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->n)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int count)
{
    while (count-- > 0)
        put(o, c);
}

/* One number in base 10 or 16, right-aligned in width (zero- or space-padded). */
static void number(struct out *o, uint64_t v, bool neg, int base, int width, bool zero,
                   bool left)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    int len = k + neg;
    if (neg && zero)
        put(o, '-');
    if (!left)
        pad(o, zero ? '0' : ' ', width - len);
    if (neg && !zero)
        put(o, '-');
    while (k > 0)
        put(o, tmp[--k]);
    if (left)
        pad(o, ' ', width - len);
}

/* Like vsnprintf: writes at most n-1 characters and a NUL (if n > 0); returns the
 * length the whole output would have. */
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = { buf, n, 0 };
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f++;
        bool left = false, zero = false;
        for (; *f == '-' || *f == '0'; f++)
            *f == '-' ? (left = true) : (zero = true);
        int width = 0, lng = 0;
        for (; *f >= '0' && *f <= '9'; f++)
            width = width * 10 + (*f - '0');
        for (; *f == 'l' || *f == 'z'; f++)
            lng++;
        switch (*f) {
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            number(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, width, zero, left);
            break;
        }
        case 'u': case 'x': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
            number(&o, v, false, *f == 'u' ? 10 : 16, width, zero, left);
            break;
        }
        case 'p':
            put(&o, '0'), put(&o, 'x');
            number(&o, (uint64_t)va_arg(ap, void *), false, 16, 16, true, false);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = strlen(s);
            if (!left)
                pad(&o, ' ', width - len);
            while (*s)
                put(&o, *s++);
            if (left)
                pad(&o, ' ', width - len);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        case 0:
            f--;
            break;
        default:
            put(&o, '%'), put(&o, *f);
        }
    }
    if (n > 0)
        buf[o.len < n ? o.len : n - 1] = 0;
    return (int)o.len;
}

/* Formats into a stack buffer, then writes it in one console_write so lines from
 * different CPUs do not interleave; longer output is cut at 512 bytes. */
void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int r = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, r < (int)sizeof buf ? (size_t)r : sizeof buf - 1);
}
