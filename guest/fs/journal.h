/* The write-ahead journal's interface (journal.c writes transactions, recovery.c replays
 * them), shared by the guest kernel and the host tools.
 *
 * What a transaction is: a set of whole metadata blocks (and, in journal mode, data blocks)
 * that must reach the disk all together or not at all. The journal first writes copies of
 * them to the log, then the commit block; once the commit block is durable the transaction
 * has happened, whatever crashes later, because recovery copies every committed block to its
 * home location. Only after the home copies are durable may the log space be reused
 * (checkpoint). Revoke records stop recovery from replaying an old copy of a block that was
 * freed and may now hold something else (e.g. ordered-mode file data, which is not logged).
 *
 * Life cycle on the kernel side (the host tools do the same, synchronously):
 *   journal_open      at mount; if journal_needs_recovery, journal_recover before anything
 *   journal_txn_init  start the running transaction (the caller owns the arrays)
 *   journal_txn_log   each modified metadata block, any number of times (absorbed)
 *   journal_txn_revoke  each freed metadata block
 *   journal_commit    makes it durable: fsync, sync, a full transaction, or a timer
 *   journal_install / the buffer cache writes the blocks home, later
 *   journal_checkpoint  when the log runs short: home copies durable, log emptied
 *
 * Group commit: many system calls add to one running transaction; each should reserve its
 * worst-case block count first (journal_txn_room) and the caller commits when it is short.
 * Ordered mode: write the transaction's new data blocks home (writes completed, no flush
 * needed) before journal_commit: its first flush makes them durable before the commit.
 * Concurrency is the caller's: these functions take no locks and must not run concurrently
 * on one journal; a buffer passed to journal_txn_log must not change until the commit returns. */
#ifndef GUEST_FS_JOURNAL_H
#define GUEST_FS_JOURNAL_H
#include "guest/fs/fs_format.h"

struct journal {
    struct fs_blockdev *dev;
    uint32_t sb_block;     /* file-system block of the journal superblock */
    uint32_t nblocks;      /* journal length, superblock included */
    uint32_t first;        /* journal-relative index of the first log block */
    uint32_t fs_nblocks;   /* home block numbers must be below this */
    uint32_t head;         /* journal-relative block where the next transaction goes */
    uint32_t tail;         /* start of the oldest transaction not checkpointed; 0 = empty */
    uint32_t tail_seq;     /* its sequence number */
    uint32_t next_seq;     /* sequence number of the next commit */
    bool must_recover;     /* the log was not empty at open and has not been recovered */
    uint8_t *scratch;      /* one block of the caller's memory, for headers and escapes */
};

struct journal_entry {
    uint32_t home;         /* block number in the file system */
    const void *data;      /* FS_BLOCK_SIZE bytes, the caller's buffer */
};

/* A transaction being built. The arrays are the caller's: cap logged blocks, revcap revokes. */
struct journal_txn {
    struct journal_entry *blocks;
    uint32_t nblocks, cap;
    uint32_t *revokes;
    uint32_t nrevokes, revcap;
    uint32_t seq;          /* set by journal_commit */
};

/* Reads and checks the journal superblock of file system sb on dev. scratch: one block the
 * journal keeps using. 0, -FS_EIO, or -FS_EUCLEAN (bad journal superblock). */
int journal_open(struct journal *j, struct fs_blockdev *dev, const struct fs_superblock *sb,
                 void *scratch);
/* True if the log holds transactions that may not be installed: run journal_recover. */
bool journal_needs_recovery(const struct journal *j);
/* Log blocks free for new transactions. */
uint32_t journal_free_blocks(const struct journal *j);

void journal_txn_init(struct journal_txn *t, struct journal_entry *blocks, uint32_t cap,
                      uint32_t *revokes, uint32_t revcap);
/* Adds home block `home` with contents data (a later call for the same block replaces the
 * pointer: one copy per transaction) and cancels a revoke of it in this transaction.
 * -FS_ENOSPC if the transaction is full (commit it and start another), -FS_EINVAL if home
 * is out of range. */
int journal_txn_log(struct journal_txn *t, const struct journal *j, uint32_t home, const void *data);
/* Records that home was freed: drops it from this transaction, and recovery will not replay
 * any copy of it from this or an earlier transaction. -FS_ENOSPC if the revoke array is full. */
