/* Directories: lookup, adding and removing entries, create, hard links, unlink and rename,
 * with the link-count rule fsck checks: an inode's nlink is the number of directory entries
 * naming it, '.' and '..' included (so a directory has 2 + its number of subdirectories). */
#include "guest/fs/fs.h"

#define DIRENT_SIZE ((uint64_t)sizeof(struct fs_dirent))

uint8_t fs_dtype(uint16_t mode)
{
    switch (mode & FS_S_IFMT) {
    case FS_S_IFREG: return FS_DT_REG;
    case FS_S_IFDIR: return FS_DT_DIR;
    case FS_S_IFLNK: return FS_DT_LNK;
    case FS_S_IFCHR: return FS_DT_CHR;
    default: return FS_DT_UNKNOWN;
    }
}

int fs_name_check(const char *name, size_t len)
{
    if (len == 0 || len > FS_NAME_MAX)
        return len ? -FS_ENAMETOOLONG : -FS_ENOENT;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == 0)
            return -FS_EINVAL;
    return 0;
}

static bool is_dot_or_dotdot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* Calls fn on each used entry of dp with its byte offset until fn returns non-zero, which
 * is returned (0 when all were visited); also reports the first free slot in *free_off
 * (dp->size if none). */
static int dir_iter(struct fs *fs, const struct fs_dinode *dp,
                    int (*fn)(void *arg, const struct fs_dirent *e, uint64_t off), void *arg,
                    uint64_t *free_off)
{
    if (!FS_S_ISDIR(dp->mode))
        return -FS_ENOTDIR;
    if (free_off)
        *free_off = dp->size - dp->size % DIRENT_SIZE;
    bool have_free = false;
    struct fs_dinode copy = *dp;
    for (uint64_t off = 0; off + DIRENT_SIZE <= dp->size; off += FS_BLOCK_SIZE) {
        uint32_t b;
        int err = fs_bmap(fs, &copy, off / FS_BLOCK_SIZE, false, FS_BK_META, &b);
        if (err != 0)
            return err;
        if (b == 0)
            return -FS_EUCLEAN;     /* directories have no holes */
        struct fs_buf *bb = fs->ops->get(fs->ctx, b, false);
        if (!bb)
            return -FS_EIO;
        const struct fs_dirent *e = (const void *)bb->data;
        for (uint32_t i = 0; i < FS_DIRENTS_PER_BLOCK && off + (i + 1) * DIRENT_SIZE <= dp->size; i++) {
            if (e[i].inum == 0) {
                if (free_off && !have_free)
                    *free_off = off + i * DIRENT_SIZE;
                have_free = true;
                continue;
            }
            int r = e[i].name_len <= FS_NAME_MAX ? fn(arg, &e[i], off + i * DIRENT_SIZE) : 0;
            if (r != 0) {
                fs->ops->put(fs->ctx, bb);
                return r;
            }
        }
        fs->ops->put(fs->ctx, bb);
    }
    return 0;
}

struct lookup { const char *name; size_t len; uint32_t inum; uint64_t off; };

static int match(void *arg, const struct fs_dirent *e, uint64_t off)
{
    struct lookup *l = arg;
    if (e->name_len != l->len || memcmp(e->name, l->name, l->len) != 0)
        return 0;
    l->inum = e->inum;
    l->off = off;
    return 1;
}

int fs_dirlookup(struct fs *fs, const struct fs_dinode *dp, const char *name, size_t len,
                 uint32_t *inum, uint64_t *off)
{
    struct lookup l = { name, len, 0, 0 };
    int r = fs_name_check(name, len);
    if (r == 0)
        r = dir_iter(fs, dp, match, &l, 0);
    if (r < 0)
        return r;
    if (r == 0)
        return -FS_ENOENT;
    if (l.inum >= fs->sb.ninodes)
        return -FS_EUCLEAN;
    *inum = l.inum;
    if (off)
        *off = l.off;
    return 0;
}

/* Writes entry e at byte offset off of directory dinum (growing it at the end). */
static int dir_put(struct fs *fs, uint32_t dinum, struct fs_dinode *dp, uint64_t off,
                   const struct fs_dirent *e)
{
    if (off + DIRENT_SIZE > dp->size) {
        int64_t n = fs_write(fs, dinum, dp, off, e, DIRENT_SIZE);
        return n < 0 ? (int)n : 0;
    }
    uint32_t b;
    int err = fs_bmap(fs, dp, off / FS_BLOCK_SIZE, false, FS_BK_META, &b);
    if (err != 0 || b == 0)
        return err ? err : -FS_EUCLEAN;
    struct fs_buf *bb = fs->ops->get(fs->ctx, b, false);
    if (!bb)
        return -FS_EIO;
    memcpy(bb->data + off % FS_BLOCK_SIZE, e, DIRENT_SIZE);
    fs->ops->dirty(fs->ctx, bb, FS_BK_META);
    fs->ops->put(fs->ctx, bb);
    return 0;
}

