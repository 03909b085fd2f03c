/* Unit tests of the journal (guest/fs/journal.c, recovery.c) on temporary images: commit and
 * replay, revoke, rejection of torn and uncommitted transactions, escaping, wrap-around,
 * hostile logs, and idempotence (a crash at every write of a recovery, then recovery again,
 * gives the same image as one clean recovery). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "guest/fs/tools/image.h"

#define NBLOCKS 1024u

static struct image im;
static struct fs_superblock sb;
static struct journal j;
static uint8_t scratch[FS_BLOCK_SIZE];
static char path[] = "/tmp/test_journal.XXXXXX";

/* A device over the image that loses power after `left` more writes: later writes fail. */
struct crashdev {
    struct fs_blockdev dev;
    long left;
    long writes;
};

static int cd_read(struct fs_blockdev *d, uint32_t b, void *buf)
{
    return im.dev.read(&im.dev, b, buf);
}

static int cd_write(struct fs_blockdev *d, uint32_t b, const void *buf)
{
    struct crashdev *c = d->ctx;
    if (c->left == 0)
        return -FS_EIO;
    c->left--;
    c->writes++;
    return im.dev.write(&im.dev, b, buf);
}

static int cd_flush(struct fs_blockdev *d)
{
    return 0;       /* the image file needs none; the cut comes at the next write */
}

static struct crashdev crashdev(long left)
{
    struct crashdev c = { { cd_read, cd_write, cd_flush, NBLOCKS, NULL }, left, 0 };
    return c;
}

static void make_image(uint32_t nblocks, uint32_t jblocks)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(image_create(&im, path, (uint64_t)nblocks * FS_BLOCK_SIZE), 0);
    assert_int_equal(fs_format(&im, 64, jblocks), 0);
    assert_int_equal(im.dev.read(&im.dev, 0, scratch), 0);
    memcpy(&sb, scratch, sizeof sb);
    assert_int_equal(journal_open(&j, &im.dev, &sb, scratch), 0);
}

static int setup(void **state)
{
    strcpy(path, "/tmp/test_journal.XXXXXX");
    make_image(NBLOCKS, 32);
    return 0;
}

static int teardown(void **state)
{
    image_close(&im);
    unlink(path);
    return 0;
}

static uint8_t blocks[16][FS_BLOCK_SIZE];

/* A block of one repeated byte. */
static const void *pattern(int slot, uint8_t v)
{
    memset(blocks[slot], v, FS_BLOCK_SIZE);
    return blocks[slot];
}

static uint8_t home_byte(uint32_t home)
{
    uint8_t b[FS_BLOCK_SIZE];
    assert_int_equal(im.dev.read(&im.dev, home, b), 0);
    return b[100];
}

/* Commits one transaction logging homes[i] = v (and revoking rev[]). */
static void commit(const uint32_t *homes, int n, uint8_t v, const uint32_t *rev, int nrev)
{
    struct journal_entry e[16];
    uint32_t r[16];
    struct journal_txn t;
    journal_txn_init(&t, e, 16, r, 16);
    for (int i = 0; i < n; i++)
        assert_int_equal(journal_txn_log(&t, &j, homes[i], pattern(i, v)), 0);
    for (int i = 0; i < nrev; i++)
        assert_int_equal(journal_txn_revoke(&t, &j, rev[i]), 0);
    assert_int_equal(journal_commit(&j, &t), 0);
}

/* Reopens the journal (as a mount would) and recovers it. */
static struct journal_recovery recover(void)
{
    static uint8_t mem[3 * FS_BLOCK_SIZE];
    struct journal_recovery r;
    assert_int_equal(journal_open(&j, &im.dev, &sb, scratch), 0);
    assert_int_equal(journal_recover(&j, mem, sizeof mem, &r), 0);
    assert_false(journal_needs_recovery(&j));
    return r;
}

static uint32_t D(int i)      /* a data block */
{
    return sb.data_start + 10 + (uint32_t)i;
}

static void committed_transaction_is_replayed(void **state)
{
    uint32_t h[2] = { D(0), D(1) };
    commit(h, 2, 0xab, NULL, 0);
    assert_int_equal(home_byte(D(0)), 0);       /* committed, not installed */
    struct journal_recovery r = recover();
    assert_int_equal(r.transactions, 1);
    assert_int_equal(r.replayed, 2);
    assert_int_equal(home_byte(D(0)), 0xab);
    assert_int_equal(home_byte(D(1)), 0xab);
    assert_int_equal(journal_open(&j, &im.dev, &sb, scratch), 0);
    assert_false(journal_needs_recovery(&j));   /* the log was marked empty */
}

