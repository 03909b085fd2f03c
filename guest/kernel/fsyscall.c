/* The file-system system calls (block 50-79 of abi/syscall.h): argument checks, path
 * lookups, and one transaction per call that changes the disk. read, write and close come
 * through the fd layer to fsfile.c. Paths are copied into static buffers, used under the
 * file-system lock (the kernel stack is one page). */
#include "abi/syscall.h"
#include "guest/kernel/file.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/proc.h"

#define ARG0 (tf->rdi)
#define ARG1 (tf->rsi)
#define ARG2 (tf->rdx)
#define ARG3 (tf->r10)

static char path[2][EXEC_PATHMAX];
static char cwdbuf[1024];

/* Copies user path i; lock held. */
static int getpath(int i, uint64_t uva)
{
    int r = copyinstr(&myproc()->as, path[i], uva, sizeof path[i]);
    return r < 0 ? r : 0;
}

static bool is_dot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* Creates or opens; lock held. */
static long do_open(uint64_t uva, int flags, int mode)
{
    struct fs_dinode d;
    uint32_t dinum, inum;
    const char *name;
    size_t len;
    int acc = flags & O_ACCMODE, r = getpath(0, uva);
    if (r < 0)
        return r;
    if (acc == 3)
        return -EINVAL;
    if (flags & O_CREAT) {
        if ((r = nameiparent(path[0], &dinum, &name, &len)) < 0 ||
            (r = fs_iread(&rootfs, dinum, &d)) < 0)
            return r;
        r = fs_dirlookup(&rootfs, &d, name, len, &inum, NULL);
        if (r == 0 && (flags & O_EXCL))
            return -EEXIST;
        if (r == -ENOENT) {
            if ((r = begin_op(OP_BLOCKS)) < 0)
                return r;
            r = fs_create(&rootfs, dinum, name, len, (uint16_t)(FS_S_IFREG | (mode & 0777)), &inum);
            int e = end_op();
            r = r < 0 ? r : e;
        }
    } else {
        r = namei(path[0], &inum);
    }
    if (r < 0 || (r = fs_iread(&rootfs, inum, &d)) < 0)
        return r;
    if (FS_S_ISDIR(d.mode) && acc != O_RDONLY)
        return -EISDIR;
    if (!FS_S_ISDIR(d.mode) && (flags & O_DIRECTORY))
        return -ENOTDIR;
    if ((flags & O_TRUNC) && acc != O_RDONLY && FS_S_ISREG(d.mode) && d.size > 0) {
        if ((r = begin_op(OP_BLOCKS)) < 0)
            return r;
        r = fs_truncate(&rootfs, inum, &d, 0);
        int e = end_op();
        if (r < 0 || e < 0)
            return r < 0 ? r : e;
    }
    return fsfile_open(inum, flags);
}

static long sys_open(struct trapframe *tf)
{
    fs_lock();
    long r = do_open(ARG0, (int)ARG1, (int)ARG2);
    fs_unlock();
    return r;
}

/* The error for fd, which is not a file-system file: EBADF if it is not open at all. */
static long not_a_file(int fd, long err)
{
    return fd >= 0 && fd < NOFILE && myproc()->ofile[fd] ? err : -EBADF;
}

static long sys_lseek(struct trapframe *tf)
{
    int fd = (int)ARG0;
    struct fsfile *f = fsfile_of_fd(fd);
    int64_t off = (int64_t)ARG1;
    struct fs_dinode d;
    if (!f)
        return not_a_file(fd, -ESPIPE);
    fs_lock();
    uint64_t *pos = fsfile_offset(f);
    int r = 0;
    if (ARG2 == SEEK_CUR)
        off += (int64_t)*pos;
    else if (ARG2 == SEEK_END)
        r = fs_iread(&rootfs, fsfile_inode(f)->inum, &d), off += (int64_t)d.size;
    else if (ARG2 != SEEK_SET)
        r = -EINVAL;
    if (r == 0 && off < 0)
        r = -EINVAL;
    if (r == 0)
        *pos = (uint64_t)off;
    fs_unlock();
    return r < 0 ? r : off;
}

