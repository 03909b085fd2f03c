/* Host tools' access to a file-system image file: the block device the shared code does its
 * I/O through, an optional in-memory overlay that keeps writes off the file (fsck -n still
 * replays the journal, into memory), and the write-through cache ops of struct fs. */
#ifndef GUEST_FS_TOOLS_IMAGE_H
#define GUEST_FS_TOOLS_IMAGE_H
#include "guest/fs/fs.h"
#include "guest/fs/journal.h"

struct overlay_block;

struct image {
    struct fs_blockdev dev;        /* dev.ctx points back here */
    int fd;
    bool writable;
    bool overlay;                  /* writes go to memory only */
    struct overlay_block **ov;     /* hash buckets when overlay is on */
    bool failed;                   /* a write through image_cache_ops failed */
    uint64_t reads, writes, flushes;
};

/* Opens an existing image (its size must be whole blocks). 0 or -errno. */
int image_open(struct image *im, const char *path, bool writable);
/* Creates or truncates path to size bytes (a multiple of FS_BLOCK_SIZE). */
int image_create(struct image *im, const char *path, uint64_t size);
/* From now on, writes stay in memory and reads see them. */
void image_use_overlay(struct image *im);
/* Forgets the overlay's blocks: reads see the file again. */
void image_drop_overlay(struct image *im);
void image_close(struct image *im);

/* struct fs cache ops over an image: ctx is the struct image. */
extern const struct fs_cache_ops image_cache_ops;

/* Writes a fresh, empty file system (root directory only) over the whole image (format.c). */
int fs_format(struct image *im, uint32_t ninodes, uint32_t jblocks);

#endif
