/* The buffer cache of the root disk (bio.c): 4 KiB blocks, each in its own page, which the
 * disk reads into and writes from directly. Callers serialise through the file-system lock
 * (fsys.c), so the cache keeps no locks of its own. */
#ifndef GUEST_KERNEL_BIO_H
#define GUEST_KERNEL_BIO_H
#include "guest/fs/fs.h"
#include "guest/kernel/virtio.h"

struct buf {
    struct fs_buf fb;          /* blockno and data, as guest/fs sees a block */
    int refcnt;                /* users between bget/bread and brelse */
    int pin;                   /* held by the running transaction: never evicted */
    bool valid;                /* data holds the block */
    bool dirty;                /* data is newer than the disk */
    struct buf *prev, *next;   /* LRU list: most recently released at the head */
    struct buf *hnext;         /* hash chain */
};

/* Sets up the cache for disk b with up to nbuf buffers. */
void bio_init(struct blkdev *b, int nbuf);
uint32_t bio_nblocks(void);                  /* blocks on the disk */
/* The buffer of blockno with one more reference, its data read from disk unless valid.
 * NULL on an I/O error or when every buffer is in use. */
struct buf *bread(uint32_t blockno);
/* The same without reading: for a block the caller overwrites completely. */
struct buf *bget(uint32_t blockno);
void brelse(struct buf *b);
/* The cached, valid buffer of blockno without taking a reference, or NULL. */
struct buf *bio_cached(uint32_t blockno);
/* Brings the blocks that are not cached into the cache, all reads in flight together. */
void bprefetch(const uint32_t *blocknos, int n);
/* Writes buffers home, all in flight together; marks them clean. 0 or -EIO. */
int bwrite_many(struct buf **bs, int n);
int bflush(void);                            /* the disk's write cache to the medium */
/* Raw access to the disk (journal): the block at data, written or read synchronously. */
int bio_rw(uint32_t blockno, void *data, bool write);
struct buf *buf_of(struct fs_buf *fb);
/* Counters for df/debugging: buffers in total, hits and misses. */
void bio_stats(uint64_t *nbuf, uint64_t *hits, uint64_t *misses);

#endif
