/* The host tools' block device: an image file read and written with pread/pwrite, an
 * optional in-memory overlay of written blocks, and write-through cache ops for struct fs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest/fs/tools/image.h"

#define OVERLAY_BUCKETS 4096u

struct overlay_block {
    struct overlay_block *next;
    uint32_t blockno;
    uint8_t data[FS_BLOCK_SIZE];
};

static struct overlay_block *overlay_find(struct image *im, uint32_t blockno)
{
    struct overlay_block *o = im->ov ? im->ov[blockno % OVERLAY_BUCKETS] : NULL;
    while (o && o->blockno != blockno)
        o = o->next;
    return o;
}

static int img_read(struct fs_blockdev *dev, uint32_t blockno, void *buf)
{
    struct image *im = dev->ctx;
    struct overlay_block *o = overlay_find(im, blockno);
    im->reads++;
    if (blockno >= dev->nblocks)
        return -FS_EIO;
    if (o) {
        memcpy(buf, o->data, FS_BLOCK_SIZE);
        return 0;
    }
    ssize_t n = pread(im->fd, buf, FS_BLOCK_SIZE, (off_t)blockno * FS_BLOCK_SIZE);
    return n == FS_BLOCK_SIZE ? 0 : -FS_EIO;
}

static int img_write(struct fs_blockdev *dev, uint32_t blockno, const void *buf)
{
    struct image *im = dev->ctx;
    im->writes++;
    if (blockno >= dev->nblocks)
        return -FS_EIO;
    if (im->overlay) {
        struct overlay_block *o = overlay_find(im, blockno);
        if (!o) {
            if (!(o = malloc(sizeof *o)))
                return -FS_EIO;
            o->blockno = blockno;
            o->next = im->ov[blockno % OVERLAY_BUCKETS];
            im->ov[blockno % OVERLAY_BUCKETS] = o;
        }
        memcpy(o->data, buf, FS_BLOCK_SIZE);
        return 0;
    }
    if (!im->writable)
        return -FS_EIO;
    ssize_t n = pwrite(im->fd, buf, FS_BLOCK_SIZE, (off_t)blockno * FS_BLOCK_SIZE);
    return n == FS_BLOCK_SIZE ? 0 : -FS_EIO;
}

static int img_flush(struct fs_blockdev *dev)
{
    struct image *im = dev->ctx;
    im->flushes++;
    if (im->overlay || !im->writable)
        return 0;
    return fdatasync(im->fd) == 0 ? 0 : -FS_EIO;
}

static int setup(struct image *im, int fd, bool writable)
{
    struct stat st;
    memset(im, 0, sizeof *im);
    im->fd = fd;
    im->writable = writable;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -errno;
    }
    if (st.st_size % FS_BLOCK_SIZE != 0 || st.st_size / FS_BLOCK_SIZE > UINT32_MAX) {
        close(fd);
        return -EINVAL;
    }
    im->dev = (struct fs_blockdev){ img_read, img_write, img_flush,
                                    (uint32_t)(st.st_size / FS_BLOCK_SIZE), im };
    return 0;
}

int image_open(struct image *im, const char *path, bool writable)
{
    int fd = open(path, writable ? O_RDWR : O_RDONLY);
    return fd < 0 ? -errno : setup(im, fd, writable);
}

int image_create(struct image *im, const char *path, uint64_t size)
{
    if (size % FS_BLOCK_SIZE != 0)
        return -EINVAL;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return setup(im, fd, true);
}

void image_use_overlay(struct image *im)
{
    if (!im->ov)
        im->ov = calloc(OVERLAY_BUCKETS, sizeof *im->ov);
    im->overlay = im->ov != NULL;
}

void image_drop_overlay(struct image *im)
{
    for (uint32_t i = 0; im->ov && i < OVERLAY_BUCKETS; i++)
        for (struct overlay_block *o = im->ov[i], *n; o; o = n) {
            n = o->next;
            free(o);
        }
    free(im->ov);
    im->ov = NULL;
    im->overlay = false;
}

void image_close(struct image *im)
{
    image_drop_overlay(im);
    if (im->fd >= 0)
        close(im->fd);
    im->fd = -1;
}

/* ---- write-through cache ops: every get reads, every dirty writes at once ---- */

struct tool_buf {
    struct fs_buf b;
    uint8_t data[FS_BLOCK_SIZE];
};

static struct fs_buf *cache_get(void *ctx, uint32_t blockno, bool fresh)
{
    struct image *im = ctx;
    struct tool_buf *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->b.blockno = blockno;
    t->b.data = t->data;
    if (fresh ? blockno >= im->dev.nblocks : im->dev.read(&im->dev, blockno, t->data) != 0) {
        free(t);
        return NULL;
    }
    return &t->b;
}

static void cache_dirty(void *ctx, struct fs_buf *b, enum fs_bkind kind)
{
    struct image *im = ctx;
    if (im->dev.write(&im->dev, b->blockno, b->data) != 0)
        im->failed = true;            /* dirty cannot fail: the tool checks im->failed */
}

static void cache_put(void *ctx, struct fs_buf *b)
{
    free(b);    /* b is the first member of its tool_buf */
}

const struct fs_cache_ops image_cache_ops = { cache_get, cache_dirty, cache_put, NULL };
