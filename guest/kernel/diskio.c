/* Raw block I/O on any disk for tests and measurements (the diskio system call): 4 KiB
 * blocks read into or written from a page-aligned user page directly by the device, no
 * kernel copy. The mounted root disk cannot be written this way. */
#include "abi/fs.h"
#include "abi/syscall.h"
#include "guest/kernel/fsys.h"
#include "guest/kernel/proc.h"

long fsys_diskio(int disk, int op, uint64_t block, uint64_t uva)
{
    struct blkdev *b = blk_get(disk);
    if (!b)
        return -ENODEV;
    uint64_t nblocks = blk_sectors(b) / 8;
    if (op == DISKIO_INFO)
        return (long)nblocks;
    if (op == DISKIO_FLUSH)
        return blk_rw(b, BLK_T_FLUSH, 0, NULL, 0);
    if (op != DISKIO_READ && op != DISKIO_WRITE)
        return -EINVAL;
    if (op == DISKIO_WRITE && b == rootdisk && fsys_ready() == 0)
        return -EBUSY;
    if (block >= nblocks)
        return -EINVAL;
    if (uva & (PAGE_SIZE - 1))
        return -EINVAL;
    void *k = uvm_translate(&myproc()->as, uva, op == DISKIO_READ);
    if (!k)
        return -EFAULT;
    return blk_rw(b, op == DISKIO_READ ? BLK_T_IN : BLK_T_OUT, block * 8, k, FS_BLOCK_SIZE);
}