static void clean_journal_recovers_to_nothing(void **state)
{
    uint64_t writes = im.writes;
    struct journal_recovery r = recover();
    assert_int_equal(r.transactions, 0);
    assert_int_equal(im.writes, writes);
}

static void later_transaction_wins(void **state)
{
    uint32_t h[1] = { D(0) };
    commit(h, 1, 0x11, NULL, 0);
    commit(h, 1, 0x22, NULL, 0);
    struct journal_recovery r = recover();
    assert_int_equal(r.transactions, 2);
    assert_int_equal(home_byte(D(0)), 0x22);
}

static void revoke_stops_replay_of_older_copies(void **state)
{
    uint32_t h[2] = { D(0), D(1) }, rev[1] = { D(0) };
    assert_int_equal(im.dev.write(&im.dev, D(0), pattern(15, 0x77)), 0);  /* new owner's data */
    commit(h, 2, 0x11, NULL, 0);
    commit(NULL, 0, 0, rev, 1);
    struct journal_recovery r = recover();
    assert_int_equal(r.revoked, 1);
    assert_int_equal(home_byte(D(0)), 0x77);
    assert_int_equal(home_byte(D(1)), 0x11);
}

static void revoke_does_not_stop_a_later_copy(void **state)
{
    uint32_t h[1] = { D(0) };
    commit(h, 1, 0x11, NULL, 0);
    commit(NULL, 0, 0, h, 1);
    commit(h, 1, 0x33, NULL, 0);
    recover();
    assert_int_equal(home_byte(D(0)), 0x33);
}

static void revoke_covers_its_own_transaction_and_logging_cancels_it(void **state)
{
    struct journal_entry e[4];
    uint32_t r[4];
    struct journal_txn t;
    journal_txn_init(&t, e, 4, r, 4);
    assert_int_equal(journal_txn_log(&t, &j, D(0), pattern(0, 1)), 0);
    assert_int_equal(journal_txn_revoke(&t, &j, D(0)), 0);
    assert_int_equal(t.nblocks, 0);             /* freed: no copy left to log */
    assert_int_equal(journal_txn_log(&t, &j, D(0), pattern(0, 2)), 0);
    assert_int_equal(t.nrevokes, 0);            /* reused: the revoke is cancelled */
    assert_int_equal(journal_txn_log(&t, &j, D(0), pattern(1, 3)), 0);
    assert_int_equal(t.nblocks, 1);             /* absorbed: one copy per block */
    assert_int_equal(journal_txn_log(&t, &j, sb.journal_start + 2, pattern(2, 3)), -FS_EINVAL);
    assert_int_equal(journal_txn_log(&t, &j, NBLOCKS, pattern(2, 3)), -FS_EINVAL);
}

/* Byte offset in the image of journal-relative log block pos. */
static void corrupt_log_block(uint32_t pos, size_t at)
{
    uint8_t b[FS_BLOCK_SIZE];
    assert_int_equal(im.dev.read(&im.dev, sb.journal_start + pos, b), 0);
    b[at] ^= 0x40;
    assert_int_equal(im.dev.write(&im.dev, sb.journal_start + pos, b), 0);
}

static void torn_transaction_ends_the_scan(void **state)
{
    uint32_t a[1] = { D(0) }, b[1] = { D(1) }, c[1] = { D(2) };
    commit(a, 1, 0x11, NULL, 0);    /* log blocks 1-3 */
    commit(b, 1, 0x22, NULL, 0);    /* 4-6: its copy gets one flipped bit */
    commit(c, 1, 0x33, NULL, 0);    /* 7-9: valid, but after the tear */
    corrupt_log_block(5, 2000);
    struct journal_recovery r = recover();
    assert_int_equal(r.transactions, 1);
    assert_int_equal(home_byte(D(0)), 0x11);
    assert_int_equal(home_byte(D(1)), 0);
    assert_int_equal(home_byte(D(2)), 0);
    assert_int_equal(j.next_seq, 3);            /* the torn one's number is not reused */
}

