/* The journal's write side: building a transaction, writing it to the circular log with
 * its descriptor, revoke and commit blocks, installing it and checkpointing the log.
 *
 * The commit point is the commit block. Everything before it (descriptors, copies, revokes)
 * is written and flushed first, so a durable commit block always follows durable contents,
 * and ordered-mode data written before the commit is durable too. The checksum in the commit
 * block covers the whole transaction, so recovery also rejects a transaction whose blocks
 * were torn or lost by a write cache despite the flush (a lying disk). */
#include "guest/fs/journal.h"

static uint32_t jsuper_checksum(const struct fs_jsuper *js)
{
    return crc32c(0, js, offsetof(struct fs_jsuper, checksum));
}

int journal_write_super(struct journal *j, uint32_t start, uint32_t sequence)
{
    struct fs_jsuper *js = (struct fs_jsuper *)j->scratch;
    memset(j->scratch, 0, FS_BLOCK_SIZE);
    js->h.magic = FS_JOURNAL_MAGIC;
    js->h.type = FS_JT_SUPERBLOCK;
    js->nblocks = j->nblocks;
    js->first = j->first;
    js->sequence = sequence;
    js->start = start;
    js->checksum = jsuper_checksum(js);
    return j->dev->write(j->dev, j->sb_block, j->scratch);
}

int journal_open(struct journal *j, struct fs_blockdev *dev, const struct fs_superblock *sb,
                 void *scratch)
{
    memset(j, 0, sizeof *j);
    j->dev = dev;
    j->scratch = scratch;
    j->sb_block = sb->journal_start;
    j->fs_nblocks = sb->nblocks;
    if (dev->read(dev, j->sb_block, scratch) != 0)
        return -FS_EIO;
    const struct fs_jsuper *js = scratch;
    if (js->h.magic != FS_JOURNAL_MAGIC || js->h.type != FS_JT_SUPERBLOCK ||
        js->checksum != jsuper_checksum(js) || js->nblocks != sb->journal_blocks ||
        js->nblocks < 4 || js->first < 1 || js->first >= js->nblocks - 2 ||
        (js->start != 0 && (js->start < js->first || js->start >= js->nblocks)))
        return -FS_EUCLEAN;
    j->nblocks = js->nblocks;
    j->first = js->first;
    j->tail = js->start;
    j->tail_seq = js->sequence;
    j->next_seq = js->sequence;
    j->head = js->start ? js->start : js->first;
    j->must_recover = js->start != 0;
    return 0;
}

bool journal_needs_recovery(const struct journal *j)
{
    return j->must_recover;
}

/* One log block always stays free so that head == tail can only mean an empty log. */
uint32_t journal_free_blocks(const struct journal *j)
{
    uint32_t cap = j->nblocks - j->first;
    uint32_t used = j->tail == 0 ? 0 : (j->head + cap - j->tail) % cap;
    return cap - 1 - used;
}

void journal_txn_init(struct journal_txn *t, struct journal_entry *blocks, uint32_t cap,
                      uint32_t *revokes, uint32_t revcap)
{
    memset(t, 0, sizeof *t);
    t->blocks = blocks;
    t->cap = cap;
    t->revokes = revokes;
    t->revcap = revcap;
}

/* Index of home in t's logged blocks, or t->nblocks. Linear: transactions are small, and
 * the kernel's buffer cache can remember instead that a buffer is already in the txn. */
static uint32_t txn_find(const struct journal_txn *t, uint32_t home)
{
    uint32_t i = 0;
    while (i < t->nblocks && t->blocks[i].home != home)
        i++;
    return i;
}

int journal_txn_log(struct journal_txn *t, const struct journal *j, uint32_t home, const void *data)
{
    if (!journal_home_ok(j, home))
        return -FS_EINVAL;
    for (uint32_t r = 0; r < t->nrevokes; r++)
        if (t->revokes[r] == home)
            t->revokes[r] = t->revokes[--t->nrevokes];
    uint32_t i = txn_find(t, home);
    if (i == t->nblocks) {
        if (t->nblocks == t->cap)
            return -FS_ENOSPC;
        t->nblocks++;
    }
    t->blocks[i].home = home;
    t->blocks[i].data = data;
    return 0;
}

int journal_txn_revoke(struct journal_txn *t, const struct journal *j, uint32_t home)
{
    if (!journal_home_ok(j, home))
        return -FS_EINVAL;
    uint32_t i = txn_find(t, home);
    if (i < t->nblocks)
        t->blocks[i] = t->blocks[--t->nblocks];
    for (uint32_t r = 0; r < t->nrevokes; r++)
        if (t->revokes[r] == home)
            return 0;
    if (t->nrevokes == t->revcap)
        return -FS_ENOSPC;
    t->revokes[t->nrevokes++] = home;
    return 0;
}

static uint32_t log_blocks_for(uint32_t nblocks, uint32_t nrevokes)
{
    return (nblocks + FS_JTAGS_PER_BLOCK - 1) / FS_JTAGS_PER_BLOCK + nblocks +
           (nrevokes + FS_JREVOKES_PER_BLOCK - 1) / FS_JREVOKES_PER_BLOCK + 1;
}

uint32_t journal_txn_log_blocks(const struct journal_txn *t)
{
    return log_blocks_for(t->nblocks, t->nrevokes);
}

bool journal_txn_room(const struct journal_txn *t, const struct journal *j, uint32_t more,
                      uint32_t morerev)
{
    return t->nblocks + more <= t->cap && t->nrevokes + morerev <= t->revcap &&
           log_blocks_for(t->nblocks + more, t->nrevokes + morerev) <= journal_free_blocks(j);
}

