/* The file-system core: superblock and layout checks, inode and block allocation through the
 * bitmaps, mapping file blocks through direct, indirect and double-indirect pointers, and
 * file read/write/truncate. Directories are in dir.c. */
#include "guest/fs/fs.h"

#define BITS_PER_BLOCK (FS_BLOCK_SIZE * 8u)

uint32_t fs_sb_checksum(const struct fs_superblock *sb)
{
    return crc32c(0, sb, offsetof(struct fs_superblock, checksum));
}

static uint32_t div_up(uint64_t a, uint64_t b)
{
    return (uint32_t)((a + b - 1) / b);
}

int fs_layout(struct fs_superblock *sb, uint32_t nblocks, uint32_t ninodes, uint32_t jblocks)
{
    memset(sb, 0, sizeof *sb);
    if (ninodes < 2 || ninodes > (1u << 24) || jblocks < 4 || jblocks > (1u << 20))
        return -FS_EINVAL;
    ninodes = div_up(ninodes, FS_INODES_PER_BLOCK) * FS_INODES_PER_BLOCK;
    sb->magic = FS_MAGIC;
    sb->version = FS_VERSION;
    sb->block_size = FS_BLOCK_SIZE;
    sb->nblocks = nblocks;
    sb->ninodes = ninodes;
    sb->journal_start = 1;
    sb->journal_blocks = jblocks;
    sb->inode_bitmap_start = 1 + jblocks;
    sb->inode_bitmap_blocks = div_up(ninodes, BITS_PER_BLOCK);
    sb->inode_table_start = sb->inode_bitmap_start + sb->inode_bitmap_blocks;
    sb->inode_table_blocks = ninodes / FS_INODES_PER_BLOCK;
    sb->block_bitmap_start = sb->inode_table_start + sb->inode_table_blocks;
    sb->block_bitmap_blocks = div_up(nblocks, BITS_PER_BLOCK);
    sb->data_start = sb->block_bitmap_start + sb->block_bitmap_blocks;
    sb->checksum = fs_sb_checksum(sb);
    /* room for the root directory's block and at least one more */
    return (uint64_t)sb->data_start + 2 <= nblocks ? 0 : -FS_EINVAL;
}

const char *fs_sb_problem(const struct fs_superblock *sb, uint32_t dev_nblocks)
{
    struct fs_superblock want;
    if (sb->magic != FS_MAGIC)
        return "bad magic number";
    if (sb->checksum != fs_sb_checksum(sb))
        return "superblock checksum mismatch";
    if (sb->version != FS_VERSION || sb->block_size != FS_BLOCK_SIZE)
        return "unsupported version or block size";
    if (sb->nblocks > dev_nblocks)
        return "file system larger than the device";
    if (fs_layout(&want, sb->nblocks, sb->ninodes, sb->journal_blocks) != 0 ||
        want.ninodes != sb->ninodes)
        return "impossible sizes";
    want.orphan_head = sb->orphan_head;
    want.checksum = sb->checksum;
    if (memcmp(&want, sb, sizeof want) != 0)
        return "regions do not match the sizes";
    if (sb->orphan_head >= sb->ninodes)
        return "orphan list head out of range";
    return 0;
}

int fs_mount(struct fs *fs, const struct fs_cache_ops *ops, void *ctx, uint32_t dev_nblocks)
{
    memset(fs, 0, sizeof *fs);
    fs->ops = ops;
    fs->ctx = ctx;
    struct fs_buf *b = ops->get(ctx, 0, false);
    if (!b)
        return -FS_EIO;
    memcpy(&fs->sb, b->data, sizeof fs->sb);
    ops->put(ctx, b);
    fs->bhint = fs->sb.data_start;
    fs->ihint = FS_ROOT_INUM;
    return fs_sb_problem(&fs->sb, dev_nblocks) ? -FS_EUCLEAN : 0;
}