static void corrupt_commit_or_descriptor_is_rejected(void **state)
{
    uint32_t a[1] = { D(0) };
    commit(a, 1, 0x11, NULL, 0);
    corrupt_log_block(3, 3000);                 /* the commit block, outside its fields */
    assert_int_equal(recover().transactions, 0);
    assert_int_equal(home_byte(D(0)), 0);
    commit(a, 1, 0x22, NULL, 0);
    corrupt_log_block(j.head - 3, 1000);        /* its descriptor, past the tags */
    assert_int_equal(recover().transactions, 0);
    assert_int_equal(home_byte(D(0)), 0);
}

static void transaction_without_commit_is_not_replayed(void **state)
{
    uint32_t a[1] = { D(0) }, b[1] = { D(1) };
    commit(a, 1, 0x11, NULL, 0);
    struct journal_entry e[1];
    struct journal_txn t;
    journal_txn_init(&t, e, 1, NULL, 0);
    assert_int_equal(journal_txn_log(&t, &j, b[0], pattern(0, 0x22)), 0);
    struct crashdev cd = crashdev(2);           /* descriptor and copy; the commit is lost */
    cd.dev.ctx = &cd;
    j.dev = &cd.dev;
    assert_int_equal(journal_commit(&j, &t), -FS_EIO);
    struct journal_recovery r = recover();
    assert_int_equal(r.transactions, 1);
    assert_int_equal(home_byte(D(0)), 0x11);
    assert_int_equal(home_byte(D(1)), 0);
}

/* A power cut after every possible number of writes of a commit: recovery gives all of the
 * transaction or none of it, and all of it exactly when every write was done. */
static void commit_is_atomic_at_every_crash_point(void **state)
{
    for (long n = 0; n <= 6; n++) {
        teardown(state);
        setup(state);
        uint32_t a[2] = { D(0), D(1) };
        struct journal_entry e[2];
        struct journal_txn t;
        journal_txn_init(&t, e, 2, NULL, 0);
        journal_txn_log(&t, &j, a[0], pattern(0, 0x55));
        journal_txn_log(&t, &j, a[1], pattern(1, 0x55));
        struct crashdev cd = crashdev(n);       /* writes: jsuper, desc, 2 copies, commit */
        cd.dev.ctx = &cd;
        j.dev = &cd.dev;
        int err = journal_commit(&j, &t);
        recover();
        uint8_t x = home_byte(D(0)), y = home_byte(D(1));
        assert_int_equal(x, y);
        assert_int_equal(x == 0x55, n >= 5);
        assert_int_equal(err == 0, n >= 5);
    }
}

static void copy_starting_with_the_magic_is_escaped(void **state)
{
    uint8_t data[FS_BLOCK_SIZE], logged[FS_BLOCK_SIZE], back[FS_BLOCK_SIZE];
    uint32_t magic = FS_JOURNAL_MAGIC, seq = 1;
    memset(data, 0x5a, sizeof data);
    memcpy(data, &magic, 4);
    memcpy(data + 8, &seq, 4);                  /* it even looks like a header of seq 1 */
    struct journal_entry e[1];
    struct journal_txn t;
    journal_txn_init(&t, e, 1, NULL, 0);
    assert_int_equal(journal_txn_log(&t, &j, D(3), data), 0);
    assert_int_equal(journal_commit(&j, &t), 0);
    assert_int_equal(im.dev.read(&im.dev, sb.journal_start + 2, logged), 0);
    assert_int_equal(memcmp(logged, "\0\0\0\0", 4), 0);
    assert_int_equal(memcmp(logged + 4, data + 4, FS_BLOCK_SIZE - 4), 0);
    recover();
    assert_int_equal(im.dev.read(&im.dev, D(3), back), 0);
    assert_memory_equal(back, data, FS_BLOCK_SIZE);
}

/* Transactions of 4 log blocks in a 31-block log, checkpointed as they go, so that later
 * ones straddle the end of the log (13 * 4 mod 31 = 21: the last three start at log block
 * 22); those three are not checkpointed and must replay. */
