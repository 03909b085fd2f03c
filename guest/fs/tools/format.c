/* mkfs's core: writes an empty file system (zeroed metadata, an empty journal, bitmaps
 * with the metadata blocks and inode 0 marked, and the root directory) onto a device. */
#include <stdlib.h>
#include <string.h>
#include "guest/fs/tools/image.h"

/* Marks bits [0, n) of the bitmap at start. */
static int mark_prefix(struct fs_blockdev *dev, uint32_t start, uint32_t n, uint8_t *blk)
{
    for (uint32_t b = 0; b * FS_BLOCK_SIZE * 8 < n; b++) {
        memset(blk, 0, FS_BLOCK_SIZE);
        for (uint32_t i = 0; i < FS_BLOCK_SIZE * 8 && b * FS_BLOCK_SIZE * 8 + i < n; i++)
            blk[i / 8] |= 1u << (i % 8);
        if (dev->write(dev, start + b, blk) != 0)
            return -FS_EIO;
    }
    return 0;
}

static int format_blocks(struct fs_blockdev *dev, const struct fs_superblock *sb, uint8_t *blk)
{
    struct journal j = { .dev = dev, .sb_block = sb->journal_start,
                         .nblocks = sb->journal_blocks, .first = 1, .scratch = blk };
    memset(blk, 0, FS_BLOCK_SIZE);
    for (uint32_t b = 0; b < sb->data_start; b++)
        if (dev->write(dev, b, blk) != 0)
            return -FS_EIO;
    if (journal_write_super(&j, 0, 1) != 0 ||
        mark_prefix(dev, sb->inode_bitmap_start, 1, blk) != 0 ||
        mark_prefix(dev, sb->block_bitmap_start, sb->data_start, blk) != 0)
        return -FS_EIO;
    memset(blk, 0, FS_BLOCK_SIZE);
    memcpy(blk, sb, sizeof *sb);
    return dev->write(dev, 0, blk) != 0 ? -FS_EIO : 0;
}

/* The root directory: inode 1, '.' and '..' both naming itself. */
static int make_root(struct image *im)
{
    struct fs fs;
    struct fs_dinode root;
    uint32_t inum;
    int err = fs_mount(&fs, &image_cache_ops, im, im->dev.nblocks);
    if (err == 0)
        err = fs_ialloc(&fs, FS_S_IFDIR | 0755, &inum);
    if (err == 0 && inum != FS_ROOT_INUM)
        err = -FS_EUCLEAN;
    if (err == 0)
        err = fs_iread(&fs, inum, &root);
    if (err == 0)
        err = fs_dirlink(&fs, inum, &root, ".", 1, inum, FS_DT_DIR);
    if (err == 0)
        err = fs_dirlink(&fs, inum, &root, "..", 2, inum, FS_DT_DIR);
    if (err == 0) {
        root.nlink = 2;
        err = fs_iwrite(&fs, inum, &root);
    }
    return err ? err : im->failed ? -FS_EIO : 0;
}

int fs_format(struct image *im, uint32_t ninodes, uint32_t jblocks)
{
    struct fs_blockdev *dev = &im->dev;
    struct fs_superblock sb;
    uint8_t *blk = malloc(FS_BLOCK_SIZE);
    int err = blk ? fs_layout(&sb, dev->nblocks, ninodes, jblocks) : -FS_ENOMEM;
    if (err == 0)
        err = format_blocks(dev, &sb, blk);
    free(blk);
    if (err == 0)
        err = make_root(im);
    return err ? err : dev->flush(dev);
}