static struct fs_dirent make_dirent(const char *name, size_t len, uint32_t inum, uint8_t type)
{
    struct fs_dirent e;
    memset(&e, 0, sizeof e);
    e.inum = inum;
    e.name_len = (uint8_t)len;
    e.type = type;
    memcpy(e.name, name, len);
    return e;
}

static int no_match(void *arg, const struct fs_dirent *e, uint64_t off)
{
    return 0;
}

int fs_dirlink(struct fs *fs, uint32_t dinum, struct fs_dinode *dp, const char *name,
               size_t len, uint32_t inum, uint8_t type)
{
    uint32_t old;
    uint64_t off;
    int err = fs_dirlookup(fs, dp, name, len, &old, 0);
    if (err != -FS_ENOENT)
        return err ? err : -FS_EEXIST;
    if ((err = dir_iter(fs, dp, no_match, 0, &off)) != 0)
        return err;
    struct fs_dirent e = make_dirent(name, len, inum, type);
    return dir_put(fs, dinum, dp, off, &e);
}

static int not_dot(void *arg, const struct fs_dirent *e, uint64_t off)
{
    return !is_dot_or_dotdot(e->name, e->name_len);
}

int fs_dirempty(struct fs *fs, const struct fs_dinode *dp)
{
    int r = dir_iter(fs, dp, not_dot, 0, 0);
    return r < 0 ? r : r == 0;
}

/* Adds delta to inum's link count (read-modify-write, so no stale copy is written). */
static int nlink_add(struct fs *fs, uint32_t inum, int delta)
{
    struct fs_dinode d;
    int err = fs_iread(fs, inum, &d);
    if (err != 0)
        return err;
    if ((delta > 0 && d.nlink > 0xffff - delta) || (delta < 0 && d.nlink < -delta))
        return delta > 0 ? -FS_EMLINK : -FS_EUCLEAN;
    d.nlink = (uint16_t)(d.nlink + delta);
    return fs_iwrite(fs, inum, &d);
}

static int dir_read(struct fs *fs, uint32_t dinum, struct fs_dinode *dp)
{
    int err = fs_iread(fs, dinum, dp);
    return err ? err : FS_S_ISDIR(dp->mode) ? 0 : -FS_ENOTDIR;
}

int fs_create(struct fs *fs, uint32_t dinum, const char *name, size_t len, uint16_t mode,
              uint32_t *inum)
{
    struct fs_dinode dp, ip;
    uint32_t old;
    int err = dir_read(fs, dinum, &dp);
    if (err == 0)
        err = fs_dirlookup(fs, &dp, name, len, &old, 0);
    if (err != -FS_ENOENT)
        return err ? err : -FS_EEXIST;
    if (FS_S_ISDIR(mode) && dp.nlink == 0xffff)
        return -FS_EMLINK;
    if ((err = fs_ialloc(fs, mode, inum)) != 0 || (err = fs_iread(fs, *inum, &ip)) != 0)
        return err;
    ip.nlink = FS_S_ISDIR(mode) ? 2 : 1;
    if (FS_S_ISDIR(mode) && (err = fs_dirlink(fs, *inum, &ip, ".", 1, *inum, FS_DT_DIR)) == 0)
        err = fs_dirlink(fs, *inum, &ip, "..", 2, dinum, FS_DT_DIR);
    if (err == 0)
        err = fs_iwrite(fs, *inum, &ip);
    if (err == 0)
        err = fs_dirlink(fs, dinum, &dp, name, len, *inum, fs_dtype(mode));
    if (err == 0 && FS_S_ISDIR(mode))
        err = nlink_add(fs, dinum, 1);
    if (err != 0)
        fs_ifree(fs, *inum);        /* undo: the entry was not added */
    return err;
}

int fs_link(struct fs *fs, uint32_t dinum, const char *name, size_t len, uint32_t inum)
{
    struct fs_dinode dp, ip;
    int err = dir_read(fs, dinum, &dp);
    if (err == 0)
        err = fs_iread(fs, inum, &ip);
    if (err != 0)
        return err;
    if (ip.mode == 0 || FS_S_ISDIR(ip.mode))
        return ip.mode ? -FS_EISDIR : -FS_ENOENT;
    if (ip.nlink == 0xffff)
        return -FS_EMLINK;
    err = fs_dirlink(fs, dinum, &dp, name, len, inum, fs_dtype(ip.mode));
    return err ? err : nlink_add(fs, inum, 1);
}

/* Drops the links that entry name -> inum (now removed from directory dinum) held: the
 * entry itself, and for a directory its own '.' and its '..' to dinum. */
static int drop_entry_links(struct fs *fs, uint32_t dinum, uint32_t inum, uint32_t *victim)
{
    struct fs_dinode ip;
    int err = fs_iread(fs, inum, &ip);
    if (err != 0)
        return err;
    int drop = FS_S_ISDIR(ip.mode) ? 2 : 1;
    ip.nlink = ip.nlink > drop ? (uint16_t)(ip.nlink - drop) : 0;
    if ((err = fs_iwrite(fs, inum, &ip)) != 0)
        return err;
    if (FS_S_ISDIR(ip.mode) && (err = nlink_add(fs, dinum, -1)) != 0)
        return err;
    *victim = ip.nlink == 0 ? inum : 0;
    return 0;
}