int fs_sb_write(struct fs *fs)
{
    struct fs_buf *b = fs->ops->get(fs->ctx, 0, false);
    if (!b)
        return -FS_EIO;
    fs->sb.checksum = fs_sb_checksum(&fs->sb);
    memcpy(b->data, &fs->sb, sizeof fs->sb);
    fs->ops->dirty(fs->ctx, b, FS_BK_META);
    fs->ops->put(fs->ctx, b);
    return 0;
}

/* ---- Bitmaps ---- */

/* Sets bit `bit` of the bitmap starting at block `start` to v; returns the old value or an error. */
static int bitmap_set(struct fs *fs, uint32_t start, uint32_t bit, bool v)
{
    struct fs_buf *b = fs->ops->get(fs->ctx, start + bit / BITS_PER_BLOCK, false);
    if (!b)
        return -FS_EIO;
    uint8_t *byte = &b->data[(bit % BITS_PER_BLOCK) / 8], mask = 1u << (bit % 8);
    int old = (*byte & mask) != 0;
    if (old != v) {
        *byte = v ? (*byte | mask) : (*byte & ~mask);
        fs->ops->dirty(fs->ctx, b, FS_BK_META);
    }
    fs->ops->put(fs->ctx, b);
    return old;
}

/* Finds and sets a clear bit in [lo, hi), searching from hint and wrapping; -FS_ENOSPC. */
static int bitmap_alloc(struct fs *fs, uint32_t start, uint32_t lo, uint32_t hi, uint32_t hint,
                        uint32_t *out)
{
    if (hint < lo || hint >= hi)
        hint = lo;
    uint32_t bit = hint;
    for (uint32_t left = hi - lo; left > 0;) {
        struct fs_buf *b = fs->ops->get(fs->ctx, start + bit / BITS_PER_BLOCK, false);
        if (!b)
            return -FS_EIO;
        uint32_t end = (bit / BITS_PER_BLOCK + 1) * BITS_PER_BLOCK;
        for (; bit < end && bit < hi && left > 0; bit++, left--) {
            uint8_t *byte = &b->data[(bit % BITS_PER_BLOCK) / 8];
            if (*byte == 0xff && bit % 8 == 0 && left >= 8 && bit + 8 <= hi) {
                bit += 7, left -= 7;      /* a full byte: skip it whole */
                continue;
            }
            if (!(*byte & (1u << (bit % 8)))) {
                *byte |= 1u << (bit % 8);
                fs->ops->dirty(fs->ctx, b, FS_BK_META);
                fs->ops->put(fs->ctx, b);
                *out = bit;
                return 0;
            }
        }
        fs->ops->put(fs->ctx, b);
        if (bit >= hi)
            bit = lo;
    }
    return -FS_ENOSPC;
}

int fs_balloc(struct fs *fs, enum fs_bkind kind, uint32_t *bno)
{
    int err = bitmap_alloc(fs, fs->sb.block_bitmap_start, fs->sb.data_start, fs->sb.nblocks,
                           fs->bhint, bno);
    if (err != 0)
        return err;
    fs->bhint = *bno + 1;
    struct fs_buf *b = fs->ops->get(fs->ctx, *bno, true);
    if (!b)
        return -FS_EIO;
    memset(b->data, 0, FS_BLOCK_SIZE);
    fs->ops->dirty(fs->ctx, b, kind);
    fs->ops->put(fs->ctx, b);
    return 0;
}

int fs_bfree(struct fs *fs, uint32_t bno, enum fs_bkind kind)
{
    if (bno < fs->sb.data_start || bno >= fs->sb.nblocks)
        return -FS_EUCLEAN;
    int old = bitmap_set(fs, fs->sb.block_bitmap_start, bno, false);
    if (old < 0)
        return old;
    if (fs->ops->freed)
        fs->ops->freed(fs->ctx, bno, kind);
    return old ? 0 : -FS_EUCLEAN;     /* freeing a free block: the bitmap was wrong */
}

/* ---- Inodes ---- */

