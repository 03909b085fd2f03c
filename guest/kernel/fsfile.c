/* Files of the root file system as the rest of the kernel sees them: the in-memory inodes
 * that open files hold (an unlinked inode lives on the on-disk orphan list until its last
 * close), the open-file type plugged into the fd layer (read, write, close with an offset
 * shared by dup and fork), and executables read for exec.
 *
 * read and write move data between the buffer cache and the user's pages directly, one
 * page-sized piece at a time (one copy; the disk DMAs into the cache). Reads start the
 * disk on the next blocks of the file together (read-ahead); writes are cut into
 * transactions of WRITE_BLOCKS file blocks. */
#include "abi/syscall.h"
#include "guest/kernel/file.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/proc.h"

#define NINODE     (NFILE + 8)
#define READAHEAD  32                   /* blocks read together */
#define EXEC_IMAGE_MAX (1u << 20)       /* largest executable exec takes from the disk */

struct fsfile {
    struct inode *ip;
    uint64_t off;
    bool append;
    bool used;
};

static struct inode itab[NINODE];
static struct fsfile fsfiles[NFILE];
static const struct fileops fs_fileops;

struct inode *iget(uint32_t inum)
{
    struct inode *free = NULL;
    for (struct inode *ip = itab; ip < itab + NINODE; ip++) {
        if (ip->ref > 0 && ip->inum == inum) {
            ip->ref++;
            return ip;
        }
        if (ip->ref == 0 && !free)
            free = ip;
    }
    if (free)
        *free = (struct inode){ inum, 1, false };
    return free;
}

void iput(struct inode *ip)
{
    if (--ip->ref > 0 || !ip->orphan)
        return;
    ip->orphan = false;
    if (begin_op(OP_BLOCKS) == 0) {
        if (fs_orphan_remove(&rootfs, ip->inum) == 0)
            fs_ifree(&rootfs, ip->inum);
        end_op();
    }
}

/* Marks inum (just unlinked to nlink 0) an orphan if it is open, else frees it. */
int inode_drop(uint32_t inum)
{
    for (struct inode *ip = itab; ip < itab + NINODE; ip++)
        if (ip->ref > 0 && ip->inum == inum) {
            struct fs_dinode d;
            int r = fs_iread(&rootfs, inum, &d);
            if (r == 0 && (r = fs_orphan_add(&rootfs, inum, &d)) == 0)
                ip->orphan = true;
            return r;
        }
    return fs_ifree(&rootfs, inum);
}

/* Starts the disk on the blocks of [off, off + n) that are not cached. */
static void readahead(const struct fs_dinode *d, uint64_t off, uint64_t n)
{
    uint32_t bnos[READAHEAD];
    uint64_t first = off / FS_BLOCK_SIZE, last = (off + n - 1) / FS_BLOCK_SIZE;
    int k = 0;
    for (uint64_t fb = first; fb <= last && k < READAHEAD; fb++)
        if (fs_bmap(&rootfs, (struct fs_dinode *)d, fb, false, FS_BK_DATA, &bnos[k]) == 0 &&
            bnos[k] != 0)
            k++;
    if (k > 1)
        bprefetch(bnos, k);
}

static long fs_file_read(struct file *f, uint64_t uva, uint64_t n)
{
    struct fsfile *ff = f->obj;
    struct fs_dinode d;
    long done = 0;
    fs_lock();
    int r = fs_iread(&rootfs, ff->ip->inum, &d);
    if (r == 0 && FS_S_ISDIR(d.mode))
        r = -EISDIR;
    while (r == 0 && (uint64_t)done < n && ff->off < d.size) {
        if (ff->off % (READAHEAD * FS_BLOCK_SIZE) == 0 || done == 0)
            readahead(&d, ff->off, n - done < d.size - ff->off ? n - done : d.size - ff->off);
        void *k = uvm_translate(&myproc()->as, uva + done, 1);
        uint64_t piece = PAGE_SIZE - ((uva + done) & (PAGE_SIZE - 1));
        if (piece > n - done)
            piece = n - done;
        int64_t got = k ? fs_read(&rootfs, &d, ff->off, k, piece) : -EFAULT;
        if (got <= 0) {
            r = (int)got;
            break;
        }
        ff->off += got;
        done += got;
    }
    fs_unlock();
    return done > 0 ? done : r;
}

/* Writes up to one transaction's worth at the file offset; bytes written or an error. */
static long write_some(struct fsfile *ff, uint64_t uva, uint64_t n)
{
    struct fs_dinode d;
    uint32_t inum = ff->ip->inum;
    int r = begin_op(WRITE_BLOCKS + 16);
    if (r == 0)
        r = fs_iread(&rootfs, inum, &d);
    if (r < 0)
        return r;
    if (ff->append)
        ff->off = d.size;
    uint64_t room = WRITE_BLOCKS * FS_BLOCK_SIZE - ff->off % FS_BLOCK_SIZE;
    if (n > room)
        n = room;
    long done = 0;
    while ((uint64_t)done < n) {
        const void *k = uvm_translate(&myproc()->as, uva + done, 0);
        uint64_t piece = PAGE_SIZE - ((uva + done) & (PAGE_SIZE - 1));
        if (piece > n - done)
            piece = n - done;
        int64_t w = k ? fs_write(&rootfs, inum, &d, ff->off, k, piece) : -EFAULT;
        if (w <= 0) {
            r = (int)w;
            break;
        }
        ff->off += w;
        done += w;
    }
    int e = end_op();
    return done > 0 ? done : r < 0 ? r : e;
}