/* -FS_ENOTEMPTY unless inum is a non-directory or an empty directory. */
static int removable(struct fs *fs, uint32_t inum, struct fs_dinode *ip)
{
    int err = fs_iread(fs, inum, ip);
    if (err != 0 || !FS_S_ISDIR(ip->mode))
        return err;
    err = fs_dirempty(fs, ip);
    return err < 0 ? err : err ? 0 : -FS_ENOTEMPTY;
}

int fs_unlink(struct fs *fs, uint32_t dinum, const char *name, size_t len, uint32_t *victim)
{
    struct fs_dinode dp, ip;
    uint32_t inum;
    uint64_t off;
    *victim = 0;
    if (is_dot_or_dotdot(name, len))
        return -FS_EINVAL;
    int err = dir_read(fs, dinum, &dp);
    if (err == 0)
        err = fs_dirlookup(fs, &dp, name, len, &inum, &off);
    if (err == 0)
        err = removable(fs, inum, &ip);
    if (err != 0)
        return err;
    struct fs_dirent empty;
    memset(&empty, 0, sizeof empty);
    if ((err = dir_put(fs, dinum, &dp, off, &empty)) != 0)
        return err;
    return drop_entry_links(fs, dinum, inum, victim);
}

/* -FS_EINVAL if directory dir is inode anc or lies below it (walking up through '..'). */
static int not_below(struct fs *fs, uint32_t dir, uint32_t anc)
{
    for (uint32_t n = 0; n < fs->sb.ninodes; n++) {
        struct fs_dinode d;
        if (dir == anc)
            return -FS_EINVAL;
        if (dir == FS_ROOT_INUM)
            return 0;
        int err = dir_read(fs, dir, &d);
        if (err == 0)
            err = fs_dirlookup(fs, &d, "..", 2, &dir, 0);
        if (err != 0)
            return err;
    }
    return -FS_EUCLEAN;               /* a '..' loop */
}

/* Points moved directory inum's '..' at its new parent and moves the parent's link. */
static int reparent(struct fs *fs, uint32_t inum, uint32_t from, uint32_t to)
{
    struct fs_dinode ip;
    uint32_t old;
    uint64_t off;
    int err = dir_read(fs, inum, &ip);
    if (err == 0)
        err = fs_dirlookup(fs, &ip, "..", 2, &old, &off);
    if (err != 0)
        return err;
    struct fs_dirent e = make_dirent("..", 2, to, FS_DT_DIR);
    if ((err = dir_put(fs, inum, &ip, off, &e)) != 0 || (err = nlink_add(fs, to, 1)) != 0)
        return err;
    return nlink_add(fs, from, -1);
}

int fs_rename(struct fs *fs, uint32_t sdir, const char *sname, size_t slen,
              uint32_t ddir, const char *dname, size_t dlen, uint32_t *victim)
{
    struct fs_dinode sdp, ddp, sp, tp;
    uint32_t sinum, tinum;
    uint64_t soff, toff;
    *victim = 0;
    if (is_dot_or_dotdot(sname, slen) || is_dot_or_dotdot(dname, dlen))
        return -FS_EINVAL;
    int err = dir_read(fs, sdir, &sdp);
    if (err == 0)
        err = fs_dirlookup(fs, &sdp, sname, slen, &sinum, &soff);
    if (err == 0)
        err = fs_iread(fs, sinum, &sp);
    if (err == 0)
        err = dir_read(fs, ddir, &ddp);
    if (err == 0 && FS_S_ISDIR(sp.mode))
        err = not_below(fs, ddir, sinum);
    if (err != 0)
        return err;
    err = fs_dirlookup(fs, &ddp, dname, dlen, &tinum, &toff);
    if (err == 0) {
        if (tinum == sinum)
            return 0;                 /* two names of one file: POSIX says do nothing */
        if ((err = removable(fs, tinum, &tp)) != 0)
            return err;
        if (FS_S_ISDIR(sp.mode) != FS_S_ISDIR(tp.mode))
            return FS_S_ISDIR(sp.mode) ? -FS_ENOTDIR : -FS_EISDIR;
        struct fs_dirent e = make_dirent(dname, dlen, sinum, fs_dtype(sp.mode));
        if ((err = dir_put(fs, ddir, &ddp, toff, &e)) != 0 ||
            (err = drop_entry_links(fs, ddir, tinum, victim)) != 0)
            return err;
    } else if (err == -FS_ENOENT) {
        if ((err = fs_dirlink(fs, ddir, &ddp, dname, dlen, sinum, fs_dtype(sp.mode))) != 0)
            return err;
    } else {
        return err;
    }
    struct fs_dirent empty;
    memset(&empty, 0, sizeof empty);
    if ((err = dir_read(fs, sdir, &sdp)) != 0 || (err = dir_put(fs, sdir, &sdp, soff, &empty)) != 0)
        return err;
    if (FS_S_ISDIR(sp.mode) && sdir != ddir)
        return reparent(fs, sinum, sdir, ddir);
    return 0;
}