static int inode_buf(struct fs *fs, uint32_t inum, struct fs_buf **b, struct fs_dinode **d)
{
    if (inum == 0 || inum >= fs->sb.ninodes)
        return -FS_EINVAL;
    *b = fs->ops->get(fs->ctx, fs->sb.inode_table_start + inum / FS_INODES_PER_BLOCK, false);
    if (!*b)
        return -FS_EIO;
    *d = (struct fs_dinode *)(void *)(*b)->data + inum % FS_INODES_PER_BLOCK;
    return 0;
}

int fs_iread(struct fs *fs, uint32_t inum, struct fs_dinode *d)
{
    struct fs_buf *b;
    struct fs_dinode *p;
    int err = inode_buf(fs, inum, &b, &p);
    if (err != 0)
        return err;
    *d = *p;
    fs->ops->put(fs->ctx, b);
    return 0;
}

int fs_iwrite(struct fs *fs, uint32_t inum, const struct fs_dinode *d)
{
    struct fs_buf *b;
    struct fs_dinode *p;
    int err = inode_buf(fs, inum, &b, &p);
    if (err != 0)
        return err;
    *p = *d;
    fs->ops->dirty(fs->ctx, b, FS_BK_META);
    fs->ops->put(fs->ctx, b);
    return 0;
}

int fs_ialloc(struct fs *fs, uint16_t mode, uint32_t *inum)
{
    int err = bitmap_alloc(fs, fs->sb.inode_bitmap_start, FS_ROOT_INUM, fs->sb.ninodes,
                           fs->ihint, inum);
    if (err != 0)
        return err;
    fs->ihint = *inum + 1;
    struct fs_dinode d = { .mode = mode };
    return fs_iwrite(fs, *inum, &d);
}

int fs_ifree(struct fs *fs, uint32_t inum)
{
    struct fs_dinode d;
    int err = fs_iread(fs, inum, &d);
    if (err == 0)
        err = fs_truncate(fs, inum, &d, 0);
    if (err != 0)
        return err;
    memset(&d, 0, sizeof d);
    if ((err = fs_iwrite(fs, inum, &d)) != 0)
        return err;
    err = bitmap_set(fs, fs->sb.inode_bitmap_start, inum, false);
    return err < 0 ? err : 0;
}

int fs_orphan_add(struct fs *fs, uint32_t inum, struct fs_dinode *d)
{
    d->next_orphan = fs->sb.orphan_head;
    int err = fs_iwrite(fs, inum, d);
    if (err != 0)
        return err;
    fs->sb.orphan_head = inum;
    return fs_sb_write(fs);
}

int fs_orphan_remove(struct fs *fs, uint32_t inum)
{
    struct fs_dinode d, prev;
    uint32_t p = 0, cur = fs->sb.orphan_head;
    for (uint32_t n = 0; cur != 0 && cur != inum; n++) {
        if (n >= fs->sb.ninodes || fs_iread(fs, cur, &prev) != 0)
            return -FS_EUCLEAN;    /* a loop or a bad link */
        p = cur;
        cur = prev.next_orphan;
    }
    if (cur == 0)
        return -FS_ENOENT;
    int err = fs_iread(fs, inum, &d);
    if (err != 0)
        return err;
    if (p == 0) {
        fs->sb.orphan_head = d.next_orphan;
        err = fs_sb_write(fs);
    } else {
        prev.next_orphan = d.next_orphan;
        err = fs_iwrite(fs, p, &prev);
    }
    d.next_orphan = 0;
    return err ? err : fs_iwrite(fs, inum, &d);
}

int fs_orphan_release_all(struct fs *fs)
{
    int n = 0;
    while (fs->sb.orphan_head != 0) {
        struct fs_dinode d;
        uint32_t inum = fs->sb.orphan_head;
        int err = fs_iread(fs, inum, &d);
        if (err != 0 || (uint32_t)n >= fs->sb.ninodes || d.next_orphan >= fs->sb.ninodes)
            return err ? err : -FS_EUCLEAN;
        fs->sb.orphan_head = d.next_orphan;
        if ((err = fs_sb_write(fs)) != 0 || (err = fs_ifree(fs, inum)) != 0)
            return err;
        n++;
    }
    return n;
}

/* ---- Block map ---- */