int journal_txn_revoke(struct journal_txn *t, const struct journal *j, uint32_t home);
/* Log blocks the transaction takes as it stands (descriptors + copies + revokes + commit). */
uint32_t journal_txn_log_blocks(const struct journal_txn *t);
/* Whether `more` logged blocks and `morerev` revokes still fit in t's arrays and the log. */
bool journal_txn_room(const struct journal_txn *t, const struct journal *j, uint32_t more,
                      uint32_t morerev);

/* Writes t to the log and makes it durable: descriptors, copies and revokes, a flush (which
 * also makes ordered data written before the call durable), the commit block, a flush. An
 * empty transaction commits nothing. Sets t->seq. -FS_ENOSPC if the log lacks room
 * (checkpoint first), -FS_EIO on a device error (the journal must then be treated as failed:
 * remount read-only; recovery at the next mount sorts the log out). */
int journal_commit(struct journal *j, struct journal_txn *t);
/* Writes t's blocks to their home locations (no flush). For callers without a write-back
 * cache; the kernel's buffer cache may instead write them whenever it likes after commit. */
int journal_install(struct journal *j, const struct journal_txn *t);
/* Empties the log. Precondition: every committed block has been written home (install or
 * cache). Flushes, then records the empty log in the journal superblock and flushes. */
int journal_checkpoint(struct journal *j);

/* ---- Recovery (recovery.c) ---- */

/* What the scan found about one transaction, for recovery and the teaching dump. */
struct journal_txn_info {
    uint32_t seq;
    uint32_t start;        /* journal-relative first block */
    uint32_t log_blocks;   /* blocks it spans in the log, commit included (if found) */
    uint32_t nlogged;      /* copies */
    uint32_t nrevokes;
    bool committed;        /* a commit block with this sequence ends it */
    bool checksum_ok;      /* ... and its checksum matches */
};
/* Called for each transaction the scan visits, in log order; the last one may be torn. For
 * each copy the walker also calls tag(ctx, home, flags) (may be NULL). */
struct journal_visitor {
    void (*txn)(void *ctx, const struct journal_txn_info *info);
    void (*tag)(void *ctx, uint32_t home, uint32_t flags);
    void (*revoke)(void *ctx, uint32_t home);
    void *ctx;
};

/* Scans the log from its start: each transaction must carry the next sequence number, fit
 * in the log, name only blocks inside the file system, and end with a commit block whose
 * checksum matches; the first that does not ends the scan. Reports each visited transaction
 * to v (may be NULL). buf: one block. Returns the number of valid transactions, or -FS_EIO. */
int journal_scan(struct journal *j, void *buf, const struct journal_visitor *v);

struct journal_recovery {
    uint32_t transactions; /* valid transactions replayed */
    uint32_t replayed;     /* blocks written home */
    uint32_t revoked;      /* copies skipped because of a revoke */
    uint32_t last_seq;     /* sequence of the last valid transaction */
};
/* Replays the log (scan, revoke pass, replay pass), flushes, then marks the log empty.
 * Idempotent: a crash at any point leaves a journal that recovers to the same result.
 * mem/memsize: the caller's scratch memory, at least 2 blocks; what lies beyond the first two
 * blocks holds the revoke table (8 bytes per revoked block). out may be NULL. 0, -FS_EIO,
 * or -FS_ENOMEM (more revoke records than the memory holds: retry with more). */
int journal_recover(struct journal *j, void *mem, size_t memsize, struct journal_recovery *out);

/* ---- Internal to journal.c and recovery.c ---- */
/* The file-system block holding journal-relative block pos. */
static inline uint32_t journal_bno(const struct journal *j, uint32_t pos)
{
    return j->sb_block + pos;
}
/* The log block after pos, wrapping from the last journal block to the first log block. */
static inline uint32_t journal_next(const struct journal *j, uint32_t pos)
{
    return pos + 1 >= j->nblocks ? j->first : pos + 1;
}
/* Whether home may be named by a tag or revoke: inside the file system, outside the journal. */
static inline bool journal_home_ok(const struct journal *j, uint32_t home)
{
    return home < j->fs_nblocks && (home < j->sb_block || home >= j->sb_block + j->nblocks);
}
/* Writes the journal superblock (start 0 = empty log) through j->scratch. No flush. */
int journal_write_super(struct journal *j, uint32_t start, uint32_t sequence);

#endif
