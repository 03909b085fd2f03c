/* Journal recovery at mount: three passes over the log, as in jbd2.
 *
 *   scan    find how many transactions are valid: each must carry the next sequence number
 *           and end with a commit block whose crc32c matches; the first one that does not
 *           (torn, never committed, or stale blocks from an older lap of the log) ends the log
 *   revoke  collect the revoke records of the valid transactions (block -> latest sequence)
 *   replay  copy each logged block of the valid transactions, oldest first, to its home
 *           location, unless a revoke in the same or a later transaction covers it
 *
 * Only then is the log marked empty in the journal superblock. Replay only writes the same
 * contents to the same places, so a crash anywhere before that superblock write just means
 * the next mount replays the same transactions again: recovery is idempotent. The log is
 * untrusted input: every count, block number and position is checked before use. */
#include "guest/fs/journal.h"

enum pass { PASS_SCAN, PASS_REVOKE, PASS_REPLAY };

/* Open-addressing table of revoked blocks in the caller's memory: key home+1 (0 = empty). */
struct revoke_table {
    uint32_t (*slot)[2];
    size_t cap;
};

struct walk {
    struct journal *j;
    enum pass pass;
    uint8_t *desc;                 /* the current descriptor or revoke block */
    uint8_t *buf;                  /* the current copy */
    struct revoke_table *revokes;
    const struct journal_visitor *v;
    struct journal_recovery *stats;
    uint32_t budget;               /* log blocks the scan may still visit */
};

static int revoke_add(struct revoke_table *rt, uint32_t home, uint32_t seq)
{
    if (rt->cap == 0)
        return -FS_ENOMEM;
    for (size_t n = 0, i = home % rt->cap; n < rt->cap; n++, i = (i + 1) % rt->cap) {
        if (rt->slot[i][0] == 0) {
            rt->slot[i][0] = home + 1;
            rt->slot[i][1] = seq;
            return 0;
        }
        if (rt->slot[i][0] == home + 1) {
            if (fs_seq_after(seq, rt->slot[i][1]))
                rt->slot[i][1] = seq;
            return 0;
        }
    }
    return -FS_ENOMEM;
}

/* A copy of home logged in transaction seq is revoked by a record in seq or later. */
static bool revoked(const struct revoke_table *rt, uint32_t home, uint32_t seq)
{
    for (size_t n = 0, i = rt->cap ? home % rt->cap : 0; n < rt->cap; n++, i = (i + 1) % rt->cap) {
        if (rt->slot[i][0] == 0)
            return false;
        if (rt->slot[i][0] == home + 1)
            return !fs_seq_after(seq, rt->slot[i][1]);
    }
    return false;
}

/* Reads log block *pos into buf and advances; -FS_EUCLEAN when the log budget is spent. */
static int log_read(struct walk *w, uint32_t *pos, void *buf)
{
    if (w->budget == 0)
        return -FS_EUCLEAN;
    w->budget--;
    if (w->j->dev->read(w->j->dev, journal_bno(w->j, *pos), buf) != 0)
        return -FS_EIO;
    *pos = journal_next(w->j, *pos);
    return 0;
}

/* The copies tagged by the descriptor in w->desc: checksummed, and replayed in PASS_REPLAY. */
static int walk_copies(struct walk *w, struct journal_txn_info *info, uint32_t *pos, uint32_t *crc)
{
    const struct fs_jdescriptor *d = (const void *)w->desc;
    if (d->ntags == 0 || d->ntags > FS_JTAGS_PER_BLOCK)
        return -FS_EUCLEAN;
    for (uint32_t i = 0; i < d->ntags; i++) {
        uint32_t home = d->tags[i].blockno, flags = d->tags[i].flags;
        if (!journal_home_ok(w->j, home))
            return -FS_EUCLEAN;
        int err = log_read(w, pos, w->buf);
        if (err != 0)
            return err;
        *crc = crc32c(*crc, w->buf, FS_BLOCK_SIZE);
        info->log_blocks++;
        info->nlogged++;
        if (w->pass == PASS_SCAN && w->v && w->v->tag)
            w->v->tag(w->v->ctx, home, flags);
        if (w->pass != PASS_REPLAY)
            continue;
        if (revoked(w->revokes, home, info->seq)) {
            w->stats->revoked++;
            continue;
        }
        if (flags & FS_JTAG_ESCAPED) {
            uint32_t m = FS_JOURNAL_MAGIC;
            memcpy(w->buf, &m, 4);
        }
        if (w->j->dev->write(w->j->dev, home, w->buf) != 0)
            return -FS_EIO;
        w->stats->replayed++;
    }
    return 0;
}

