/* A bounded text buffer the stub composes replies in (monitor output, the target
 * description): appends never overflow, and what does not fit is cut. */
#ifndef VMM_GDB_TEXT_H
#define VMM_GDB_TEXT_H
#include <stddef.h>

struct text {
    char *buf;
    size_t len, cap;             /* len < cap: buf is always NUL-terminated */
};

/* Append printf-style; a full buffer keeps what fitted. */
void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
