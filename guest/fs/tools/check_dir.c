/* fsck's directory part: walks the tree from the root checking every entry ('.' and '..'
 * first and right, names valid and unique, entries naming allocated inodes of the type they
 * say, one parent per directory), then the orphan list, reachability and link counts. */
#include <stdlib.h>
#include <string.h>
#include "guest/fs/tools/check.h"

#define DIRENT_SIZE sizeof(struct fs_dirent)

/* Rewrites the entry at byte offset off of directory dinum (a fix). */
static bool put_entry(struct check *c, uint32_t dinum, uint64_t off, const struct fs_dirent *e)
{
    struct fs_dinode d;
    uint32_t b;
    if (!check_may_fix(c) || fs_iread(&c->fs, dinum, &d) != 0 ||
        fs_bmap(&c->fs, &d, off / FS_BLOCK_SIZE, false, FS_BK_META, &b) != 0 || b == 0)
        return false;
    struct fs_buf *bb = c->fs.ops->get(c->fs.ctx, b, false);
    if (!bb)
        return false;
    memcpy(bb->data + off % FS_BLOCK_SIZE, e, DIRENT_SIZE);
    c->fs.ops->dirty(c->fs.ctx, bb, FS_BK_META);
    c->fs.ops->put(c->fs.ctx, bb);
    return !c->im->failed;
}

static bool name_ok(const struct fs_dirent *e)
{
    return e->name_len > 0 && e->name_len <= FS_NAME_MAX && !memchr(e->name, '/', e->name_len) &&
           !memchr(e->name, 0, e->name_len);
}

static int by_name(const void *a, const void *b)
{
    const struct fs_dirent *x = a, *y = b;
    int r = memcmp(x->name, y->name, x->name_len < y->name_len ? x->name_len : y->name_len);
    return r ? r : x->name_len - y->name_len;
}

/* Whether directory dir has an entry other than '.' and '..' naming inum. */
static bool names(struct check *c, uint32_t dir, uint32_t inum)
{
    struct fs_dinode d;
    struct fs_dirent e;
    if (dir >= c->fs.sb.ninodes || fs_iread(&c->fs, dir, &d) != 0 || !FS_S_ISDIR(d.mode))
        return false;
    for (uint64_t off = 2 * DIRENT_SIZE; off + DIRENT_SIZE <= d.size; off += DIRENT_SIZE)
        if (fs_read(&c->fs, &d, off, &e, DIRENT_SIZE) == DIRENT_SIZE && e.inum == inum)
            return true;
    return false;
}

/* '.' and '..' must be the first two entries and name the directory and its parent. A
 * '..' naming another directory that also holds an entry for this one is left alone: the
 * walk's parent may be the wrong one of two (a hard link to a directory, reported too). */
static uint32_t check_dots(struct check *c, uint32_t dinum, uint64_t off, const struct fs_dirent *e)
{
    const char *want = off == 0 ? "." : "..";
    uint32_t target = off == 0 ? dinum : c->parent[dinum];
    if (e->inum == 0 || e->name_len != strlen(want) || memcmp(e->name, want, e->name_len) != 0) {
        check_problem(c, false, "directory %u: no '%s' entry", dinum, want);
    } else if (e->inum != target) {
        struct fs_dirent f = *e;
        f.inum = target;
        bool fixed = (off == 0 || !names(c, e->inum, dinum)) && put_entry(c, dinum, off, &f);
        check_problem(c, fixed, "directory %u: '%s' names inode %u, not %u", dinum, want,
                      e->inum, target);
        return fixed ? target : e->inum;
    }
    return e->inum;
}

/* One entry (not '.' or '..'): valid, names a live inode of its type; a subdirectory gets
 * its parent and joins the queue. */
static void check_entry(struct check *c, uint32_t dinum, uint64_t off, const struct fs_dirent *e,
                        uint32_t *queue, uint32_t *nq)
{
    struct fs_dinode d;
    struct fs_dirent f = *e;
    if (!name_ok(e)) {
        f.inum = 0;
        check_problem(c, put_entry(c, dinum, off, &f), "directory %u: entry at offset %llu has a bad name",
                      dinum, (unsigned long long)off);
        return;
    }
    if (e->inum >= c->fs.sb.ninodes || !(c->state[e->inum] & INODE_USED)) {
        f.inum = 0;
        check_problem(c, put_entry(c, dinum, off, &f), "directory %u: entry '%.*s' names free inode %u",
                      dinum, e->name_len, e->name, e->inum);
        return;
    }
    if (fs_iread(&c->fs, e->inum, &d) != 0)
        return;
    if (e->type != fs_dtype(d.mode)) {
        f.type = fs_dtype(d.mode);
        check_problem(c, put_entry(c, dinum, off, &f), "directory %u: entry '%.*s' has type %u, inode %u has %u",
                      dinum, e->name_len, e->name, e->type, e->inum, f.type);
    }
    c->refs[e->inum]++;
    if (FS_S_ISDIR(d.mode)) {
        if (c->parent[e->inum] != 0 || e->inum == FS_ROOT_INUM) {
            check_problem(c, false, "directory %u: second parent %u (a hard link to a directory)",
                          e->inum, dinum);
            return;
        }
        c->parent[e->inum] = dinum;
        queue[(*nq)++] = e->inum;
    }
    c->state[e->inum] |= INODE_REACHED;
}

