/* fsck's core: the superblock, every inode's block tree (pointers in range, no block used
 * twice, nothing mapped past the size), both bitmaps against what is really in use, then
 * the journal and directory parts; e2fsck's exit codes. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "guest/fs/tools/check.h"

#define METADATA UINT32_MAX

void check_problem(struct check *c, bool fixed, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->o->out, fmt, ap);
    va_end(ap);
    fprintf(c->o->out, "%s\n", fixed ? " (fixed)" : "");
    c->found++;
    c->fixed += fixed;
}

bool check_may_fix(const struct check *c)
{
    return c->o->fix && !c->o->readonly && !c->im->overlay;
}

/* Reads bit `bit` of the bitmap at start; sets it to v when set_it. -1 on I/O error. */
static int bitmap_bit(struct check *c, uint32_t start, uint32_t bit, bool set_it, bool v)
{
    uint8_t blk[FS_BLOCK_SIZE];
    uint32_t bno = start + bit / (FS_BLOCK_SIZE * 8), i = bit % (FS_BLOCK_SIZE * 8);
    if (c->im->dev.read(&c->im->dev, bno, blk) != 0)
        return -1;
    int old = (blk[i / 8] >> (i % 8)) & 1;
    if (set_it && old != v) {
        blk[i / 8] ^= 1u << (i % 8);
        if (c->im->dev.write(&c->im->dev, bno, blk) != 0)
            return -1;
    }
    return old;
}

/* ---- block trees ---- */

struct walk {
    uint32_t inum;
    uint64_t keep;              /* file blocks that may be mapped: ceil(size / block) */
    bool past_size_reported;
};

/* Claims block b for the walk's inode; false if the pointer must not be followed. */
static bool claim(struct check *c, struct walk *w, uint32_t b, uint64_t fblock)
{
    if (b < c->fs.sb.data_start || b >= c->fs.sb.nblocks) {
        check_problem(c, false, "inode %u: block pointer %u out of range", w->inum, b);
        return false;
    }
    if (c->owner[b] != 0) {
        check_problem(c, false, "block %u: used twice (inodes %u and %u)", b, c->owner[b], w->inum);
        return false;
    }
    c->owner[b] = w->inum;
    if (fblock >= w->keep && !w->past_size_reported) {
        check_problem(c, false, "inode %u: block %u mapped past its size", w->inum, b);
        w->past_size_reported = true;
    }
    return true;
}

/* Walks the pointer at slot: `level` indirections over file blocks from base. */
static void walk_tree(struct check *c, struct walk *w, uint32_t b, int level, uint64_t base)
{
    uint64_t span = level == 2 ? (uint64_t)FS_PTRS_PER_BLOCK * FS_PTRS_PER_BLOCK
                               : level == 1 ? FS_PTRS_PER_BLOCK : 1;
    if (b == 0 || !claim(c, w, b, base))
        return;
    if (level == 0)
        return;
    uint32_t ptrs[FS_PTRS_PER_BLOCK];
    if (c->im->dev.read(&c->im->dev, b, ptrs) != 0) {
        check_problem(c, false, "inode %u: indirect block %u unreadable", w->inum, b);
        return;
    }
    for (uint32_t i = 0; i < FS_PTRS_PER_BLOCK; i++)
        walk_tree(c, w, ptrs[i], level - 1, base + i * (span / FS_PTRS_PER_BLOCK));
}

static bool type_ok(uint16_t mode)
{
    uint16_t t = mode & FS_S_IFMT;
    return t == FS_S_IFREG || t == FS_S_IFDIR || t == FS_S_IFLNK || t == FS_S_IFCHR;
}

