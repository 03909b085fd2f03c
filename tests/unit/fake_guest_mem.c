/* A stand-in for memory/guest_mem.c's checked accessors, over whatever buffer the test
 * puts in struct guest_mem, so device tests need no real guest RAM. */
#include <string.h>

#include "memory/guest_mem.h"

void *gpa_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
    if (gpa > m->size || len > m->size - gpa)
        return NULL;
    return m->hva + gpa;
}

int gpa_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
{
    void *p = gpa_ptr(m, gpa, len);
    if (p == NULL)
        return -1;
    memcpy(dst, p, len);
    return 0;
}

int gpa_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
    void *p = gpa_ptr(m, gpa, len);
    if (p == NULL)
        return -1;
    memcpy(p, src, len);
    return 0;
}
