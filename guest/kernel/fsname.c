/* Path names: resolving a path, component by component, from the root or the calling
 * process's current directory; the current directories themselves; and the way back from
 * a directory to its path (getcwd). All with the file-system lock held.
 *
 * A process's current directory is kept here, by process slot and pid, as an inode number
 * (struct proc has no field for it): a process that never called chdir inherits its
 * parent's at the time of the lookup, so fork needs no hook. */
#include "abi/syscall.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/proc.h"

struct cwd {
    struct proc *p;
    int pid;
    uint32_t inum;
};
static struct cwd cwds[NPROC];

/* The entry of process p, or NULL. */
static struct cwd *cwd_find(struct proc *p)
{
    for (struct cwd *c = cwds; c < cwds + NPROC; c++)
        if (c->p == p && c->pid == p->pid)
            return c;
    return NULL;
}

uint32_t cwd_get(void)
{
    int depth = 0;
    for (struct proc *p = myproc(); p && depth < NPROC; p = p->parent, depth++) {
        struct cwd *c = cwd_find(p);
        if (c)
            return c->inum;
    }
    return FS_ROOT_INUM;
}

void cwd_set(uint32_t inum)
{
    struct proc *p = myproc();
    struct cwd *c = cwd_find(p);
    for (struct cwd *x = cwds; !c && x < cwds + NPROC; x++)
        if (!x->p || x->p->pid != x->pid || x->p->state == UNUSED || x->p->state == ZOMBIE)
            c = x;
    if (c)
        *c = (struct cwd){ p, p->pid, inum };
}

/* The next component of *path: its start and length; *path moves past it. 0 at the end. */
static size_t next_name(const char **path, const char **name)
{
    const char *s = *path;
    while (*s == '/')
        s++;
    *name = s;
    while (*s && *s != '/')
        s++;
    *path = s;
    return (size_t)(s - *name);
}

/* Walks path; with parent, stops before the last component and returns it. */
static int walk(const char *path, bool parent, uint32_t *inum, const char **last, size_t *lastlen)
{
    struct fs_dinode d;
    if (*path == '\0')
        return -ENOENT;
    uint32_t cur = *path == '/' ? FS_ROOT_INUM : cwd_get();
    const char *name;
    size_t len;
    while ((len = next_name(&path, &name)) > 0) {
        int r = fs_iread(&rootfs, cur, &d);
        if (r < 0)
            return r;
        if (!FS_S_ISDIR(d.mode))
            return -ENOTDIR;
        if (d.nlink == 0)
            return -ENOENT;              /* a removed current directory */
        const char *rest = path;
        const char *dummy;
        if (parent && next_name(&rest, &dummy) == 0) {
            if (len > FS_NAME_MAX)
                return -ENAMETOOLONG;
            *inum = cur;
            *last = name;
            *lastlen = len;
            return 0;
        }
        if (len > FS_NAME_MAX)
            return -ENAMETOOLONG;
        if ((r = fs_dirlookup(&rootfs, &d, name, len, &cur, NULL)) < 0)
            return r;
    }
    if (parent)
        return -EINVAL;                  /* "/" has no last component */
    *inum = cur;
    return 0;
}

int namei(const char *path, uint32_t *inum)
{
    return walk(path, false, inum, NULL, NULL);
}

int nameiparent(const char *path, uint32_t *dinum, const char **name, size_t *len)
{
    return walk(path, true, dinum, name, len);
}

/* Finds the name of inode child in directory dir, copying it to buf[*pos - len, *pos). */
static int name_in(uint32_t dir, uint32_t child, char *buf, size_t *pos)
{
    struct fs_dinode d;
    int r = fs_iread(&rootfs, dir, &d);
    if (r < 0)
        return r;
    for (uint64_t fb = 0; fb * FS_BLOCK_SIZE < d.size; fb++) {
        uint32_t bno;
        if ((r = fs_bmap(&rootfs, &d, fb, false, FS_BK_META, &bno)) < 0)
            return r;
        struct buf *b = bno ? bread(bno) : NULL;
        if (!b)
            continue;
        const struct fs_dirent *e = (const struct fs_dirent *)b->fb.data;
        for (unsigned i = 0; i < FS_DIRENTS_PER_BLOCK; i++)
            if (e[i].inum == child && e[i].name_len <= FS_NAME_MAX &&
                !(e[i].name_len == 1 && e[i].name[0] == '.') &&
                !(e[i].name_len == 2 && e[i].name[0] == '.' && e[i].name[1] == '.')) {
                if (*pos < e[i].name_len + 1u) {
                    brelse(b);
                    return -ERANGE;
                }
                *pos -= e[i].name_len;
                memcpy(buf + *pos, e[i].name, e[i].name_len);
                buf[--*pos] = '/';
                brelse(b);
                return 0;
            }
        brelse(b);
    }
    return -ENOENT;
}

int dir_path(uint32_t inum, char *buf, size_t size)
{
    struct fs_dinode d;
    size_t pos = size;
    if (size < 2)
        return -ERANGE;
    buf[--pos] = '\0';
    for (int depth = 0; inum != FS_ROOT_INUM; depth++) {
        uint32_t parent;
        int r = fs_iread(&rootfs, inum, &d);
        if (r < 0)
            return r;
        if (d.nlink == 0 || depth > 256)
            return -ENOENT;
        if ((r = fs_dirlookup(&rootfs, &d, "..", 2, &parent, NULL)) < 0 ||
            (r = name_in(parent, inum, buf, &pos)) < 0)
            return r;
        inum = parent;
    }
    if (pos == size - 1)
        buf[--pos] = '/';
    size_t len = size - pos;
    memmove(buf, buf + pos, len);
    return (int)len;
}
