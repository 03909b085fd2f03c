/* Power-cut injection. Writes go to the image at once, so reads always see them; the
 * volatile cache is modelled by remembering, for every write since the last completed
 * FLUSH, the data it replaced and the data it wrote. At the cut the image is rolled back
 * to its state at that flush (undoing the logged writes newest first) and the writes the
 * seed keeps are replayed oldest first: the result is exactly "the flushed image plus a
 * subset of the later writes, in order", what a disk that lost its cache leaves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/blk_crash.h"

#define SECTOR 512

struct cached_write {
    uint64_t off, len;
    uint8_t *old;                /* len bytes the write replaced, then len bytes it wrote */
};

uint64_t blk_crash_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void blk_crash_init(struct blk_crash *c, const struct blk_crash_opts *o)
{
    memset(c, 0, sizeof *c);
    c->o = *o;
    c->rng = o->seed;
}

static void drop_log(struct blk_crash *c)
{
    for (size_t i = 0; i < c->nlog; i++)
        free(c->log[i].old);
    c->nlog = 0;
    c->log_bytes = 0;
}

void blk_crash_free(struct blk_crash *c)
{
    drop_log(c);
    free(c->log);
    c->log = NULL;
    c->caplog = 0;
}

static int pwrite_all(int fd, const uint8_t *p, uint64_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (n == 0 ? (errno = EIO) : 0), -1;
        p += n, len -= n, off += n;
    }
    return 0;
}

static int pread_all(int fd, uint8_t *p, uint64_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (n == 0 ? (errno = EIO) : 0), -1;
        p += n, len -= n, off += n;
    }
    return 0;
}

/* Copy the first len bytes of iov into dst. */
static void gather(uint8_t *dst, const struct iovec *iov, int niov, uint64_t len)
{
    for (int i = 0; i < niov && len > 0; i++) {
        uint64_t part = iov[i].iov_len < len ? iov[i].iov_len : len;
        memcpy(dst, iov[i].iov_base, part);
        dst += part, len -= part;
    }
}

/* Remember what this write replaces and what it writes. A cache that grows past
 * BLK_CRASH_CACHE_MAX writes its oldest entries back (they become durable), as a real one
 * may do at any time. */
static int log_write(struct blk_crash *c, int fd, uint64_t off, const struct iovec *iov,
                     int niov, uint64_t len)
{
    if (c->nlog == c->caplog) {
        size_t cap = c->caplog ? 2 * c->caplog : 64;
        struct cached_write *l = realloc(c->log, cap * sizeof *l);
        if (l == NULL)
            return -1;
        c->log = l, c->caplog = cap;
    }
    uint8_t *data = malloc(2 * len);
    if (data == NULL)
        return -1;
    if (pread_all(fd, data, len, off) < 0) {
        free(data);
        return -1;
    }
    gather(data + len, iov, niov, len);
    c->log[c->nlog++] = (struct cached_write){ off, len, data };
    c->log_bytes += 2 * len;
    while (c->log_bytes > BLK_CRASH_CACHE_MAX && c->nlog > 0) {
        c->log_bytes -= 2 * c->log[0].len;
        free(c->log[0].old);
        memmove(c->log, c->log + 1, --c->nlog * sizeof *c->log);
    }
    return 0;
}

/* The cache loses a seeded subset of its writes: roll back to the last flush, replay the
 * survivors in order. */
static void lose_cache(struct blk_crash *c, int fd)
{
    for (size_t i = c->nlog; i-- > 0;)
        (void)pwrite_all(fd, c->log[i].old, c->log[i].len, c->log[i].off);
    for (size_t i = 0; i < c->nlog; i++)
        if (blk_crash_random(&c->rng) & 1)
            (void)pwrite_all(fd, c->log[i].old + c->log[i].len, c->log[i].len, c->log[i].off);
    drop_log(c);
}

/* The power goes at this write. What reaches the image is written best-effort: there is
 * no one left to report an error to. */
static void power_cut(struct blk_crash *c, int fd, uint64_t off, const struct iovec *iov,
                      int niov, uint64_t len)
{
    if (c->o.volatile_cache)
        lose_cache(c, fd);
    uint64_t nsect = len / SECTOR;
    if (c->o.torn && nsect > 1) {
        uint64_t keep = (blk_crash_random(&c->rng) % nsect) * SECTOR;
        uint8_t *buf = malloc(keep ? keep : 1);
        if (buf != NULL) {
            gather(buf, iov, niov, keep);
            (void)pwrite_all(fd, buf, keep, off);
            free(buf);
        }
    }
    (void)fdatasync(fd);
    c->cut = true;
}

int blk_crash_write(struct blk_crash *c, int fd, uint64_t off, const struct iovec *iov,
                    int niov, uint64_t len)
{
    if (c->cut)
        return 1;
    if (c->o.enabled && c->writes == c->o.after) {
        power_cut(c, fd, off, iov, niov, len);
        return 1;
    }
    if (c->o.volatile_cache && log_write(c, fd, off, iov, niov, len) < 0)
        return -1;
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return -1;
    gather(buf, iov, niov, len);
    int rc = pwrite_all(fd, buf, len, off);
    free(buf);
    if (rc < 0)
        return -1;
    c->writes++;
    return 0;
}

int blk_crash_flush(struct blk_crash *c, int fd)
{
    if (c->cut)
        return 0;
    if (fdatasync(fd) < 0)
        return -1;
    drop_log(c);
    return 0;
}