static void log_wraps_around(void **state)
{
    uint32_t h[2] = { D(0), D(1) };
    for (int i = 1; i <= 16; i++) {
        struct journal_entry e[2];
        struct journal_txn t;
        journal_txn_init(&t, e, 2, NULL, 0);
        journal_txn_log(&t, &j, h[0], pattern(0, (uint8_t)i));
        journal_txn_log(&t, &j, h[1], pattern(1, (uint8_t)i));
        assert_int_equal(journal_commit(&j, &t), 0);
        if (i <= 13) {
            assert_int_equal(journal_install(&j, &t), 0);
            assert_int_equal(journal_checkpoint(&j), 0);
        }
    }
    assert_true(j.head < j.tail);               /* the live log wraps */
    struct journal_recovery r = recover();
    assert_int_equal(r.transactions, 3);
    assert_int_equal(home_byte(D(0)), 16);
    assert_int_equal(home_byte(D(1)), 16);
}

static void full_log_refuses_until_checkpoint(void **state)
{
    uint32_t h[1] = { D(0) };
    struct journal_entry e[1];
    struct journal_txn t;
    int n = 0;
    for (;; n++) {
        journal_txn_init(&t, e, 1, NULL, 0);
        journal_txn_log(&t, &j, h[0], pattern(0, 9));
        if (!journal_txn_room(&t, &j, 0, 0)) {
            assert_int_equal(journal_commit(&j, &t), -FS_ENOSPC);
            break;
        }
        assert_int_equal(journal_commit(&j, &t), 0);
    }
    assert_int_equal(n, 10);                    /* 30 usable blocks / 3 per transaction */
    assert_int_equal(journal_install(&j, &t), 0);
    assert_int_equal(journal_checkpoint(&j), 0);
    assert_int_equal(journal_commit(&j, &t), 0);
}

/* Rewrites transaction 1 (log blocks 1-3) with descriptor desc and a matching checksum. */
static void forge(const uint8_t *desc)
{
    uint8_t copy[FS_BLOCK_SIZE], cb[FS_BLOCK_SIZE];
    uint32_t jb = sb.journal_start;
    im.dev.read(&im.dev, jb + 2, copy);
    im.dev.read(&im.dev, jb + 3, cb);
    struct fs_jcommit *c = (struct fs_jcommit *)(void *)cb;
    c->checksum = 0;
    uint32_t crc = crc32c(crc32c(0, desc, FS_BLOCK_SIZE), copy, FS_BLOCK_SIZE);
    c->checksum = crc32c(crc, cb, FS_BLOCK_SIZE);
    im.dev.write(&im.dev, jb + 1, desc);
    im.dev.write(&im.dev, jb + 3, cb);
}

/* Logs whose checksums are right but whose descriptor names a block inside the journal or
 * claims more tags than fit (a hostile image): the scan stops and nothing is replayed. */
static void hostile_descriptor_is_refused_despite_checksum(void **state)
{
    uint32_t h[1] = { D(0) };
    uint8_t desc[FS_BLOCK_SIZE];
    struct fs_jdescriptor *d = (struct fs_jdescriptor *)(void *)desc;
    commit(h, 1, 0x11, NULL, 0);
    im.dev.read(&im.dev, sb.journal_start + 1, desc);
    d->tags[0].blockno = sb.journal_start + 5;
    forge(desc);
    uint64_t writes = im.writes;
    assert_int_equal(recover().transactions, 0);
    assert_int_equal(im.writes, writes + 1);    /* only the journal superblock */
    teardown(state);                            /* a fresh log, the transaction at 1-3 */
    setup(state);
    commit(h, 1, 0x11, NULL, 0);
    im.dev.read(&im.dev, sb.journal_start + 1, desc);
    d->ntags = 100000;
    forge(desc);
    assert_int_equal(recover().transactions, 0);
    assert_int_equal(home_byte(D(0)), 0);
}

static void transaction_larger_than_one_descriptor(void **state)
{
    teardown(state);
    strcpy(path, "/tmp/test_journal.XXXXXX");
    make_image(2048, 700);
    enum { N = 600 };
    static struct journal_entry e[N];
    struct journal_txn t;
    journal_txn_init(&t, e, N, NULL, 0);
    static uint8_t blk[N][FS_BLOCK_SIZE];
    for (int i = 0; i < N; i++) {
        memset(blk[i], (uint8_t)(i * 7 + 1), FS_BLOCK_SIZE);
        assert_int_equal(journal_txn_log(&t, &j, sb.data_start + (uint32_t)i, blk[i]), 0);
    }
    assert_int_equal(journal_txn_log_blocks(&t), 2 + N + 1);
    assert_int_equal(journal_commit(&j, &t), 0);
    struct journal_recovery r = recover();
    assert_int_equal(r.replayed, N);
    for (int i = 0; i < N; i += 37)
        assert_int_equal(home_byte(sb.data_start + (uint32_t)i), (uint8_t)(i * 7 + 1));
}