/* Copies inode inum's attributes out to the user's struct stat. Lock held. */
static long stat_out(uint32_t inum, uint64_t uva)
{
    struct fs_dinode d;
    int r = fs_iread(&rootfs, inum, &d);
    if (r < 0)
        return r;
    struct stat st = {
        .st_ino = inum, .st_mode = d.mode, .st_nlink = d.nlink, .st_uid = d.uid,
        .st_gid = d.gid, .st_size = d.size,
        .st_blocks = (d.size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE * (FS_BLOCK_SIZE / 512),
        .st_blksize = FS_BLOCK_SIZE, .st_rdev = d.rdev, .st_mtime = d.mtime,
        .st_ctime = d.ctime,
    };
    return copyout(&myproc()->as, uva, &st, sizeof st);
}

static long sys_stat(struct trapframe *tf)
{
    uint32_t inum;
    fs_lock();
    long r = getpath(0, ARG0);
    if (r == 0 && (r = namei(path[0], &inum)) == 0)
        r = stat_out(inum, ARG1);
    fs_unlock();
    return r;
}

static long sys_fstat(struct trapframe *tf)
{
    struct fsfile *f = fsfile_of_fd((int)ARG0);
    if (!f)
        return -EBADF;
    fs_lock();
    long r = stat_out(fsfile_inode(f)->inum, ARG1);
    fs_unlock();
    return r;
}

static long sys_mkdir(struct trapframe *tf)
{
    uint32_t dinum, inum;
    const char *name;
    size_t len;
    fs_lock();
    long r = getpath(0, ARG0);
    if (r == 0 && (r = nameiparent(path[0], &dinum, &name, &len)) == 0 &&
        (r = begin_op(OP_BLOCKS)) == 0) {
        r = fs_create(&rootfs, dinum, name, len, (uint16_t)(FS_S_IFDIR | (ARG1 & 0777)), &inum);
        int e = end_op();
        r = r < 0 ? r : e;
    }
    fs_unlock();
    return r;
}

/* unlink and rmdir: removes the last component of path; dir says which kind it must be. */
static long remove(uint64_t uva, bool dir)
{
    struct fs_dinode d, pd;
    uint32_t dinum, inum, victim = 0;
    const char *name;
    size_t len;
    long r = getpath(0, uva);
    if (r == 0)
        r = nameiparent(path[0], &dinum, &name, &len);
    if (r == -EINVAL)
        return -EBUSY;                   /* "/" */
    if (r < 0)
        return r;
    if (is_dot(name, len))
        return dir ? (len == 1 ? -EINVAL : -ENOTEMPTY) : -EISDIR;
    if ((r = fs_iread(&rootfs, dinum, &pd)) < 0 ||
        (r = fs_dirlookup(&rootfs, &pd, name, len, &inum, NULL)) < 0 ||
        (r = fs_iread(&rootfs, inum, &d)) < 0)
        return r;
    if (dir != FS_S_ISDIR(d.mode))
        return dir ? -ENOTDIR : -EISDIR;
    if ((r = begin_op(OP_BLOCKS)) < 0)
        return r;
    r = fs_unlink(&rootfs, dinum, name, len, &victim);
    if (r == 0 && victim)
        r = inode_drop(victim);
    int e = end_op();
    return r < 0 ? r : e;
}

static long sys_unlink(struct trapframe *tf)
{
    fs_lock();
    long r = remove(ARG0, false);
    fs_unlock();
    return r;
}

static long sys_rmdir(struct trapframe *tf)
{
    fs_lock();
    long r = remove(ARG0, true);
    fs_unlock();
    return r;
}

static long do_link(uint64_t old, uint64_t new)
{
    struct fs_dinode d;
    uint32_t inum, dinum;
    const char *name;
    size_t len;
    long r;
    if ((r = getpath(0, old)) < 0 || (r = getpath(1, new)) < 0 ||
        (r = namei(path[0], &inum)) < 0 || (r = fs_iread(&rootfs, inum, &d)) < 0)
        return r;
    if (FS_S_ISDIR(d.mode))
        return -EPERM;
    if ((r = nameiparent(path[1], &dinum, &name, &len)) < 0 || (r = begin_op(OP_BLOCKS)) < 0)
        return r;
    r = fs_link(&rootfs, dinum, name, len, inum);
    int e = end_op();
    return r < 0 ? r : e;
}

static long sys_link(struct trapframe *tf)
{
    fs_lock();
    long r = do_link(ARG0, ARG1);
    fs_unlock();
    return r;
}

static long do_rename(uint64_t old, uint64_t new)
{
    uint32_t sdir, ddir, victim = 0;
    const char *sname, *dname;
    size_t slen, dlen;
    long r;
    if ((r = getpath(0, old)) < 0 || (r = getpath(1, new)) < 0 ||
        (r = nameiparent(path[0], &sdir, &sname, &slen)) < 0 ||
        (r = nameiparent(path[1], &ddir, &dname, &dlen)) < 0)
        return r == -EINVAL ? -EBUSY : r;
    if (is_dot(sname, slen) || is_dot(dname, dlen))
        return -EINVAL;
    if ((r = begin_op(OP_BLOCKS)) < 0)
        return r;
    r = fs_rename(&rootfs, sdir, sname, slen, ddir, dname, dlen, &victim);
    if (r == 0 && victim)
        r = inode_drop(victim);
    int e = end_op();
    return r < 0 ? r : e;
}

static long sys_rename(struct trapframe *tf)
{
    fs_lock();
    long r = do_rename(ARG0, ARG1);
    fs_unlock();
    return r;
}

static long sys_fsync(struct trapframe *tf)
{
    if (!fsfile_of_fd((int)ARG0))
        return not_a_file((int)ARG0, -EINVAL);
    fs_lock();
    long r = fsys_commit();
    fs_unlock();
    return r;
}

static long sys_sync(struct trapframe *tf)
{
    fs_lock();
    long r = fsys_commit();
    fs_unlock();
    return r;
}

static long sys_chdir(struct trapframe *tf)
{
    struct fs_dinode d;
    uint32_t inum;
    fs_lock();
    long r = getpath(0, ARG0);
    if (r == 0 && (r = namei(path[0], &inum)) == 0 && (r = fs_iread(&rootfs, inum, &d)) == 0) {
        if (FS_S_ISDIR(d.mode))
            cwd_set(inum);
        else
            r = -ENOTDIR;
    }
    fs_unlock();
    return r;
}

static long sys_getcwd(struct trapframe *tf)
{
    fs_lock();
    long r = dir_path(cwd_get(), cwdbuf, sizeof cwdbuf);
    if (r > 0 && (uint64_t)r > ARG1)
        r = -ERANGE;
    if (r > 0 && copyout(&myproc()->as, ARG0, cwdbuf, r) < 0)
        r = -EFAULT;
    fs_unlock();
    return r;
}

static long sys_ftruncate(struct trapframe *tf)
{
    int fd = (int)ARG0;
    struct fsfile *f = fsfile_of_fd(fd);
    struct fs_dinode d;
    if (!f)
        return not_a_file(fd, -EINVAL);
    if (!myproc()->ofile[fd]->writable || (int64_t)ARG1 < 0)
        return -EINVAL;
    if (ARG1 > FS_MAX_FILE_SIZE)
        return -EFBIG;
    fs_lock();
    uint32_t inum = fsfile_inode(f)->inum;
    long r = begin_op(OP_BLOCKS);
    if (r == 0) {
        if ((r = fs_iread(&rootfs, inum, &d)) == 0)
            r = FS_S_ISREG(d.mode) ? fs_truncate(&rootfs, inum, &d, ARG1) : -EINVAL;
        int e = end_op();
        r = r < 0 ? r : e;
    }
    fs_unlock();
    return r;
}

long fsys_getdents(int fd, uint64_t uva, uint64_t n);
long fsys_statfs(uint64_t uva);
long fsys_diskio(int disk, int op, uint64_t block, uint64_t uva);

static long sys_getdents(struct trapframe *tf) { return fsys_getdents((int)ARG0, ARG1, ARG2); }
static long sys_statfs(struct trapframe *tf) { return fsys_statfs(ARG0); }
static long sys_diskio(struct trapframe *tf)
{
    return fsys_diskio((int)ARG0, (int)ARG1, ARG2, ARG3);
}

typedef long (*fsysfn)(struct trapframe *tf);
static const fsysfn fstab[] = {
    [SYS_open - SYS_open] = sys_open,         [SYS_lseek - SYS_open] = sys_lseek,
    [SYS_stat - SYS_open] = sys_stat,         [SYS_fstat - SYS_open] = sys_fstat,
    [SYS_mkdir - SYS_open] = sys_mkdir,       [SYS_rmdir - SYS_open] = sys_rmdir,
    [SYS_unlink - SYS_open] = sys_unlink,     [SYS_link - SYS_open] = sys_link,
    [SYS_rename - SYS_open] = sys_rename,     [SYS_fsync - SYS_open] = sys_fsync,
    [SYS_sync - SYS_open] = sys_sync,         [SYS_getdents - SYS_open] = sys_getdents,
    [SYS_chdir - SYS_open] = sys_chdir,       [SYS_getcwd - SYS_open] = sys_getcwd,
    [SYS_ftruncate - SYS_open] = sys_ftruncate, [SYS_statfs - SYS_open] = sys_statfs,
    [SYS_diskio - SYS_open] = sys_diskio,
};

long fsys_syscall(uint64_t nr, struct trapframe *tf)
{
    uint64_t i = nr - SYS_open;
    if (nr < SYS_open || i >= sizeof fstab / sizeof fstab[0] || !fstab[i])
        return -ENOSYS;
    if (nr != SYS_diskio) {
        long r = fsys_ready();
        if (r < 0)
            return r;
    }
    return fstab[i](tf);
}
