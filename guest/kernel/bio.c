/* The buffer cache: the root disk's 4 KiB blocks kept in pages, found through a hash
 * table, recycled least recently used first. The disk DMAs straight into and out of the
 * buffers' pages, so a block is never copied inside the kernel (every emulated `rep movs`
 * element costs ~0.65 µs here). Buffers that the running transaction holds are pinned
 * and never recycled; dirty buffers are written by the file system (fsys.c) at commit.
 *
 * All callers hold the file-system lock, which serialises them; the disk's own lock
 * covers the requests in flight. */
#include "abi/syscall.h"
#include "guest/kernel/bio.h"
#include "guest/kernel/proc.h"

#define NBUF_MAX 4096
#define NHASH    1024
#define SECTORS_PER_BLOCK (FS_BLOCK_SIZE / 512)

static struct buf bufs[NBUF_MAX];
static struct buf *hash[NHASH];
static struct buf lru;               /* list head: lru.next most recent, lru.prev oldest */
static struct blkdev *disk;
static int nbuf, nlive;              /* the cache's size; buffers with a page so far */
static uint64_t hits, misses;

static struct buf **bucket(uint32_t bno) { return &hash[bno % NHASH]; }

static void lru_unlink(struct buf *b)
{
    b->prev->next = b->next;
    b->next->prev = b->prev;
}

static void lru_push(struct buf *b)
{
    b->next = lru.next;
    b->prev = &lru;
    lru.next->prev = b;
    lru.next = b;
}

/* The cache grows to n buffers on demand (grow): a page per buffer allocated at boot
 * cost ~65 emulated instructions each, 270k for a 4096-buffer cache a short run never uses. */
void bio_init(struct blkdev *b, int n)
{
    disk = b;
    lru.next = lru.prev = &lru;
    nbuf = n > NBUF_MAX ? NBUF_MAX : n;
    nlive = 0;
}

/* A buffer never used before, with a page (old contents: every user of a recycled
 * buffer overwrites it anyway); NULL once the cache is full or memory is short. */
static struct buf *grow(void)
{
    if (nlive >= nbuf)
        return NULL;
    struct buf *x = &bufs[nlive];
    if (!(x->fb.data = kalloc_dirty()))
        return NULL;
    nlive++;
    x->fb.blockno = UINT32_MAX;
    lru_push(x);
    return x;
}

uint32_t bio_nblocks(void)
{
    uint64_t n = blk_sectors(disk) / SECTORS_PER_BLOCK;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

struct buf *buf_of(struct fs_buf *fb)
{
    return (struct buf *)((char *)fb - offsetof(struct buf, fb));
}

static struct buf *lookup(uint32_t bno)
{
    for (struct buf *b = *bucket(bno); b; b = b->hnext)
        if (b->fb.blockno == bno)
            return b;
    return NULL;
}

/* Takes the least recently used idle buffer off its hash chain; NULL if none. */
static struct buf *recycle(void)
{
    struct buf *g = grow();
    if (g) {
        g->valid = false;
        return g;
    }
    for (struct buf *b = lru.prev; b != &lru; b = b->prev) {
        if (b->refcnt || b->pin || b->dirty)
            continue;
        if (b->fb.blockno != UINT32_MAX) {
            struct buf **pp = bucket(b->fb.blockno);
            while (*pp != b)
                pp = &(*pp)->hnext;
            *pp = b->hnext;
        }
        b->valid = false;
        return b;
    }
    return NULL;
}

struct buf *bio_cached(uint32_t bno)
{
    struct buf *b = lookup(bno);
    return b && b->valid ? b : NULL;
}

struct buf *bget(uint32_t bno)
{
    struct buf *b = lookup(bno);
    if (b) {
        hits++;
        b->refcnt++;
        return b;
    }
    misses++;
    if (!(b = recycle())) {
        kprintf("bio: every buffer is in use\n");
        return NULL;
    }
    b->fb.blockno = bno;
    b->hnext = *bucket(bno);
    *bucket(bno) = b;
    b->refcnt = 1;
    return b;
}

struct buf *bread(uint32_t bno)
{
    struct buf *b = bget(bno);
    if (b && !b->valid) {
        if (bio_rw(bno, b->fb.data, false) < 0) {
            brelse(b);
            return NULL;
        }
        b->valid = true;
    }
    return b;
}

void brelse(struct buf *b)
{
    if (b->refcnt <= 0)
        panic("brelse: block %u not held", b->fb.blockno);
    b->refcnt--;
    lru_unlink(b);
    lru_push(b);
}

int bio_rw(uint32_t bno, void *data, bool write)
{
    if (bno >= bio_nblocks())
        return -EIO;
    return blk_rw(disk, write ? BLK_T_OUT : BLK_T_IN, (uint64_t)bno * SECTORS_PER_BLOCK,
                  data, FS_BLOCK_SIZE);
}

void bprefetch(const uint32_t *bnos, int n)
{
    struct buf *bs[32];
    struct blkreq *rq[32];
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (bnos[i] == 0 || bnos[i] >= bio_nblocks() || lookup(bnos[i]))
            continue;
        struct buf *b = bget(bnos[i]);
        if (!b)
            break;
        rq[k] = blk_start(disk, BLK_T_IN, (uint64_t)bnos[i] * SECTORS_PER_BLOCK,
                          b->fb.data, FS_BLOCK_SIZE);
        bs[k++] = b;
        if (k < 32)
            continue;
        for (; k > 0; k--) {
            if (rq[k - 1] && blk_finish(disk, rq[k - 1]) == 0)
                bs[k - 1]->valid = true;
            brelse(bs[k - 1]);
        }
    }
    for (; k > 0; k--) {
        if (rq[k - 1] && blk_finish(disk, rq[k - 1]) == 0)
            bs[k - 1]->valid = true;
        brelse(bs[k - 1]);
    }
}

int bwrite_many(struct buf **bs, int n)
{
    struct blkreq *rq[32];
    int err = 0;
    for (int i = 0; i < n; i += 32) {
        int m = n - i < 32 ? n - i : 32;
        for (int k = 0; k < m; k++)
            rq[k] = blk_start(disk, BLK_T_OUT,
                              (uint64_t)bs[i + k]->fb.blockno * SECTORS_PER_BLOCK,
                              bs[i + k]->fb.data, FS_BLOCK_SIZE);
        for (int k = 0; k < m; k++) {
            if (!rq[k] || blk_finish(disk, rq[k]) < 0)
                err = -EIO;
            else
                bs[i + k]->dirty = false;
        }
    }
    return err;
}

int bflush(void)
{
    return blk_rw(disk, BLK_T_FLUSH, 0, NULL, 0);
}

void bio_stats(uint64_t *n, uint64_t *h, uint64_t *m)
{
    *n = nbuf;
    *h = hits;
    *m = misses;
}
