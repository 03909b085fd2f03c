/* Read-only views of the file system for user programs: directory listings (getdents,
 * Linux getdents64 records, the directory read straight from the cached blocks) and the
 * sizes and free counts of statfs (df), counted from the bitmaps. */
#include "abi/syscall.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/proc.h"

/* Appends the record of entry e (at directory offset off) at uva + *used if it fits in n;
 * 1 if it did, 0 if not, or -EFAULT. */
static int put_dirent(const struct fs_dirent *e, uint64_t off, uint64_t uva, uint64_t n,
                      uint64_t *used)
{
    struct { struct dirent64 h; char name[FS_NAME_MAX + 1 + 7]; } rec;
    unsigned len = e->name_len <= FS_NAME_MAX ? e->name_len : FS_NAME_MAX;
    uint16_t reclen = (uint16_t)((sizeof rec.h + len + 1 + 7) & ~7u);
    if (*used + reclen > n)
        return 0;
    rec.h.d_ino = e->inum;
    rec.h.d_off = (int64_t)(off + sizeof *e);
    rec.h.d_reclen = reclen;
    rec.h.d_type = e->type;
    memcpy(rec.h.d_name, e->name, len);
    memset(rec.h.d_name + len, 0, reclen - sizeof rec.h - len);
    if (copyout(&myproc()->as, uva + *used, &rec, reclen) < 0)
        return -EFAULT;
    *used += reclen;
    return 1;
}

/* Fills the user's buffer from the directory offset on; lock held. */
static long dents(struct fsfile *f, uint64_t uva, uint64_t n)
{
    struct fs_dinode d;
    uint64_t *pos = fsfile_offset(f), used = 0;
    int r = fs_iread(&rootfs, fsfile_inode(f)->inum, &d);
    if (r < 0)
        return r;
    if (!FS_S_ISDIR(d.mode))
        return -ENOTDIR;
    *pos &= ~(uint64_t)(sizeof(struct fs_dirent) - 1);
    bool full = false;
    while (*pos < d.size && !full) {
        uint32_t bno;
        if ((r = fs_bmap(&rootfs, &d, *pos / FS_BLOCK_SIZE, false, FS_BK_META, &bno)) < 0)
            return r;
        struct buf *b = bno ? bread(bno) : NULL;
        if (bno && !b)
            return -EIO;
        do {
            const struct fs_dirent *e = b ? (const struct fs_dirent *)b->fb.data +
                                            (*pos % FS_BLOCK_SIZE) / sizeof *e : NULL;
            if (e && e->inum != 0 && (r = put_dirent(e, *pos, uva, n, &used)) <= 0) {
                full = true;
                break;
            }
            *pos += sizeof(struct fs_dirent);
        } while (*pos < d.size && *pos % FS_BLOCK_SIZE != 0);
        if (b)
            brelse(b);
        if (r < 0)
            return r;
    }
    return used == 0 && *pos < d.size ? -EINVAL : (long)used;
}

long fsys_getdents(int fd, uint64_t uva, uint64_t n)
{
    struct fsfile *f = fsfile_of_fd(fd);
    if (!f)
        return -EBADF;
    fs_lock();
    long r = dents(f, uva, n);
    fs_unlock();
    return r;
}

/* Set bits in count bits of the bitmap that starts at block start. Lock held. */
static int64_t count_set(uint32_t start, uint32_t count)
{
    int64_t set = 0;
    for (uint32_t blk = 0; (uint64_t)blk * FS_BLOCK_SIZE * 8 < count; blk++) {
        struct buf *b = bread(start + blk);
        if (!b)
            return -EIO;
        const uint64_t *w = (const uint64_t *)b->fb.data;
        uint64_t bits = count - (uint64_t)blk * FS_BLOCK_SIZE * 8;
        for (uint32_t i = 0; i < FS_BLOCK_SIZE / 8 && bits > 0; i++) {
            uint64_t v = w[i];
            if (bits < 64) {
                v &= (1ULL << bits) - 1;
                bits = 0;
            } else {
                bits -= 64;
            }
            v = v - ((v >> 1) & 0x5555555555555555ULL);
            v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
            v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
            set += (int64_t)((v * 0x0101010101010101ULL) >> 56);
        }
        brelse(b);
    }
    return set;
}

long fsys_statfs(uint64_t uva)
{
    const struct fs_superblock *sb = &rootfs.sb;
    struct statfs st = { .f_bsize = FS_BLOCK_SIZE, .f_blocks = sb->nblocks,
                         .f_files = sb->ninodes, .f_journal = sb->journal_blocks,
                         .f_mode = (uint32_t)fsys_mode(), .f_commits = fsys_commits(),
                         .f_flags = fsys_readonly() ? ST_RDONLY : 0 };
    uint64_t nbuf;
    bio_stats(&nbuf, &st.f_hits, &st.f_misses);
    st.f_cache = (uint32_t)nbuf;
    fs_lock();
    int64_t bused = count_set(sb->block_bitmap_start, sb->nblocks);
    int64_t iused = count_set(sb->inode_bitmap_start, sb->ninodes);
    fs_unlock();
    if (bused < 0 || iused < 0)
        return -EIO;
    st.f_bfree = sb->nblocks - (uint32_t)bused;
    st.f_ffree = sb->ninodes - (uint32_t)iused;
    return copyout(&myproc()->as, uva, &st, sizeof st);
}
