/* The freestanding environment of the shared file-system code: the only headers and library
 * functions it uses (each side supplies them: libc on the host, guest/kernel/lib.c in the
 * guest), its error numbers, and the block-device interface it does I/O through. */
#ifndef GUEST_FS_FS_ENV_H
#define GUEST_FS_FS_ENV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Errors are negated Linux errno values, so the kernel can return them from system calls. */
#define FS_ENOENT        2
#define FS_EIO           5
#define FS_ENOMEM        12
#define FS_EEXIST        17
#define FS_ENOTDIR       20
#define FS_EISDIR        21
#define FS_EINVAL        22
#define FS_EFBIG         27
#define FS_ENOSPC        28
#define FS_EMLINK        31
#define FS_ENAMETOOLONG  36
#define FS_ENOTEMPTY     39
#define FS_EUCLEAN       117   /* the on-disk structure is corrupt */

/* A device of 4 KiB blocks. read/write return 0 or -FS_EIO and are done with buf when they
 * return; a write is durable only after a later flush returns 0 (the disk may cache). */
struct fs_blockdev {
    int (*read)(struct fs_blockdev *dev, uint32_t blockno, void *buf);
    int (*write)(struct fs_blockdev *dev, uint32_t blockno, const void *buf);
    int (*flush)(struct fs_blockdev *dev);
    uint32_t nblocks;             /* device size in blocks */
    void *ctx;                    /* the owner's */
};

#endif