/* Reads directory dinum's entries into a new array; *n = slots. NULL on error. */
static struct fs_dirent *read_dir(struct check *c, uint32_t dinum, size_t *n)
{
    struct fs_dinode d;
    if (fs_iread(&c->fs, dinum, &d) != 0)
        return NULL;
    *n = d.size / DIRENT_SIZE;
    struct fs_dirent *ents = calloc(*n + 1, DIRENT_SIZE);
    if (ents && fs_read(&c->fs, &d, 0, ents, *n * DIRENT_SIZE) != (int64_t)(*n * DIRENT_SIZE)) {
        check_problem(c, false, "directory %u: unreadable (bad block pointers)", dinum);
        *n = 0;
    }
    return ents;
}

static int check_dir(struct check *c, uint32_t dinum, uint32_t *queue, uint32_t *nq)
{
    size_t n;
    struct fs_dirent *ents = read_dir(c, dinum, &n);
    if (!ents)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i >= 2) {
            if (ents[i].inum != 0)
                check_entry(c, dinum, i * DIRENT_SIZE, &ents[i], queue, nq);
            continue;
        }
        uint32_t named = check_dots(c, dinum, i * DIRENT_SIZE, &ents[i]);
        if (named != 0 && named < c->fs.sb.ninodes)
            c->refs[named]++;
    }
    if (n < 2)
        check_problem(c, false, "directory %u: no '%s' entry", dinum, n ? ".." : ".");
    size_t m = 0;       /* duplicates: sort the live names and compare neighbours */
    for (size_t i = 0; i < n; i++)
        if (ents[i].inum != 0 && name_ok(&ents[i]))
            ents[m++] = ents[i];
    qsort(ents, m, DIRENT_SIZE, by_name);
    for (size_t i = 1; i < m; i++)
        if (by_name(&ents[i - 1], &ents[i]) == 0)
            check_problem(c, false, "directory %u: duplicate name '%.*s'", dinum,
                          ents[i].name_len, ents[i].name);
    free(ents);
    return 0;
}

static void check_orphans(struct check *c)
{
    uint32_t inum = c->fs.sb.orphan_head;
    for (uint32_t n = 0; inum != 0; n++) {
        struct fs_dinode d;
        if (n >= c->fs.sb.ninodes || !(c->state[inum] & INODE_USED) ||
            fs_iread(&c->fs, inum, &d) != 0) {
            check_problem(c, false, "orphan list: broken at inode %u", inum);
            return;
        }
        if (d.nlink != 0 || c->refs[inum] != 0)
            check_problem(c, false, "orphan list: inode %u still has links", inum);
        c->state[inum] |= INODE_ORPHAN;
        inum = d.next_orphan;
        if (inum >= c->fs.sb.ninodes) {
            check_problem(c, false, "orphan list: link %u out of range", inum);
            return;
        }
    }
}

static void check_links(struct check *c)
{
    for (uint32_t inum = 1; inum < c->fs.sb.ninodes; inum++) {
        struct fs_dinode d;
        uint8_t s = c->state[inum];
        if (!(s & INODE_USED) || (s & INODE_ORPHAN) || fs_iread(&c->fs, inum, &d) != 0)
            continue;
        if (!(s & INODE_REACHED)) {
            check_problem(c, false, "inode %u: allocated but unreachable", inum);
            continue;
        }
        if (d.nlink == c->refs[inum])
            continue;
        uint16_t was = d.nlink;
        d.nlink = (uint16_t)c->refs[inum];
        bool fixed = check_may_fix(c) && c->refs[inum] <= 0xffff &&
                     fs_iwrite(&c->fs, inum, &d) == 0 && !c->im->failed;
        check_problem(c, fixed, "inode %u: link count %u, but %u directory entries name it",
                      inum, was, c->refs[inum]);
    }
}

int check_tree(struct check *c)
{
    uint32_t *queue = malloc(c->fs.sb.ninodes * sizeof *queue), nq = 0;
    if (!queue)
        return -1;
    struct fs_dinode root;
    if (!(c->state[FS_ROOT_INUM] & INODE_USED) || fs_iread(&c->fs, FS_ROOT_INUM, &root) != 0 ||
        !FS_S_ISDIR(root.mode)) {
        check_problem(c, false, "inode %u: the root is not a directory", FS_ROOT_INUM);
        free(queue);
        return 0;
    }
    c->parent[FS_ROOT_INUM] = FS_ROOT_INUM;
    c->state[FS_ROOT_INUM] |= INODE_REACHED;
    queue[nq++] = FS_ROOT_INUM;
    int err = 0;
    for (uint32_t i = 0; i < nq && err == 0; i++)
        err = check_dir(c, queue[i], queue, &nq);
    free(queue);
    if (err != 0)
        return err;
    check_orphans(c);
    check_links(c);
    return 0;
}
