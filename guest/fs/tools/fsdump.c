/* build/fsdump: prints an image for teaching: the superblock and layout, the journal with
 * every transaction's tags and revokes, and the directory tree with inode numbers, link
 * counts and sizes. Usage: fsdump IMAGE. */
#include <stdio.h>
#include <string.h>
#include "guest/fs/tools/image.h"
#include "guest/fs/tools/check.h"

static void print_superblock(const struct fs_superblock *sb)
{
    printf("superblock: %u blocks of %u bytes, %u inodes, orphan list %u\n", sb->nblocks,
           sb->block_size, sb->ninodes, sb->orphan_head);
    printf("  journal      %8u .. %u\n", sb->journal_start, sb->journal_start + sb->journal_blocks - 1);
    printf("  inode bitmap %8u .. %u\n", sb->inode_bitmap_start, sb->inode_bitmap_start + sb->inode_bitmap_blocks - 1);
    printf("  inode table  %8u .. %u\n", sb->inode_table_start, sb->inode_table_start + sb->inode_table_blocks - 1);
    printf("  block bitmap %8u .. %u\n", sb->block_bitmap_start, sb->block_bitmap_start + sb->block_bitmap_blocks - 1);
    printf("  data         %8u .. %u\n", sb->data_start, sb->nblocks - 1);
}

/* Prints directory dinum's entries, recursing into subdirectories (depth-bounded). */
static void print_tree(struct fs *fs, uint32_t dinum, int depth)
{
    struct fs_dinode dp, ip;
    struct fs_dirent e;
    if (depth > 64 || fs_iread(fs, dinum, &dp) != 0 || !FS_S_ISDIR(dp.mode))
        return;
    for (uint64_t off = 0; off < dp.size; off += sizeof e) {
        if (fs_read(fs, &dp, off, &e, sizeof e) != sizeof e)
            return;
        if (e.inum == 0 || e.name_len > FS_NAME_MAX || fs_iread(fs, e.inum, &ip) != 0)
            continue;
        printf("%*s%-*.*s inode %-5u mode %06o links %-3u size %llu\n", 2 * depth + 2, "",
               30 - 2 * depth, e.name_len, e.name, e.inum, ip.mode, ip.nlink,
               (unsigned long long)ip.size);
        bool dot = (e.name_len == 1 && e.name[0] == '.') ||
                   (e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.');
        if (FS_S_ISDIR(ip.mode) && !dot)
            print_tree(fs, e.inum, depth + 1);
    }
}

int main(int argc, char **argv)
{
    struct image im;
    struct fs fs;
    if (argc != 2) {
        fprintf(stderr, "usage: fsdump IMAGE\n");
        return 2;
    }
    if (image_open(&im, argv[1], false) != 0) {
        fprintf(stderr, "fsdump: %s: cannot open\n", argv[1]);
        return 1;
    }
    int err = fs_mount(&fs, &image_cache_ops, &im, im.dev.nblocks);
    if (err != 0) {
        fprintf(stderr, "fsdump: %s: not a valid file system (%s)\n", argv[1],
                fs_sb_problem(&fs.sb, im.dev.nblocks) ?: "unreadable");
        image_close(&im);
        return 1;
    }
    print_superblock(&fs.sb);
    journal_print(&im, &fs.sb, stdout, true);
    printf("tree (as on disk, journal not replayed):\n");
    print_tree(&fs, FS_ROOT_INUM, 0);
    image_close(&im);
    return 0;
}
