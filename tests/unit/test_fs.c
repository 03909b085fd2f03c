/* Unit tests of the shared file-system core (guest/fs/fs.c, dir.c) on a temporary image:
 * a 64 MiB file through the double-indirect block, truncate, hard links, unlink, rename
 * (over a file, of a directory to a new parent, into itself), orphans; after each, fsck
 * must find the image clean. */
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

static int setup(void **state)
{
    strcpy(path, "/tmp/test_fs.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(image_create(&im, path, 80ull << 20), 0);
    assert_int_equal(fs_format(&im, 256, 64), 0);
    assert_int_equal(fs_mount(&fs, &image_cache_ops, &im, im.dev.nblocks), 0);
    return 0;
}

static int teardown(void **state)
{
    image_close(&im);
    unlink(path);
    return 0;
}

static void assert_clean(void)
{
    static char out[1 << 14];
    struct fsck_opts o = { .readonly = true };
    out[0] = 0;
    o.out = fmemopen(out, sizeof out, "w");
    int rc = fsck_check(&im, &o);
    fclose(o.out);
    printf("%s", out);
    assert_int_equal(rc, FSCK_OK);
}

static uint32_t mk(uint32_t dir, const char *name, uint16_t mode)
{
    uint32_t inum;
    assert_int_equal(fs_create(&fs, dir, name, strlen(name), mode, &inum), 0);
    return inum;
}

static struct fs_dinode ino(uint32_t inum)
{
    struct fs_dinode d;
    assert_int_equal(fs_iread(&fs, inum, &d), 0);
    return d;
}

static uint32_t lookup(uint32_t dir, const char *name)
{
    struct fs_dinode d = ino(dir);
    uint32_t inum = 0;
    int err = fs_dirlookup(&fs, &d, name, strlen(name), &inum, NULL);
    return err == 0 ? inum : 0;
}

/* Free data blocks, counted from the bitmap. */
static uint32_t free_blocks(void)
{
    uint8_t b[FS_BLOCK_SIZE];
    uint32_t n = 0;
    for (uint32_t i = fs.sb.data_start; i < fs.sb.nblocks; i++) {
        if (i % (FS_BLOCK_SIZE * 8) == 0 || i == fs.sb.data_start)
            im.dev.read(&im.dev, fs.sb.block_bitmap_start + i / (FS_BLOCK_SIZE * 8), b);
        n += !(b[(i % (FS_BLOCK_SIZE * 8)) / 8] & (1u << (i % 8)));
    }
    return n;
}

static void file_of_64_mib_round_trips_then_truncates(void **state)
{
    enum { CHUNK = 1 << 20, MIB = 64 };
    uint32_t before = free_blocks(), inum = mk(FS_ROOT_INUM, "big", FS_S_IFREG | 0644);
    struct fs_dinode d = ino(inum);
    uint8_t *buf = malloc(CHUNK), *back = malloc(CHUNK);
    for (int m = 0; m < MIB; m++) {
        memset(buf, m + 1, CHUNK);
        assert_int_equal(fs_write(&fs, inum, &d, (uint64_t)m * CHUNK, buf, CHUNK), CHUNK);
    }
    assert_int_equal(d.size, (uint64_t)MIB << 20);
    assert_int_not_equal(d.dindirect, 0);
    for (int m = 0; m < MIB; m += 9) {
        memset(buf, m + 1, CHUNK);
        assert_int_equal(fs_read(&fs, &d, (uint64_t)m * CHUNK, back, CHUNK), CHUNK);
        assert_memory_equal(back, buf, CHUNK);
    }
    assert_clean();
    assert_int_equal(fs_truncate(&fs, inum, &d, 5000), 0);
    assert_int_equal(d.dindirect, 0);
    assert_int_equal(d.indirect, 0);
    assert_int_equal(free_blocks(), before - 2);     /* two blocks hold 5000 bytes */
    assert_int_equal(fs_truncate(&fs, inum, &d, 3 * FS_BLOCK_SIZE), 0);
    assert_int_equal(fs_read(&fs, &d, 4990, back, 20), 20);
    assert_int_equal(back[9], 1);
    assert_int_equal(back[10], 0);                   /* past the old end: zeros */
    assert_clean();
    free(buf), free(back);
}

static void hard_links_and_unlink(void **state)
{
    uint32_t f = mk(FS_ROOT_INUM, "f", FS_S_IFREG | 0644), d = mk(FS_ROOT_INUM, "d", FS_S_IFDIR | 0755);
    uint32_t victim;
    assert_int_equal(fs_link(&fs, d, "g", 1, f), 0);
    assert_int_equal(ino(f).nlink, 2);
    assert_int_equal(fs_link(&fs, FS_ROOT_INUM, "d2", 2, d), -FS_EISDIR);
    assert_int_equal(fs_create(&fs, FS_ROOT_INUM, "f", 1, FS_S_IFREG, &victim), -FS_EEXIST);
    assert_clean();
    assert_int_equal(fs_unlink(&fs, FS_ROOT_INUM, "d", 1, &victim), -FS_ENOTEMPTY);
    assert_int_equal(fs_unlink(&fs, FS_ROOT_INUM, "f", 1, &victim), 0);
    assert_int_equal(victim, 0);
    assert_int_equal(fs_unlink(&fs, d, "g", 1, &victim), 0);
    assert_int_equal(victim, f);
    assert_int_equal(fs_ifree(&fs, f), 0);
    assert_int_equal(fs_unlink(&fs, FS_ROOT_INUM, "d", 1, &victim), 0);
    assert_int_equal(victim, d);
    assert_int_equal(fs_ifree(&fs, d), 0);
    assert_int_equal(ino(FS_ROOT_INUM).nlink, 2);
    assert_int_equal(fs_unlink(&fs, FS_ROOT_INUM, "..", 2, &victim), -FS_EINVAL);
    assert_clean();
}

static void rename_over_a_file_and_across_directories(void **state)
{
    uint32_t a = mk(FS_ROOT_INUM, "a", FS_S_IFREG | 0644), b = mk(FS_ROOT_INUM, "b", FS_S_IFREG | 0644);
    uint32_t p = mk(FS_ROOT_INUM, "p", FS_S_IFDIR | 0755), q = mk(FS_ROOT_INUM, "q", FS_S_IFDIR | 0755);
    uint32_t s = mk(p, "s", FS_S_IFDIR | 0755), victim;
    assert_int_equal(fs_rename(&fs, FS_ROOT_INUM, "a", 1, FS_ROOT_INUM, "b", 1, &victim), 0);
    assert_int_equal(victim, b);
    assert_int_equal(lookup(FS_ROOT_INUM, "b"), a);
    assert_int_equal(lookup(FS_ROOT_INUM, "a"), 0);
    assert_int_equal(fs_ifree(&fs, b), 0);
    assert_clean();
    assert_int_equal(fs_rename(&fs, p, "s", 1, q, "t", 1, &victim), 0);
    assert_int_equal(lookup(s, ".."), q);
    assert_int_equal(ino(p).nlink, 2);
    assert_int_equal(ino(q).nlink, 3);
    assert_clean();
    assert_int_equal(fs_rename(&fs, FS_ROOT_INUM, "q", 1, s, "x", 1, &victim), -FS_EINVAL);
    assert_int_equal(fs_rename(&fs, FS_ROOT_INUM, "b", 1, FS_ROOT_INUM, "p", 1, &victim), -FS_EISDIR);
    assert_int_equal(fs_rename(&fs, FS_ROOT_INUM, "q", 1, FS_ROOT_INUM, "p", 1, &victim), 0);
    assert_int_equal(victim, p);                      /* an empty directory is replaced */
    assert_int_equal(fs_ifree(&fs, p), 0);
    assert_clean();
}

static void orphans_are_freed_at_mount(void **state)
{
    uint32_t f = mk(FS_ROOT_INUM, "f", FS_S_IFREG | 0644), g = mk(FS_ROOT_INUM, "g", FS_S_IFREG | 0644);
    uint32_t victim, before = free_blocks();
    struct fs_dinode d = ino(f);
    assert_int_equal(fs_write(&fs, f, &d, 0, "data", 4), 4);
    assert_int_equal(fs_unlink(&fs, FS_ROOT_INUM, "f", 1, &victim), 0);
    d = ino(f);
    assert_int_equal(fs_orphan_add(&fs, f, &d), 0);
    assert_int_equal(fs_unlink(&fs, FS_ROOT_INUM, "g", 1, &victim), 0);
    d = ino(g);
    assert_int_equal(fs_orphan_add(&fs, g, &d), 0);
    assert_clean();                                   /* orphans are not "unreachable" */
    assert_int_equal(fs_orphan_remove(&fs, f), 0);    /* not the head: unlinked from g */
    d = ino(f);
    assert_int_equal(fs_orphan_add(&fs, f, &d), 0);
    assert_int_equal(fs_mount(&fs, &image_cache_ops, &im, im.dev.nblocks), 0);
    assert_int_equal(fs_orphan_release_all(&fs), 2);
    assert_int_equal(fs.sb.orphan_head, 0);
    assert_int_equal(free_blocks(), before);
    assert_clean();
}

static void names_are_checked(void **state)
{
    char long_name[FS_NAME_MAX + 2];
    uint32_t inum;
    memset(long_name, 'n', sizeof long_name);
    assert_int_equal(fs_create(&fs, FS_ROOT_INUM, long_name, FS_NAME_MAX + 1, FS_S_IFREG, &inum),
                     -FS_ENAMETOOLONG);
    assert_int_equal(fs_create(&fs, FS_ROOT_INUM, long_name, FS_NAME_MAX, FS_S_IFREG, &inum), 0);
    assert_int_equal(fs_create(&fs, FS_ROOT_INUM, "a/b", 3, FS_S_IFREG, &inum), -FS_EINVAL);
    assert_int_equal(fs_create(&fs, inum, "x", 1, FS_S_IFREG, &inum), -FS_ENOTDIR);
    assert_clean();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(file_of_64_mib_round_trips_then_truncates),
        T(hard_links_and_unlink),
        T(rename_over_a_file_and_across_directories),
        T(orphans_are_freed_at_mount),
        T(names_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
