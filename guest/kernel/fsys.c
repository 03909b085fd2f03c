/* The root file system's mount and its transactions: the file-system lock, the buffer
 * cache plugged into the shared core (guest/fs/fs.h) and the write-ahead journal
 * (guest/fs/journal.h) driven the way jbd2 drives it.
 *
 * A transaction collects the blocks that operations change. Every operation runs with
 * the file-system lock held, between begin_op (which reserves room in the running
 * transaction, committing it first if it is short) and end_op. Group commit: when an
 * operation ends while others wait for the lock, they join the same transaction; the last
 * one out commits it, so a system call that changed something returns once its change is
 * durable or is part of a commit already under way. An operation that freed blocks
 * commits at once, so that no later operation reuses a block whose freeing has not
 * committed yet.
 *
 * Commit, in the three modes chosen at boot (`fsmode=` on the kernel command line):
 *   ordered    file data blocks are written home first (all writes in flight together),
 *              then the journal commits the metadata (its first flush makes the data
 *              durable before the commit block is written);
 *   journal    file data is logged with the metadata;
 *   writeback  data is written home after the commit, unordered.
 * After the commit block the logged blocks are written home from the cache at once, so
 * the log can be emptied (checkpoint) whenever it runs short. Buffers in the running
 * transaction are pinned in the cache until then. */
#include "abi/syscall.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/platform.h"
#include "guest/kernel/proc.h"

#define TXN_CAP   1024             /* blocks logged in one transaction */
#define REV_CAP   1020             /* revokes in one transaction (one log block) */
#define PIN_CAP   2048             /* buffers a transaction holds (logged + ordered data) */
#define PIN_META  1
#define PIN_DATA  2
#define RECOVERY_PAGES 16

struct fs rootfs;
struct blkdev *rootdisk;

static struct spinlock fsl = { 0, -1 };
static bool fs_busy;
static int fs_waiters;
static int mounted;                /* 0 not tried, 1 mounted, < 0 the error */
static int mode = FS_MODE_ORDERED;
static bool failed, ro;            /* journal failed / disk read-only: no more changes */
static bool freed_in_op, need_checkpoint;
static bool data_unflushed;        /* writeback: data written after its commit, no flush yet */
static uint64_t commits;

static struct journal jnl;
static struct fs_blockdev jdev;
static struct journal_txn txn;
static struct journal_entry tx_blocks[TXN_CAP];
static uint32_t tx_revokes[REV_CAP];
static struct buf *pinned[PIN_CAP], *batch[PIN_CAP];
static int npinned;
static uint8_t recovery_mem[RECOVERY_PAGES * FS_BLOCK_SIZE] __attribute__((aligned(4096)));

void fsys_wait(void *chan, struct spinlock *lk)
{
    struct proc *p = myproc();
    if (p && !p->killed) {
        sleep_on(chan, lk);
        return;
    }
    release(lk);
    if (p)
        yield();
    else
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    acquire(lk, mycpu()->id);
}

static void fail(const char *why)
{
    if (!failed)
        kprintf("fs: %s: the file system is read-only from now on\n", why);
    failed = true;
}

/* ---- The cache as the shared core sees it ---- */

static struct fs_buf *c_get(void *ctx, uint32_t bno, bool fresh)
{
    struct buf *b = fresh ? bget(bno) : bread(bno);
    if (b && fresh)
        b->valid = true;
    return b ? &b->fb : NULL;
}

static void c_put(void *ctx, struct fs_buf *fb)
{
    brelse(buf_of(fb));
}

static void pin(struct buf *b, int how)
{
    if (b->pin == 0) {
        if (npinned == PIN_CAP) {
            fail("transaction overflow");
            return;
        }
        pinned[npinned++] = b;
    }
    if (b->pin != PIN_META)
        b->pin = how;
}

/* A changed block joins the running transaction: logged, or (file data outside journal
 * mode) held to be written at commit. */
static void c_dirty(void *ctx, struct fs_buf *fb, enum fs_bkind kind)
{
    struct buf *b = buf_of(fb);
    if (failed)
        return;
    if (kind == FS_BK_META || mode == FS_MODE_JOURNAL) {
        if (journal_txn_log(&txn, &jnl, fb->blockno, fb->data) < 0)
            fail("transaction overflow");
        pin(b, PIN_META);
    } else {
        pin(b, PIN_DATA);
    }
    b->dirty = true;
}

