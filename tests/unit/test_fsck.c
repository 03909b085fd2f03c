/* Unit tests of fsck (guest/fs/tools/check*.c): a small tree is built with the shared fs
 * code, found clean, then broken one way at a time; each corruption must be named, give the
 * e2fsck exit code, and, where fsck repairs it (-y), leave an image that checks clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "guest/fs/tools/check.h"

static struct image im;
static struct fs fs;
static char path[64];
static uint32_t ia, id, ib, ie, ibig;   /* /a, /d, /d/b, /d/e, /big; /d/a2 is a link to /a */
static char out[1 << 16];

static uint32_t create(uint32_t dir, const char *name, uint16_t mode, const char *data, uint64_t off)
{
    uint32_t inum;
    struct fs_dinode d;
    assert_int_equal(fs_create(&fs, dir, name, strlen(name), mode, &inum), 0);
    if (data) {
        assert_int_equal(fs_iread(&fs, inum, &d), 0);
        assert_int_equal(fs_write(&fs, inum, &d, off, data, strlen(data)), strlen(data));
    }
    return inum;
}

static int setup(void **state)
{
    static char text[10000];
    strcpy(path, "/tmp/test_fsck.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(image_create(&im, path, 2048 * FS_BLOCK_SIZE), 0);
    assert_int_equal(fs_format(&im, 64, 32), 0);
    assert_int_equal(fs_mount(&fs, &image_cache_ops, &im, im.dev.nblocks), 0);
    memset(text, 'x', sizeof text - 1);
    ia = create(FS_ROOT_INUM, "a", FS_S_IFREG | 0644, text, 0);
    id = create(FS_ROOT_INUM, "d", FS_S_IFDIR | 0755, NULL, 0);
    ib = create(id, "b", FS_S_IFREG | 0644, "bee", 0);
    ie = create(id, "e", FS_S_IFDIR | 0755, NULL, 0);
    ibig = create(FS_ROOT_INUM, "big", FS_S_IFREG | 0644, "indirect", 14 * FS_BLOCK_SIZE);
    assert_int_equal(fs_link(&fs, id, "a2", 2, ia), 0);
    return 0;
}

static int teardown(void **state)
{
    image_close(&im);
    unlink(path);
    return 0;
}

/* Runs fsck on the image; its report is in out. */
static int fsck(bool fix, bool replay, bool readonly)
{
    struct fsck_opts o = { .fix = fix, .replay = replay || fix, .readonly = readonly };
    out[0] = 0;
    o.out = fmemopen(out, sizeof out, "w");
    int rc = fsck_check(&im, &o);
    fclose(o.out);
    printf("%s", out);
    return rc;
}

/* fsck names the problem and leaves it; then -y repairs it and the image checks clean. */
static void found_then_fixed(const char *problem)
{
    assert_int_equal(fsck(false, false, false), FSCK_UNCORRECTED);
    assert_non_null(strstr(out, problem));
    assert_int_equal(fsck(true, false, false), FSCK_FIXED);
    assert_non_null(strstr(out, "(fixed)"));
    assert_int_equal(fsck(false, false, false), FSCK_OK);
}

static void found_not_fixable(const char *problem)
{
    assert_int_equal(fsck(true, false, false), FSCK_UNCORRECTED);
    assert_non_null(strstr(out, problem));
}

static struct fs_dinode inode(uint32_t inum)
{
    struct fs_dinode d;
    assert_int_equal(fs_iread(&fs, inum, &d), 0);
    return d;
}

static void put_inode(uint32_t inum, const struct fs_dinode *d)
{
    assert_int_equal(fs_iwrite(&fs, inum, d), 0);
}

static void flip_bit(uint32_t start, uint32_t bit)
{
    uint8_t b[FS_BLOCK_SIZE];
    uint32_t bno = start + bit / (FS_BLOCK_SIZE * 8);
    assert_int_equal(im.dev.read(&im.dev, bno, b), 0);
    b[(bit % (FS_BLOCK_SIZE * 8)) / 8] ^= 1u << (bit % 8);
    assert_int_equal(im.dev.write(&im.dev, bno, b), 0);
}

static void built_tree_is_clean(void **state)
{
    assert_int_equal(fsck(false, false, false), FSCK_OK);
    assert_int_equal(inode(ia).nlink, 2);
    assert_int_equal(inode(id).nlink, 3);      /* '.', its entry in /, '..' of /d/e */
    assert_int_not_equal(inode(ibig).indirect, 0);
}

static void leaked_block(void **state)
{
    flip_bit(fs.sb.block_bitmap_start, fs.sb.nblocks - 3);
    found_then_fixed("marked in the block bitmap but unused (leak)");
}

static void used_block_free_in_bitmap(void **state)
{
    flip_bit(fs.sb.block_bitmap_start, inode(ia).direct[1]);
    found_then_fixed("but free in the block bitmap");
}

static void block_used_twice(void **state)
{
    struct fs_dinode b = inode(ib);
    b.direct[0] = inode(ia).direct[0];
    put_inode(ib, &b);
    found_not_fixable("used twice");
}

static void block_pointer_out_of_range(void **state)
{
    struct fs_dinode a = inode(ia);
    a.direct[2] = fs.sb.nblocks + 7;
    put_inode(ia, &a);
    found_not_fixable("out of range");
    a.direct[2] = 3;                            /* inside the journal */
    put_inode(ia, &a);
    found_not_fixable("block pointer 3 out of range");
}

static void block_mapped_past_size(void **state)
{
    struct fs_dinode a = inode(ia);
    a.size = 100;
    put_inode(ia, &a);
    found_not_fixable("mapped past its size");
}

static void wrong_link_count(void **state)
{
    struct fs_dinode a = inode(ia);
    a.nlink = 3;
    put_inode(ia, &a);
    found_then_fixed("link count 3, but 2 directory entries name it");
    assert_int_equal(inode(ia).nlink, 2);
}

static void directory_without_dot(void **state)
{
    struct fs_dinode d = inode(id);
    uint8_t blk[FS_BLOCK_SIZE];
    im.dev.read(&im.dev, d.direct[0], blk);
    memset(blk, 0, sizeof(struct fs_dirent));
    im.dev.write(&im.dev, d.direct[0], blk);
    found_not_fixable("no '.' entry");
}

static void dotdot_names_the_wrong_parent(void **state)
{
    struct fs_dinode e = inode(ie);
    uint8_t blk[FS_BLOCK_SIZE];
    im.dev.read(&im.dev, e.direct[0], blk);
    ((struct fs_dirent *)(void *)blk)[1].inum = FS_ROOT_INUM;
    im.dev.write(&im.dev, e.direct[0], blk);
    assert_int_equal(fsck(false, false, false), FSCK_UNCORRECTED);
    assert_non_null(strstr(out, "directory 5: '..' names inode 1, not 3"));
    assert_int_equal(fsck(true, false, false), FSCK_FIXED);
    assert_int_equal(fsck(false, false, false), FSCK_OK);
}

static void entry_naming_a_free_inode(void **state)
{
    struct fs_dinode root = inode(FS_ROOT_INUM);
    assert_int_equal(fs_dirlink(&fs, FS_ROOT_INUM, &root, "ghost", 5, 40, FS_DT_REG), 0);
    found_then_fixed("entry 'ghost' names free inode 40");
}

static void unreachable_inode(void **state)
{
    uint32_t inum;
    assert_int_equal(fs_ialloc(&fs, FS_S_IFREG | 0644, &inum), 0);
    struct fs_dinode d = inode(inum);
    d.nlink = 1;
    put_inode(inum, &d);
    found_not_fixable("allocated but unreachable");
}

static void inode_bitmap_disagrees(void **state)
{
    flip_bit(fs.sb.inode_bitmap_start, ib);
    flip_bit(fs.sb.inode_bitmap_start, 50);
    assert_int_equal(fsck(false, false, false), FSCK_UNCORRECTED);
    assert_non_null(strstr(out, "in use but free in the inode bitmap"));
    assert_non_null(strstr(out, "inode 50: marked in the inode bitmap but free"));
    assert_int_equal(fsck(true, false, false), FSCK_FIXED);
    assert_int_equal(fsck(false, false, false), FSCK_OK);
}

static void hard_link_to_a_directory(void **state)
{
    struct fs_dinode root = inode(FS_ROOT_INUM);
    assert_int_equal(fs_dirlink(&fs, FS_ROOT_INUM, &root, "e2", 2, ie, FS_DT_DIR), 0);
    found_not_fixable("second parent");
    uint32_t parent;
    struct fs_dinode e = inode(ie);
    assert_int_equal(fs_dirlookup(&fs, &e, "..", 2, &parent, NULL), 0);
    assert_int_equal(parent, id);               /* -y did not "fix" the right '..' */
}

static void bad_superblock_is_an_operational_error(void **state)
{
    uint8_t blk[FS_BLOCK_SIZE];
    im.dev.read(&im.dev, 0, blk);
    blk[12] ^= 1;                               /* nblocks: the checksum no longer matches */
    im.dev.write(&im.dev, 0, blk);
    assert_int_equal(fsck(true, false, false), FSCK_OPERATIONAL);
    assert_non_null(strstr(out, "superblock checksum mismatch"));
    blk[12] ^= 1;
    blk[0] ^= 1;
    im.dev.write(&im.dev, 0, blk);
    assert_int_equal(fsck(false, false, false), FSCK_OPERATIONAL);
    assert_non_null(strstr(out, "bad magic number"));
}

static void corrupt_journal_superblock(void **state)
{
    flip_bit(fs.sb.journal_start, 200);
    found_then_fixed("journal: superblock corrupt");
}

/* The on-disk inode of /a says nlink 5, but a committed transaction holds the right block:
 * without -r fsck checks the recovered state in memory and leaves the file alone; -r
 * replays it for good. */
static void pending_journal_is_checked_as_recovered(void **state)
{
    static uint8_t scratch[FS_BLOCK_SIZE], good[FS_BLOCK_SIZE];
    uint32_t itb = fs.sb.inode_table_start + ia / FS_INODES_PER_BLOCK;
    struct journal j;
    struct journal_entry e[1];
    struct journal_txn t;
    im.dev.read(&im.dev, itb, good);
    assert_int_equal(journal_open(&j, &im.dev, &fs.sb, scratch), 0);
    journal_txn_init(&t, e, 1, NULL, 0);
    assert_int_equal(journal_txn_log(&t, &j, itb, good), 0);
    assert_int_equal(journal_commit(&j, &t), 0);
    struct fs_dinode a = inode(ia);
    a.nlink = 5;
    put_inode(ia, &a);
    assert_int_equal(fsck(false, false, true), FSCK_OK);
    assert_non_null(strstr(out, "needs recovery: would replay 1 transaction"));
    assert_int_equal(inode(ia).nlink, 5);       /* -n wrote nothing */
    assert_int_equal(fsck(false, true, false), FSCK_FIXED);
    assert_non_null(strstr(out, "replayed 1 transaction"));
    assert_int_equal(inode(ia).nlink, 2);
    assert_int_equal(fsck(false, false, false), FSCK_OK);
}

static void verbose_prints_the_transactions(void **state)
{
    static uint8_t scratch[FS_BLOCK_SIZE], blk[FS_BLOCK_SIZE];
    struct journal j;
    struct journal_entry e[1];
    struct journal_txn t;
    uint32_t rev = inode(ibig).direct[0] ? inode(ibig).direct[0] : inode(ia).direct[0];
    im.dev.read(&im.dev, fs.sb.block_bitmap_start, blk);
    assert_int_equal(journal_open(&j, &im.dev, &fs.sb, scratch), 0);
    journal_txn_init(&t, e, 1, &rev, 1);
    t.nrevokes = 1;
    assert_int_equal(journal_txn_log(&t, &j, fs.sb.block_bitmap_start, blk), 0);
    assert_int_equal(journal_commit(&j, &t), 0);
    journal_txn_init(&t, e, 1, NULL, 0);
    assert_int_equal(journal_txn_log(&t, &j, fs.sb.block_bitmap_start, blk), 0);
    assert_int_equal(journal_commit(&j, &t), 0);
    flip_bit(fs.sb.journal_start, (j.head - 1) * FS_BLOCK_SIZE * 8 + 9999);  /* tear the 2nd */
    struct fsck_opts o = { .verbose = true, .readonly = true };
    out[0] = 0;
    o.out = fmemopen(out, sizeof out, "w");
    assert_int_equal(fsck_check(&im, &o), FSCK_OK);
    fclose(o.out);
    printf("%s", out);
    assert_non_null(strstr(out, "transaction 1 at log block 1: 4 log blocks, 1 logged, 1 revoked, commit checksum ok"));
    assert_non_null(strstr(out, "transaction 2 at log block 5: 3 log blocks, 1 logged, 0 revoked, commit checksum BAD"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(built_tree_is_clean),
        T(leaked_block),
        T(used_block_free_in_bitmap),
        T(block_used_twice),
        T(block_pointer_out_of_range),
        T(block_mapped_past_size),
        T(wrong_link_count),
        T(directory_without_dot),
        T(dotdot_names_the_wrong_parent),
        T(entry_naming_a_free_inode),
        T(unreachable_inode),
        T(inode_bitmap_disagrees),
        T(hard_link_to_a_directory),
        T(bad_superblock_is_an_operational_error),
        T(corrupt_journal_superblock),
        T(pending_journal_is_checked_as_recovered),
        T(verbose_prints_the_transactions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