static uint8_t *read_image(void)
{
    uint8_t *all = malloc((size_t)NBLOCKS * FS_BLOCK_SIZE);
    for (uint32_t b = 0; b < NBLOCKS; b++)
        assert_int_equal(im.dev.read(&im.dev, b, all + (size_t)b * FS_BLOCK_SIZE), 0);
    return all;
}

static void write_image(const uint8_t *all)
{
    for (uint32_t b = 0; b < NBLOCKS; b++)
        assert_int_equal(im.dev.write(&im.dev, b, all + (size_t)b * FS_BLOCK_SIZE), 0);
}

/* Recovery crashed after n writes, then recovered again, equals one recovery, for every n;
 * and a second recovery of a recovered journal changes nothing. */
static void recovery_is_idempotent_at_every_crash_point(void **state)
{
    uint32_t a[3] = { D(0), D(1), D(2) }, rev[1] = { D(1) };
    commit(a, 3, 0x11, NULL, 0);
    commit(a, 2, 0x22, rev, 1);
    commit(a + 2, 1, 0x33, NULL, 0);
    uint8_t *before = read_image();
    recover();
    uint8_t *once = read_image();
    recover();
    uint8_t *twice = read_image();
    assert_memory_equal(once, twice, (size_t)NBLOCKS * FS_BLOCK_SIZE);
    static uint8_t mem[3 * FS_BLOCK_SIZE];
    int points = 0;
    for (long n = 0;; n++, points++) {
        write_image(before);
        struct crashdev cd = crashdev(n);
        cd.dev.ctx = &cd;
        assert_int_equal(journal_open(&j, &cd.dev, &sb, scratch), 0);
        int err = journal_recover(&j, mem, sizeof mem, NULL);
        recover();
        uint8_t *after = read_image();
        assert_memory_equal(after, once, (size_t)NBLOCKS * FS_BLOCK_SIZE);
        free(after);
        if (err == 0)
            break;
    }
    printf("recovery crashed at %d points, each recovered to the same image\n", points);
    assert_int_equal(points, 5);    /* 4 copies (one revoked), then the journal superblock */
    free(before), free(once), free(twice);
}

static void recovery_needs_memory_for_revokes(void **state)
{
    uint32_t a[1] = { D(0) };
    commit(a, 1, 0x11, NULL, 0);
    commit(NULL, 0, 0, a, 1);
    static uint8_t mem[2 * FS_BLOCK_SIZE];
    assert_int_equal(journal_open(&j, &im.dev, &sb, scratch), 0);
    assert_int_equal(journal_recover(&j, mem, sizeof mem, NULL), -FS_ENOMEM);
    assert_true(journal_needs_recovery(&j));
    recover();
    assert_int_equal(home_byte(D(0)), 0);
}

static void corrupt_journal_superblock_is_refused(void **state)
{
    corrupt_log_block(0, 20);
    assert_int_equal(journal_open(&j, &im.dev, &sb, scratch), -FS_EUCLEAN);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(committed_transaction_is_replayed),
        T(clean_journal_recovers_to_nothing),
        T(later_transaction_wins),
        T(revoke_stops_replay_of_older_copies),
        T(revoke_does_not_stop_a_later_copy),
        T(revoke_covers_its_own_transaction_and_logging_cancels_it),
        T(torn_transaction_ends_the_scan),
        T(corrupt_commit_or_descriptor_is_rejected),
        T(transaction_without_commit_is_not_replayed),
        T(commit_is_atomic_at_every_crash_point),
        T(copy_starting_with_the_magic_is_escaped),
        T(log_wraps_around),
        T(full_log_refuses_until_checkpoint),
        T(hostile_descriptor_is_refused_despite_checksum),
        T(transaction_larger_than_one_descriptor),
        T(recovery_is_idempotent_at_every_crash_point),
        T(recovery_needs_memory_for_revokes),
        T(corrupt_journal_superblock_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