static enum fs_bkind content_kind(const struct fs_dinode *d)
{
    return FS_S_ISREG(d->mode) ? FS_BK_DATA : FS_BK_META;
}

/* Follows or fills one pointer slot; *changed says the slot was written. */
static int slot_get(struct fs *fs, uint32_t *slot, bool alloc, enum fs_bkind kind,
                    bool *changed, uint32_t *out)
{
    if (*slot != 0) {
        if (*slot < fs->sb.data_start || *slot >= fs->sb.nblocks)
            return -FS_EUCLEAN;
        *out = *slot;
        return 0;
    }
    *out = 0;
    if (!alloc)
        return 0;
    int err = fs_balloc(fs, kind, out);
    if (err == 0) {
        *slot = *out;
        *changed = true;
    }
    return err;
}

int fs_bmap(struct fs *fs, struct fs_dinode *d, uint64_t fblock, bool alloc,
            enum fs_bkind kind, uint32_t *bno)
{
    uint32_t *top;
    int levels;
    bool changed = false;
    if (fblock >= FS_MAX_FILE_BLOCKS)
        return -FS_EFBIG;
    if (fblock < FS_NDIRECT) {
        top = &d->direct[fblock], levels = 0;
    } else if ((fblock -= FS_NDIRECT) < FS_PTRS_PER_BLOCK) {
        top = &d->indirect, levels = 1;
    } else {
        fblock -= FS_PTRS_PER_BLOCK;
        top = &d->dindirect, levels = 2;
    }
    uint32_t b;
    int err = slot_get(fs, top, alloc, levels ? FS_BK_META : kind, &changed, &b);
    for (int level = levels; err == 0 && level > 0 && b != 0; level--) {
        struct fs_buf *ib = fs->ops->get(fs->ctx, b, false);
        if (!ib)
            return -FS_EIO;
        uint32_t idx = level == 2 ? (uint32_t)(fblock / FS_PTRS_PER_BLOCK)
                                  : (uint32_t)(fblock % FS_PTRS_PER_BLOCK);
        bool ch = false;
        err = slot_get(fs, (uint32_t *)(void *)ib->data + idx, alloc,
                       level == 1 ? kind : FS_BK_META, &ch, &b);
        if (ch)
            fs->ops->dirty(fs->ctx, ib, FS_BK_META);
        fs->ops->put(fs->ctx, ib);
    }
    *bno = err == 0 ? b : 0;
    return err;
}

/* Frees every block under *slot (a subtree of `level` indirections covering file blocks
 * from base) that maps file blocks >= keep; clears *slot when the whole subtree goes. */
static int free_tree(struct fs *fs, uint32_t *slot, int level, uint64_t base, uint64_t keep,
                     enum fs_bkind kind, bool *changed)
{
    uint64_t span = level == 0 ? 1 : level == 1 ? FS_PTRS_PER_BLOCK
                                                : (uint64_t)FS_PTRS_PER_BLOCK * FS_PTRS_PER_BLOCK;
    if (*slot == 0 || base + span <= keep)
        return 0;
    if (*slot < fs->sb.data_start || *slot >= fs->sb.nblocks)
        return -FS_EUCLEAN;
    if (level > 0) {
        struct fs_buf *b = fs->ops->get(fs->ctx, *slot, false);
        if (!b)
            return -FS_EIO;
        bool ch = false;
        int err = 0;
        for (uint32_t i = 0; i < FS_PTRS_PER_BLOCK && err == 0; i++)
            err = free_tree(fs, (uint32_t *)(void *)b->data + i, level - 1,
                            base + i * (span / FS_PTRS_PER_BLOCK), keep, kind, &ch);
        if (ch)
            fs->ops->dirty(fs->ctx, b, FS_BK_META);
        fs->ops->put(fs->ctx, b);
        if (err != 0 || base < keep)
            return err;
    }
    int err = fs_bfree(fs, *slot, level ? FS_BK_META : kind);
    *slot = 0;
    *changed = true;
    return err;
}