static long fs_file_write(struct file *f, uint64_t uva, uint64_t n)
{
    struct fsfile *ff = f->obj;
    long done = 0, r = 0;
    fs_lock();
    while ((uint64_t)done < n && (r = write_some(ff, uva + done, n - done)) > 0)
        done += r;
    fs_unlock();
    return done > 0 ? done : r;
}

static void fs_file_close(struct file *f)
{
    struct fsfile *ff = f->obj;
    fs_lock();
    iput(ff->ip);
    ff->used = false;
    fs_unlock();
}

static const struct fileops fs_fileops = { fs_file_read, fs_file_write, fs_file_close };

int fsfile_open(uint32_t inum, int flags)
{
    struct fsfile *ff = NULL;
    for (struct fsfile *x = fsfiles; x < fsfiles + NFILE && !ff; x++)
        if (!x->used)
            ff = x;
    struct inode *ip = ff ? iget(inum) : NULL;
    if (!ip)
        return -ENFILE;
    int acc = flags & O_ACCMODE;
    *ff = (struct fsfile){ ip, 0, (flags & O_APPEND) != 0, true };
    struct file *f = file_alloc(&fs_fileops, ff, acc != O_WRONLY, acc != O_RDONLY);
    int fd = f ? fd_install(f) : -ENFILE;
    if (fd < 0) {
        ff->used = false;
        iput(ip);
        if (f) {
            f->ops = NULL;            /* not yet shared: drop it without our close */
            file_close(f);
        }
    }
    return fd;
}

struct fsfile *fsfile_of_fd(int fd)
{
    if (fd < 0 || fd >= NOFILE)
        return NULL;
    struct file *f = myproc()->ofile[fd];
    return f && f->ops == &fs_fileops ? f->obj : NULL;
}

struct inode *fsfile_inode(struct fsfile *f) { return f->ip; }
uint64_t *fsfile_offset(struct fsfile *f) { return &f->off; }

/* ---- exec ----
 * The executable is read into one static buffer (exec checks and loads it from there as
 * it does an initrd member): blocks that are not cached go from the disk straight into
 * the buffer, many at a time, without passing through the cache. */
static uint8_t exec_image[EXEC_IMAGE_MAX] __attribute__((aligned(4096)));
static struct spinlock exec_lock = { 0, -1 };
static bool exec_busy;

/* Fills exec_image with the file's first size bytes. Lock held. */
static int read_image(struct fs_dinode *d, uint64_t size)
{
    struct blkreq *rq[32];
    uint64_t nblk = (size + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE;
    int r = 0;
    for (uint64_t base = 0; base < nblk && r == 0; base += 32) {
        int k = 0;
        for (uint64_t fb = base; fb < nblk && fb < base + 32 && r == 0; fb++, k++) {
            uint32_t bno;
            uint8_t *dst = exec_image + fb * FS_BLOCK_SIZE;
            rq[k] = NULL;
            if ((r = fs_bmap(&rootfs, d, fb, false, FS_BK_DATA, &bno)) < 0)
                break;
            struct buf *b = bno ? bio_cached(bno) : NULL;
            if (!bno)
                memset(dst, 0, FS_BLOCK_SIZE);
            else if (b)
                memcpy(dst, b->fb.data, FS_BLOCK_SIZE);
            else if (!(rq[k] = blk_start(rootdisk, BLK_T_IN, (uint64_t)bno * 8, dst, FS_BLOCK_SIZE)))
                r = -EIO;
        }
        for (int i = 0; i < k; i++)
            if (rq[i] && blk_finish(rootdisk, rq[i]) < 0)
                r = -EIO;
    }
    return r;
}

int fs_exec_image(const char *path, const void **file, uint64_t *size)
{
    struct fs_dinode d;
    uint32_t inum;
    int r = fsys_ready();
    if (r < 0)
        return -ENODEV;                /* no usable disk: exec falls back to the initrd */
    acquire(&exec_lock, mycpu()->id);
    while (exec_busy)
        fsys_wait(&exec_busy, &exec_lock);
    exec_busy = true;
    release(&exec_lock);
    fs_lock();
    if ((r = namei(path, &inum)) == 0 && (r = fs_iread(&rootfs, inum, &d)) == 0) {
        if (!FS_S_ISREG(d.mode))
            r = -EACCES;
        else if (d.size > EXEC_IMAGE_MAX)
            r = -ENOEXEC;
        else
            r = read_image(&d, d.size);
    }
    fs_unlock();
    if (r < 0) {
        fs_exec_done();
        return r;
    }
    *file = exec_image;
    *size = d.size;
    return 0;
}

void fs_exec_done(void)
{
    acquire(&exec_lock, mycpu()->id);
    exec_busy = false;
    release(&exec_lock);
    wakeup(&exec_busy);
}