/* A freed block that may have a copy in the log is revoked; if the revoke table is full,
 * the log is emptied right after this commit instead, which leaves no copy to replay. */
static void c_freed(void *ctx, uint32_t bno, enum fs_bkind kind)
{
    freed_in_op = true;
    if ((kind == FS_BK_META || mode == FS_MODE_JOURNAL) &&
        journal_txn_revoke(&txn, &jnl, bno) < 0)
        need_checkpoint = true;
}

static const struct fs_cache_ops cache_ops = { c_get, c_dirty, c_put, c_freed };

/* ---- The journal's device: raw blocks, bypassing the cache ---- */

static int j_read(struct fs_blockdev *d, uint32_t bno, void *buf)
{
    return bio_rw(bno, buf, false) < 0 ? -FS_EIO : 0;
}

static int j_write(struct fs_blockdev *d, uint32_t bno, const void *buf)
{
    return bio_rw(bno, (void *)buf, true) < 0 ? -FS_EIO : 0;
}

static int j_flush(struct fs_blockdev *d)
{
    return bflush() < 0 ? -FS_EIO : 0;
}

/* ---- Commit ---- */

/* The pinned buffers of one kind, into batch; their count. */
static int collect(int how)
{
    int n = 0;
    for (int i = 0; i < npinned; i++)
        if (pinned[i]->pin == how && pinned[i]->dirty)
            batch[n++] = pinned[i];
    return n;
}

static void unpin_all(void)
{
    for (int i = 0; i < npinned; i++)
        pinned[i]->pin = 0;
    npinned = 0;
    journal_txn_init(&txn, tx_blocks, TXN_CAP, tx_revokes, REV_CAP);
}

static int commit(void)
{
    if (failed)
        return -EIO;
    if (npinned == 0 && txn.nrevokes == 0)
        return 0;
    int n = collect(PIN_DATA);
    if (mode == FS_MODE_ORDERED && n > 0 && bwrite_many(batch, n) < 0)
        return fail("data write failed"), -EIO;
    if (journal_txn_log_blocks(&txn) > journal_free_blocks(&jnl) &&
        journal_checkpoint(&jnl) < 0)
        return fail("checkpoint failed"), -EIO;
    if (journal_commit(&jnl, &txn) < 0)
        return fail("commit failed"), -EIO;
    commits++;
    n = collect(PIN_META);
    if (n > 0 && bwrite_many(batch, n) < 0)
        return fail("install failed"), -EIO;
    n = collect(PIN_DATA);
    if (n > 0 && bwrite_many(batch, n) < 0)
        return fail("data write failed"), -EIO;
    if (n > 0 && mode == FS_MODE_WRITEBACK)
        data_unflushed = true;
    unpin_all();
    if (need_checkpoint || journal_free_blocks(&jnl) < jnl.nblocks / 4) {
        need_checkpoint = false;
        if (journal_checkpoint(&jnl) < 0)
            return fail("checkpoint failed"), -EIO;
    }
    return 0;
}

/* fsync and sync: commit, and in writeback mode also flush the data written after an
 * earlier commit (the group commit at each system call's end does not wait for it), so
 * that fsync'd data survives a disk that loses its write cache. */
int fsys_commit(void)
{
    int r = commit();
    if (r == 0 && data_unflushed) {
        if (bflush() < 0)
            return fail("flush failed"), -EIO;
        data_unflushed = false;
    }
    return r;
}

/* ---- The lock and operations ---- */

void fs_lock(void)
{
    acquire(&fsl, mycpu()->id);
    while (fs_busy) {
        fs_waiters++;
        fsys_wait(&fs_busy, &fsl);
        fs_waiters--;
    }
    fs_busy = true;
    release(&fsl);
}

/* The last holder out commits what the others left in the transaction. */
void fs_unlock(void)
{
    acquire(&fsl, mycpu()->id);
    bool waiting = fs_waiters > 0;
    release(&fsl);
    if (!waiting && mounted > 0)
        commit();
    acquire(&fsl, mycpu()->id);
    fs_busy = false;
    waiting = fs_waiters > 0;
    release(&fsl);
    if (waiting)
        wakeup(&fs_busy);
}

