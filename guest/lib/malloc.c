/* malloc and free: a first-fit allocator over sbrk in the K&R tradition.
 *
 * Every block starts with a 16-byte header holding its size (header included, a multiple
 * of 16), so the memory handed out is 16-byte aligned. Free blocks form one list sorted
 * by address; free() inserts a block where it belongs and merges it with the neighbours it
 * touches, so the heap does not crumble into small pieces. malloc takes the first block
 * that is large enough and splits off the rest. When nothing fits, the heap grows by at
 * least HEAP_GROW bytes; when a free block of TRIM_MIN bytes or more ends at the break,
 * free gives its whole pages back to the kernel (sbrk with a negative increment). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALIGN      16
#define HEAP_GROW  (64 * 1024)
#define TRIM_MIN   (128 * 1024)
#define PAGE       4096
#define MAX_ALLOC  ((size_t)1 << 40)   /* larger requests fail before any arithmetic wraps */

struct block {
    size_t size;            /* bytes, header included */
    struct block *next;     /* the next free block by address (free blocks only) */
};

static struct block *freelist;
static char *heap_lo, *heap_hi;   /* the range sbrk ever gave us, to refuse foreign frees */

static void corrupt(const char *what, void *p)
{
    dprintf(2, "malloc: %s %p\n", what, p);
    abort();
}

/* Puts b into the free list in address order, merging it with touching neighbours. */
static void insert(struct block *b)
{
    struct block *prev = NULL, *cur = freelist;
    while (cur && cur < b) prev = cur, cur = cur->next;
    if (cur == b || (prev && (char *)prev + prev->size > (char *)b))
        corrupt("double free of", b + 1);
    if (cur && (char *)b + b->size == (char *)cur) {
        b->size += cur->size;
        b->next = cur->next;
    } else {
        b->next = cur;
    }
    if (prev && (char *)prev + prev->size == (char *)b) {
        prev->size += b->size;
        prev->next = b->next;
    } else if (prev) {
        prev->next = b;
    } else {
        freelist = b;
    }
}

/* Asks the kernel for at least need more bytes and frees them into the list. */
static int grow(size_t need)
{
    char *brk = sbrk(0);
    if (brk == (char *)-1) return -1;
    size_t pad = (ALIGN - (uintptr_t)brk % ALIGN) % ALIGN;
    size_t n = need < HEAP_GROW ? HEAP_GROW : need;
    char *p = sbrk((long)(pad + n));
    if (p == (char *)-1) return -1;
    struct block *b = (struct block *)(p + pad);
    b->size = n;
    if (!heap_lo || (char *)b < heap_lo) heap_lo = (char *)b;
    if ((char *)b + n > heap_hi) heap_hi = (char *)b + n;
    insert(b);
    return 0;
}

/* Gives the pages of the last free block back if it ends at the break and is large. */
static void trim(void)
{
    struct block *prev = NULL, *b = freelist;
    if (!b) return;
    while (b->next) prev = b, b = b->next;
    if (b->size < TRIM_MIN || (char *)b + b->size != (char *)sbrk(0)) return;
    size_t keep = (PAGE - (uintptr_t)b % PAGE) % PAGE;   /* up to b's first page boundary */
    if (keep && keep < sizeof(struct block) * 2) keep += PAGE;
    size_t give = b->size - keep;
    if (sbrk(-(long)give) == (void *)-1) return;
    heap_hi = (char *)b + keep;
    if (keep) {
        b->size = keep;
    } else if (prev) {
        prev->next = NULL;
    } else {
        freelist = NULL;
    }
}

void *malloc(size_t n)
{
    if (n > MAX_ALLOC) {
        errno = ENOMEM;
        return NULL;
    }
    size_t need = (n + sizeof(struct block) + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    for (int tries = 0; tries < 2; tries++) {
        for (struct block **link = &freelist, *b; (b = *link); link = &b->next) {
            if (b->size < need) continue;
            if (b->size - need >= 2 * sizeof(struct block)) {
                struct block *rest = (struct block *)((char *)b + need);
                rest->size = b->size - need;
                rest->next = b->next;
                *link = rest;
                b->size = need;
            } else {
                *link = b->next;
            }
            return b + 1;
        }
        if (grow(need) < 0) break;
    }
    errno = ENOMEM;
    return NULL;
}

void free(void *p)
{
    if (!p) return;
    struct block *b = (struct block *)p - 1;
    if ((char *)b < heap_lo || (char *)p >= heap_hi || (uintptr_t)p % ALIGN ||
        b->size < sizeof *b || b->size > (size_t)(heap_hi - (char *)b))
        corrupt("free of a bad pointer", p);
    insert(b);
    trim();
}

void *calloc(size_t count, size_t size)
{
    if (size && count > MAX_ALLOC / size) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p) return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    size_t have = ((struct block *)p - 1)->size - sizeof(struct block);
    if (n <= have) return p;
    void *q = malloc(n);
    if (!q) return NULL;
    memcpy(q, p, have);
    free(p);
    return q;
}
