/* The file-system system calls' structures and flags, shared by the guest kernel and the
 * user C library: open flags, lseek whence, struct stat, struct dirent64 and struct statfs
 * (the values are Linux's where Linux has them, so they read familiar). */
#ifndef ABI_FS_H
#define ABI_FS_H
#include <stdint.h>

/* open() flags. */
#ifndef O_RDONLY
#define O_RDONLY    0
#define O_WRONLY    1
#define O_RDWR      2
#define O_CREAT     0100
#define O_TRUNC     01000
#define O_APPEND    02000
#endif
#define O_ACCMODE   3
#define O_EXCL      0200
#define O_DIRECTORY 0200000

/* lseek() whence. */
#define SEEK_SET    0
#define SEEK_CUR    1
#define SEEK_END    2

/* st_mode: the on-disk mode bits (guest/fs/fs_format.h), POSIX values. */
#define S_IFMT      0170000
#define S_IFDIR     0040000
#define S_IFREG     0100000
#define S_IFCHR     0020000
#define S_IFLNK     0120000
#define S_ISDIR(m)  (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m)  (((m) & S_IFMT) == S_IFREG)

struct stat {
    uint32_t st_dev;        /* 0 for the root disk */
    uint32_t st_ino;
    uint32_t st_mode;
    uint32_t st_nlink;
    uint32_t st_uid, st_gid;
    uint64_t st_size;       /* bytes */
    uint64_t st_blocks;     /* 512-byte units allocated (data and indirect blocks) */
    uint32_t st_blksize;    /* 4096 */
    uint32_t st_rdev;
    uint32_t st_mtime, st_ctime;   /* seconds; 0 while the guest has no clock */
};

/* getdents() records (Linux getdents64): d_reclen bytes each, 8-aligned; d_off is the
 * directory offset after this entry (lseek to it to resume). */
struct dirent64 {
    uint64_t d_ino;
    int64_t  d_off;
    uint16_t d_reclen;
    uint8_t  d_type;        /* DT_* */
    char     d_name[];      /* NUL-terminated */
};
#define DT_UNKNOWN  0
#define DT_CHR      2
#define DT_DIR      4
#define DT_REG      8
#define DT_LNK      10

struct statfs {
    uint32_t f_bsize;       /* 4096 */
    uint32_t f_blocks;      /* blocks of the file system */
    uint32_t f_bfree;       /* free blocks */
    uint32_t f_files;       /* inodes */
    uint32_t f_ffree;       /* free inodes */
    uint32_t f_journal;     /* journal blocks */
    uint32_t f_mode;        /* FS_MODE_* of the mount */
    uint32_t f_cache;       /* buffer-cache blocks */
    uint64_t f_hits, f_misses;   /* buffer-cache lookups since boot */
    uint64_t f_commits;     /* journal transactions committed since boot */
    uint32_t f_flags;       /* ST_RDONLY: the disk is read-only (or the journal failed) */
    uint32_t f_pad;
};
#define ST_RDONLY         1
#define FS_MODE_ORDERED   0
#define FS_MODE_JOURNAL   1
#define FS_MODE_WRITEBACK 2

/* diskio() operations on raw 4 KiB blocks of a disk (tests). Writes to the mounted root
 * disk are refused (EBUSY). DISKIO_INFO returns the disk's size in blocks. */
#define DISKIO_READ   0
#define DISKIO_WRITE  1
#define DISKIO_INFO   2
#define DISKIO_FLUSH  3

#endif