int begin_op(uint32_t nblocks)
{
    if (failed || ro)
        return -EROFS;
    freed_in_op = false;
    if (journal_txn_room(&txn, &jnl, nblocks, 64) && npinned + 2 * (int)nblocks <= PIN_CAP)
        return 0;
    int r = commit();
    if (r < 0)
        return r;
    if (!journal_txn_room(&txn, &jnl, nblocks, 64)) {
        if (journal_checkpoint(&jnl) < 0)
            return fail("checkpoint failed"), -EIO;
        if (!journal_txn_room(&txn, &jnl, nblocks, 64))
            return -ENOSPC;
    }
    return 0;
}

int end_op(void)
{
    if (failed)
        return -EIO;
    if (!freed_in_op)
        return 0;
    freed_in_op = false;
    return commit();
}

/* ---- Mount ---- */

static void choose_mode(void)
{
    if (cmdline_has("fsmode=journal"))
        mode = FS_MODE_JOURNAL;
    else if (cmdline_has("fsmode=writeback"))
        mode = FS_MODE_WRITEBACK;
}

/* Reads and checks the superblock, recovers the journal, mounts, frees the orphans. */
static int mount_root(void)
{
    if (blk_count() == 0)
        return -ENODEV;
    rootdisk = blk_get(0);
    uint64_t nbuf = bootinfo.ram_size / PAGE_SIZE / 16;
    bio_init(rootdisk, nbuf < 256 ? 256 : (int)(nbuf > 4096 ? 4096 : nbuf));
    ro = blk_readonly(rootdisk);
    jdev = (struct fs_blockdev){ j_read, j_write, j_flush, bio_nblocks(), NULL };
    uint8_t *scratch = kalloc();
    struct fs_superblock *sb = (struct fs_superblock *)recovery_mem;
    if (!scratch || bio_rw(0, recovery_mem, false) < 0)
        return -EIO;
    const char *bad = fs_sb_problem(sb, jdev.nblocks);
    if (bad) {
        kprintf("fs: disk 0: %s\n", bad);
        return -EUCLEAN;
    }
    if (journal_open(&jnl, &jdev, sb, scratch) < 0)
        return -EUCLEAN;
    if (journal_needs_recovery(&jnl)) {
        struct journal_recovery rec;
        if (ro)
            return -EROFS;
        int r = journal_recover(&jnl, recovery_mem, sizeof recovery_mem, &rec);
        if (r < 0)
            return r == -FS_ENOMEM ? -ENOMEM : -EIO;
        kprintf("fs: recovered %u transactions (%u blocks replayed, %u revoked)\n",
                rec.transactions, rec.replayed, rec.revoked);
    }
    journal_txn_init(&txn, tx_blocks, TXN_CAP, tx_revokes, REV_CAP);
    int r = fs_mount(&rootfs, &cache_ops, NULL, jdev.nblocks);
    if (r < 0)
        return r;
    if (!ro && rootfs.sb.orphan_head != 0) {
        int n = fs_orphan_release_all(&rootfs);
        if (n > 0)
            kprintf("fs: freed %d orphaned inodes\n", n);
        commit();
    }
    return 0;
}

int fsys_ready(void)
{
    if (mounted > 0)
        return 0;
    fs_lock();
    if (mounted == 0) {
        choose_mode();
        int r = mount_root();
        mounted = r < 0 ? r : 1;
        if (r == 0)
            kprintf("fs: mounted disk 0 (%u blocks), %s mode%s\n", rootfs.sb.nblocks,
                    mode == FS_MODE_JOURNAL ? "journal" :
                    mode == FS_MODE_WRITEBACK ? "writeback" : "ordered", ro ? ", read-only" : "");
        else if (r != -ENODEV)
            kprintf("fs: cannot mount disk 0: error %d\n", -r);
    }
    fs_unlock();
    return mounted > 0 ? 0 : mounted;
}

void fsys_sync_all(void)
{
    if (mounted <= 0)
        return;
    fs_lock();
    /* Commit, then empty the log: commit() has already written every committed block
     * home, so the next mount finds a clean journal and replays nothing. */
    if (fsys_commit() == 0 && !failed && !ro && journal_checkpoint(&jnl) < 0)
        fail("checkpoint failed");
    fs_unlock();
}

int fsys_mode(void) { return mode; }
bool fsys_readonly(void) { return ro || failed; }
uint64_t fsys_commits(void) { return commits; }
