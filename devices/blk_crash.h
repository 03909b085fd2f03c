/* Power-cut injection for a disk image: count write requests, and at the chosen one lose
 * power (nothing of it written, or with `torn` a seeded prefix of its sectors), optionally
 * after losing a seeded subset of the writes still in a volatile write cache. The exact
 * model is in docs/virtio-blk.md. */
#ifndef DEVICES_BLK_CRASH_H
#define DEVICES_BLK_CRASH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define BLK_CRASH_CACHE_MAX (64ULL << 20)   /* bytes of cached writes (old + new data) */

struct blk_crash_opts {
    bool enabled;            /* crash-after=N was given */
    uint64_t after;          /* N: write requests applied before the cut */
    bool torn;               /* the cutting write leaves a prefix of its sectors */
    bool volatile_cache;     /* writes since the last FLUSH may be lost at the cut */
    uint64_t seed;
};

struct cached_write;

struct blk_crash {
    struct blk_crash_opts o;
    uint64_t rng;
    uint64_t writes;             /* write requests applied so far */
    bool cut;                    /* the power is gone */
    struct cached_write *log;    /* volatile cache: writes since the last completed flush */
    size_t nlog, caplog;
    uint64_t log_bytes;
};

void blk_crash_init(struct blk_crash *c, const struct blk_crash_opts *o);
void blk_crash_free(struct blk_crash *c);

/* Write len bytes from iov at byte offset off of fd, unless this is the write that cuts
 * the power. 0 if written, 1 if the power was cut (the image is left as after the cut),
 * -1 on an I/O error (errno set). */
int blk_crash_write(struct blk_crash *c, int fd, uint64_t off, const struct iovec *iov,
                    int niov, uint64_t len);
/* A FLUSH: make everything written durable (fdatasync) and empty the cache. 0, or -1. */
int blk_crash_flush(struct blk_crash *c, int fd);

/* The seeded generator (splitmix64), exposed for tests. */
uint64_t blk_crash_random(uint64_t *state);

#endif