int fs_truncate(struct fs *fs, uint32_t inum, struct fs_dinode *d, uint64_t size)
{
    if (size > FS_MAX_FILE_SIZE)
        return -FS_EFBIG;
    uint64_t keep = (size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE;
    enum fs_bkind kind = content_kind(d);
    bool changed = false;
    int err = 0;
    for (uint32_t i = 0; i < FS_NDIRECT && err == 0; i++)
        err = free_tree(fs, &d->direct[i], 0, i, keep, kind, &changed);
    if (err == 0)
        err = free_tree(fs, &d->indirect, 1, FS_NDIRECT, keep, kind, &changed);
    if (err == 0)
        err = free_tree(fs, &d->dindirect, 2, FS_NDIRECT + FS_PTRS_PER_BLOCK, keep, kind, &changed);
    if (err == 0 && size < d->size && size % FS_BLOCK_SIZE != 0) {
        uint32_t b;     /* later growth must read zeros past the old end */
        err = fs_bmap(fs, d, size / FS_BLOCK_SIZE, false, kind, &b);
        struct fs_buf *buf = err == 0 && b ? fs->ops->get(fs->ctx, b, false) : 0;
        if (buf) {
            memset(buf->data + size % FS_BLOCK_SIZE, 0, FS_BLOCK_SIZE - size % FS_BLOCK_SIZE);
            fs->ops->dirty(fs->ctx, buf, kind);
            fs->ops->put(fs->ctx, buf);
        }
    }
    d->size = size;
    int werr = fs_iwrite(fs, inum, d);
    return err ? err : werr;
}

/* ---- File contents ---- */

int64_t fs_read(struct fs *fs, const struct fs_dinode *d, uint64_t off, void *buf, uint64_t n)
{
    if (off >= d->size)
        return 0;
    if (n > d->size - off)
        n = d->size - off;
    struct fs_dinode copy = *d;     /* fs_bmap without alloc changes nothing */
    uint8_t *dst = buf;
    for (uint64_t done = 0; done < n;) {
        uint32_t b, at = (uint32_t)((off + done) % FS_BLOCK_SIZE);
        uint64_t m = FS_BLOCK_SIZE - at < n - done ? FS_BLOCK_SIZE - at : n - done;
        int err = fs_bmap(fs, &copy, (off + done) / FS_BLOCK_SIZE, false, FS_BK_DATA, &b);
        if (err != 0)
            return err;
        if (b == 0) {
            memset(dst + done, 0, m);
        } else {
            struct fs_buf *bb = fs->ops->get(fs->ctx, b, false);
            if (!bb)
                return -FS_EIO;
            memcpy(dst + done, bb->data + at, m);
            fs->ops->put(fs->ctx, bb);
        }
        done += m;
    }
    return (int64_t)n;
}

int64_t fs_write(struct fs *fs, uint32_t inum, struct fs_dinode *d, uint64_t off,
                 const void *buf, uint64_t n)
{
    if (off > FS_MAX_FILE_SIZE || n > FS_MAX_FILE_SIZE - off)
        return -FS_EFBIG;
    enum fs_bkind kind = content_kind(d);
    const uint8_t *src = buf;
    uint64_t done = 0;
    int err = 0;
    while (done < n) {
        uint32_t b, at = (uint32_t)((off + done) % FS_BLOCK_SIZE);
        uint64_t m = FS_BLOCK_SIZE - at < n - done ? FS_BLOCK_SIZE - at : n - done;
        if ((err = fs_bmap(fs, d, (off + done) / FS_BLOCK_SIZE, true, kind, &b)) != 0)
            break;
        struct fs_buf *bb = fs->ops->get(fs->ctx, b, m == FS_BLOCK_SIZE);
        if (!bb) {
            err = -FS_EIO;
            break;
        }
        memcpy(bb->data + at, src + done, m);
        fs->ops->dirty(fs->ctx, bb, kind);
        fs->ops->put(fs->ctx, bb);
        done += m;
    }
    if (off + done > d->size)
        d->size = off + done;
    int werr = fs_iwrite(fs, inum, d);
    if (done > 0)
        return (int64_t)done;
    return err ? err : werr;
}
