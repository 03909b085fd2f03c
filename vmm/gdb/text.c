/* The stub's bounded text buffer (text.h). */
#include <stdarg.h>
#include <stdio.h>
#include "vmm/gdb/text.h"

void text_add(struct text *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + n < t->cap ? t->len + n : t->cap - 1;
}
