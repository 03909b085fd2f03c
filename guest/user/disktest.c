/* disktest [DISK]: raw block I/O through the diskio system call on a scratch disk (default
 * the last one): writes a distinct pattern to blocks spread over the disk, flushes, reads
 * them back and compares; reads of blocks past the end must fail. Prints PASS or FAIL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t page[512] __attribute__((aligned(4096)));

static void fill(uint64_t block, uint64_t salt)
{
    for (int i = 0; i < 512; i++)
        page[i] = block * 0x9e3779b97f4a7c15ULL ^ (uint64_t)i ^ salt;
}

static int check(uint64_t block, uint64_t salt)
{
    for (int i = 0; i < 512; i++)
        if (page[i] != (block * 0x9e3779b97f4a7c15ULL ^ (uint64_t)i ^ salt))
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    int disk = argc > 1 ? atoi(argv[1]) : -1;
    if (disk < 0)
        for (disk = 0; diskio(disk + 1, DISKIO_INFO, 0, NULL) > 0; disk++)
            ;
    long n = diskio(disk, DISKIO_INFO, 0, NULL);
    if (n <= 0) {
        printf("disktest: no disk %d\n", disk);
        return 1;
    }
    printf("disktest: disk %d, %ld blocks\n", disk, n);
    uint64_t salt = 0x5a5a0000 + (uint64_t)uptime();
    int bad = 0, nb = 64;
    for (int i = 0; i < nb; i++) {
        uint64_t b = (uint64_t)i * ((uint64_t)n - 1) / (nb - 1);
        fill(b, salt);
        if (diskio(disk, DISKIO_WRITE, b, page) < 0) {
            printf("disktest: write of block %lu failed: %s\n", (unsigned long)b, strerror(errno));
            bad++;
        }
    }
    if (diskio(disk, DISKIO_FLUSH, 0, NULL) < 0)
        printf("disktest: flush failed\n"), bad++;
    for (int i = 0; i < nb; i++) {
        uint64_t b = (uint64_t)i * ((uint64_t)n - 1) / (nb - 1);
        memset(page, 0, sizeof page);
        if (diskio(disk, DISKIO_READ, b, page) < 0 || check(b, salt) < 0) {
            printf("disktest: block %lu reads back wrong\n", (unsigned long)b);
            bad++;
        }
    }
    if (diskio(disk, DISKIO_READ, (uint64_t)n, page) != -1 || errno != EINVAL)
        printf("disktest: a read past the end did not fail\n"), bad++;
    if (diskio(disk, DISKIO_READ, 0, (char *)page + 8) != -1 || errno != EINVAL)
        printf("disktest: an unaligned buffer was taken\n"), bad++;
    printf("disktest: %s (%d blocks written and read back)\n", bad ? "FAIL" : "PASS", nb);
    return bad != 0;
}