static int walk_revokes(struct walk *w, struct journal_txn_info *info)
{
    const struct fs_jrevoke *r = (const void *)w->desc;
    if (r->count == 0 || r->count > FS_JREVOKES_PER_BLOCK)
        return -FS_EUCLEAN;
    for (uint32_t i = 0; i < r->count; i++) {
        if (!journal_home_ok(w->j, r->blocknos[i]))
            return -FS_EUCLEAN;
        if (w->pass == PASS_SCAN && w->v && w->v->revoke)
            w->v->revoke(w->v->ctx, r->blocknos[i]);
        if (w->pass == PASS_REVOKE && revoke_add(w->revokes, r->blocknos[i], info->seq) != 0)
            return -FS_ENOMEM;
    }
    info->nrevokes += r->count;
    return 0;
}

/* Walks the transaction expected at *pos with sequence info->seq up to its commit block.
 * Returns 0 if it is complete and its checksum matches (then *pos is just past it),
 * -FS_EUCLEAN if it is not a valid transaction, -FS_EIO or -FS_ENOMEM on failure. */
static int walk_txn(struct walk *w, struct journal_txn_info *info, uint32_t *pos)
{
    uint32_t crc = 0;
    for (;;) {
        int err = log_read(w, pos, w->desc);
        if (err != 0)
            return err;
        const struct fs_jheader *h = (const void *)w->desc;
        if (h->magic != FS_JOURNAL_MAGIC || h->sequence != info->seq)
            return -FS_EUCLEAN;
        info->log_blocks++;
        if (h->type == FS_JT_COMMIT) {
            struct fs_jcommit *c = (struct fs_jcommit *)w->desc;
            uint32_t want = c->checksum;
            c->checksum = 0;
            info->committed = true;
            info->checksum_ok = crc32c(crc, c, FS_BLOCK_SIZE) == want &&
                                c->nblocks == info->log_blocks;
            return info->checksum_ok ? 0 : -FS_EUCLEAN;
        }
        crc = crc32c(crc, w->desc, FS_BLOCK_SIZE);
        if (h->type == FS_JT_DESCRIPTOR) {
            err = walk_copies(w, info, pos, &crc);   /* reads into w->buf: desc stays */
        } else if (h->type == FS_JT_REVOKE) {
            err = walk_revokes(w, info);
        } else {
            err = -FS_EUCLEAN;
        }
        if (err != 0)
            return err;
    }
}

/* Runs one pass over at most max transactions from the log's start. Returns the number of
 * valid transactions walked, or a negative error (-FS_EIO, -FS_ENOMEM). */
static int walk_log(struct walk *w, uint32_t max)
{
    uint32_t pos = w->j->tail, n = 0;
    w->budget = w->j->nblocks - w->j->first;
    while (w->j->tail != 0 && n < max) {
        struct journal_txn_info info = { .seq = w->j->tail_seq + n, .start = pos };
        int err = walk_txn(w, &info, &pos);
        if (w->pass == PASS_SCAN && w->v && w->v->txn && info.log_blocks > 0)
            w->v->txn(w->v->ctx, &info);
        if (err == -FS_EUCLEAN)
            break;
        if (err != 0)
            return err;
        n++;
        w->stats->last_seq = info.seq;
        w->stats->transactions = n;
        if (w->pass == PASS_REPLAY)
            w->j->head = pos;
    }
    return (int)n;
}

int journal_scan(struct journal *j, void *buf, const struct journal_visitor *v)
{
    struct journal_recovery stats = {0};
    struct walk w = { .j = j, .pass = PASS_SCAN, .desc = j->scratch, .buf = buf, .v = v,
                      .stats = &stats };
    return walk_log(&w, UINT32_MAX);
}

int journal_recover(struct journal *j, void *mem, size_t memsize, struct journal_recovery *out)
{
    struct journal_recovery stats = {0};
    if (memsize < 2 * FS_BLOCK_SIZE)
        return -FS_ENOMEM;
    uint8_t *m = mem;
    struct revoke_table rt = { (void *)(m + 2 * FS_BLOCK_SIZE),
                               (memsize - 2 * FS_BLOCK_SIZE) / (2 * sizeof(uint32_t)) };
    memset(rt.slot, 0, rt.cap * 2 * sizeof(uint32_t));
    struct walk w = { .j = j, .desc = m, .buf = m + FS_BLOCK_SIZE, .revokes = &rt,
                      .stats = &stats };
    if (j->tail != 0) {
        w.pass = PASS_SCAN;
        int n = walk_log(&w, UINT32_MAX);
        w.pass = PASS_REVOKE;
        if (n > 0)
            n = walk_log(&w, (uint32_t)n);
        w.pass = PASS_REPLAY;
        stats.replayed = stats.revoked = 0;
        if (n > 0)
            n = walk_log(&w, (uint32_t)n);
        if (n < 0)
            return n;
        /* Skip the number of a torn transaction too, so no stale block can match the next. */
        j->next_seq = j->tail_seq + (uint32_t)n + 1;
        if (n == 0)
            j->head = j->tail;
        if (j->dev->flush(j->dev) != 0 || journal_write_super(j, 0, j->next_seq) != 0 ||
            j->dev->flush(j->dev) != 0)
            return -FS_EIO;
    }
    j->tail = 0;
    j->must_recover = false;
    if (out)
        *out = stats;
    return 0;
}