static void check_inode(struct check *c, uint32_t inum, const struct fs_dinode *d)
{
    struct walk w = { inum, (d->size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE, false };
    if (!type_ok(d->mode))
        check_problem(c, false, "inode %u: bad type %06o", inum, d->mode & FS_S_IFMT);
    if (d->size > FS_MAX_FILE_SIZE)
        check_problem(c, false, "inode %u: size %llu too large", inum, (unsigned long long)d->size);
    if (FS_S_ISDIR(d->mode) && d->size % sizeof(struct fs_dirent) != 0)
        check_problem(c, false, "directory %u: size %llu not a multiple of %zu", inum,
                      (unsigned long long)d->size, sizeof(struct fs_dirent));
    for (uint32_t i = 0; i < FS_NDIRECT; i++)
        walk_tree(c, &w, d->direct[i], 0, i);
    walk_tree(c, &w, d->indirect, 1, FS_NDIRECT);
    walk_tree(c, &w, d->dindirect, 2, FS_NDIRECT + FS_PTRS_PER_BLOCK);
}

/* Every inode: its block tree, and its inode-bitmap bit against its mode. */
static int check_inodes(struct check *c)
{
    for (uint32_t inum = 1; inum < c->fs.sb.ninodes; inum++) {
        struct fs_dinode d;
        int bit = bitmap_bit(c, c->fs.sb.inode_bitmap_start, inum, false, false);
        if (bit < 0 || fs_iread(&c->fs, inum, &d) != 0)
            return -1;
        if (d.mode != 0) {
            c->state[inum] |= INODE_USED;
            check_inode(c, inum, &d);
        }
        if (bit == (d.mode != 0))
            continue;
        bool fixed = check_may_fix(c) &&
                     bitmap_bit(c, c->fs.sb.inode_bitmap_start, inum, true, d.mode != 0) >= 0;
        check_problem(c, fixed, d.mode ? "inode %u: in use but free in the inode bitmap"
                                       : "inode %u: marked in the inode bitmap but free", inum);
    }
    if (bitmap_bit(c, c->fs.sb.inode_bitmap_start, 0, false, false) != 1) {
        bool fixed = check_may_fix(c) && bitmap_bit(c, c->fs.sb.inode_bitmap_start, 0, true, true) >= 0;
        check_problem(c, fixed, "inode 0: reserved but free in the inode bitmap");
    }
    return 0;
}

/* The block bitmap against the blocks really in use (metadata, and the inodes' trees). */
static int check_block_bitmap(struct check *c)
{
    for (uint32_t b = 0; b < c->fs.sb.nblocks; b++) {
        int bit = bitmap_bit(c, c->fs.sb.block_bitmap_start, b, false, false);
        bool used = c->owner[b] != 0;
        if (bit < 0)
            return -1;
        if (bit == used)
            continue;
        bool fixed = check_may_fix(c) &&
                     bitmap_bit(c, c->fs.sb.block_bitmap_start, b, true, used) >= 0;
        if (b < c->fs.sb.data_start)
            check_problem(c, fixed, "block %u: metadata block free in the block bitmap", b);
        else if (used)
            check_problem(c, fixed, "block %u: used by inode %u but free in the block bitmap",
                          b, c->owner[b]);
        else
            check_problem(c, fixed, "block %u: marked in the block bitmap but unused (leak)", b);
    }
    return 0;
}

static int check_superblock(struct check *c, struct fs_superblock *sb)
{
    uint8_t blk[FS_BLOCK_SIZE];
    if (c->im->dev.read(&c->im->dev, 0, blk) != 0) {
        fprintf(c->o->out, "superblock: unreadable\n");
        return -1;
    }
    memcpy(sb, blk, sizeof *sb);
    const char *why = fs_sb_problem(sb, c->im->dev.nblocks);
    if (why) {
        fprintf(c->o->out, "superblock: %s\n", why);
        return -1;
    }
    return 0;
}

static int run(struct check *c)
{
    struct fs_superblock sb;
    if (check_superblock(c, &sb) != 0 || check_journal(c, &sb) != 0)
        return -1;
    if (fs_mount(&c->fs, &image_cache_ops, c->im, c->im->dev.nblocks) != 0) {
        fprintf(c->o->out, "superblock: unreadable after recovery\n");
        return -1;
    }
    c->owner = calloc(c->fs.sb.nblocks, sizeof *c->owner);
    c->refs = calloc(c->fs.sb.ninodes, sizeof *c->refs);
    c->parent = calloc(c->fs.sb.ninodes, sizeof *c->parent);
    c->state = calloc(c->fs.sb.ninodes, 1);
    if (!c->owner || !c->refs || !c->parent || !c->state) {
        fprintf(c->o->out, "out of memory\n");
        return -1;
    }
    for (uint32_t b = 0; b < c->fs.sb.data_start; b++)
        c->owner[b] = METADATA;
    if (check_inodes(c) != 0 || check_block_bitmap(c) != 0 || check_tree(c) != 0) {
        fprintf(c->o->out, "I/O error while checking\n");
        return -1;
    }
    return c->im->failed ? -1 : 0;
}

int fsck_check(struct image *im, const struct fsck_opts *o)
{
    struct check c = { .im = im, .o = o };
    bool had_overlay = im->overlay;
    int r = run(&c);
    if (!had_overlay)
        image_drop_overlay(im);     /* a recovery into memory ends with the check */
    free(c.owner);
    free(c.refs);
    free(c.parent);
    free(c.state);
    if (r != 0)
        return FSCK_OPERATIONAL;
    if (c.found == 0)
        return FSCK_OK;
    if (c.fixed == c.found)
        return FSCK_FIXED;
    return FSCK_UNCORRECTED;
}