/* Writes one log block at *pos, adds it to the running checksum, advances *pos. */
static int log_write(struct journal *j, uint32_t *pos, const void *data, uint32_t *crc)
{
    *crc = crc32c(*crc, data, FS_BLOCK_SIZE);
    if (j->dev->write(j->dev, journal_bno(j, *pos), data) != 0)
        return -FS_EIO;
    *pos = journal_next(j, *pos);
    return 0;
}

static void header(void *block, uint32_t type, uint32_t seq)
{
    struct fs_jheader *h = block;
    memset(block, 0, FS_BLOCK_SIZE);
    h->magic = FS_JOURNAL_MAGIC;
    h->type = type;
    h->sequence = seq;
}

static bool starts_with_magic(const void *data)
{
    uint32_t m = FS_JOURNAL_MAGIC;
    return memcmp(data, &m, 4) == 0;
}

/* One descriptor block tagging blocks [from, from+n), then their copies; a copy that starts
 * with the journal magic is stored with those bytes zeroed (escaped). */
static int log_descriptor(struct journal *j, const struct journal_txn *t, uint32_t seq,
                          uint32_t from, uint32_t n, uint32_t *pos, uint32_t *crc)
{
    struct fs_jdescriptor *d = (struct fs_jdescriptor *)j->scratch;
    header(d, FS_JT_DESCRIPTOR, seq);
    d->ntags = n;
    for (uint32_t i = 0; i < n; i++) {
        d->tags[i].blockno = t->blocks[from + i].home;
        d->tags[i].flags = starts_with_magic(t->blocks[from + i].data) ? FS_JTAG_ESCAPED : 0;
    }
    if (log_write(j, pos, d, crc) != 0)
        return -FS_EIO;
    for (uint32_t i = 0; i < n; i++) {
        const void *data = t->blocks[from + i].data;
        if (starts_with_magic(data)) {
            memcpy(j->scratch, data, FS_BLOCK_SIZE);
            memset(j->scratch, 0, 4);
            data = j->scratch;
        }
        if (log_write(j, pos, data, crc) != 0)
            return -FS_EIO;
    }
    return 0;
}

static int log_revokes(struct journal *j, const struct journal_txn *t, uint32_t seq,
                       uint32_t *pos, uint32_t *crc)
{
    for (uint32_t from = 0; from < t->nrevokes; from += FS_JREVOKES_PER_BLOCK) {
        struct fs_jrevoke *r = (struct fs_jrevoke *)j->scratch;
        uint32_t n = t->nrevokes - from;
        if (n > FS_JREVOKES_PER_BLOCK)
            n = FS_JREVOKES_PER_BLOCK;
        header(r, FS_JT_REVOKE, seq);
        r->count = n;
        memcpy(r->blocknos, t->revokes + from, n * sizeof(uint32_t));
        if (log_write(j, pos, r, crc) != 0)
            return -FS_EIO;
    }
    return 0;
}

int journal_commit(struct journal *j, struct journal_txn *t)
{
    if (j->must_recover)
        return -FS_EINVAL;
    if (t->nblocks == 0 && t->nrevokes == 0)
        return 0;
    uint32_t need = journal_txn_log_blocks(t);
    if (need > journal_free_blocks(j))
        return -FS_ENOSPC;
    uint32_t seq = j->next_seq, start = j->head, pos = start, crc = 0;
    /* An empty log is invisible to recovery: point the journal superblock at this
     * transaction first (the flush below orders it before the commit block). */
    if (j->tail == 0 && journal_write_super(j, start, seq) != 0)
        return -FS_EIO;
    for (uint32_t from = 0; from < t->nblocks; from += FS_JTAGS_PER_BLOCK) {
        uint32_t n = t->nblocks - from < FS_JTAGS_PER_BLOCK ? t->nblocks - from : FS_JTAGS_PER_BLOCK;
        if (log_descriptor(j, t, seq, from, n, &pos, &crc) != 0)
            return -FS_EIO;
    }
    if (log_revokes(j, t, seq, &pos, &crc) != 0 || j->dev->flush(j->dev) != 0)
        return -FS_EIO;
    struct fs_jcommit *c = (struct fs_jcommit *)j->scratch;
    header(c, FS_JT_COMMIT, seq);
    c->nblocks = need;
    c->checksum = crc32c(crc, c, FS_BLOCK_SIZE);
    if (log_write(j, &pos, c, &crc) != 0 || j->dev->flush(j->dev) != 0)
        return -FS_EIO;
    if (j->tail == 0) {
        j->tail = start;
        j->tail_seq = seq;
    }
    j->head = pos;
    j->next_seq = seq + 1;
    t->seq = seq;
    return 0;
}

int journal_install(struct journal *j, const struct journal_txn *t)
{
    for (uint32_t i = 0; i < t->nblocks; i++)
        if (j->dev->write(j->dev, t->blocks[i].home, t->blocks[i].data) != 0)
            return -FS_EIO;
    return 0;
}

int journal_checkpoint(struct journal *j)
{
    if (j->must_recover)
        return -FS_EINVAL;
    if (j->tail == 0)
        return 0;
    if (j->dev->flush(j->dev) != 0 || journal_write_super(j, 0, j->next_seq) != 0 ||
        j->dev->flush(j->dev) != 0)
        return -FS_EIO;
    j->tail = 0;
    return 0;
}
