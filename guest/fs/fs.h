/* The file-system core shared by the guest kernel and the host tools: superblock checks,
 * inode and block allocation, block mapping, file read/write/truncate (fs.c) and directories,
 * links and rename (dir.c).
 *
 * All block access goes through the caller's cache (struct fs_cache_ops): the host tools
 * read and write the image file directly; the kernel plugs in its buffer cache and, in
 * `dirty`, adds the block to the running journal transaction. One system call's changes must
 * all land in one transaction, so the kernel wraps each call in its begin/end of operation.
 * These functions keep no locks: the kernel serialises them (e.g. one lock per file system,
 * or an inode lock plus an allocation lock). Every block number and count read from the disk
 * is checked; a bad one gives -FS_EUCLEAN, never an access outside the image. */
#ifndef GUEST_FS_FS_H
#define GUEST_FS_FS_H
#include "guest/fs/fs_format.h"

struct fs_buf {
    uint32_t blockno;
    uint8_t *data;                 /* FS_BLOCK_SIZE bytes */
};

/* What a modified block holds: metadata is always journaled; data only in journal mode. */
enum fs_bkind { FS_BK_META, FS_BK_DATA };

struct fs_cache_ops {
    /* The buffer of blockno, read from disk unless fresh (the caller overwrites all of it);
     * NULL on an I/O error. Each get is paired with one put. */
    struct fs_buf *(*get)(void *ctx, uint32_t blockno, bool fresh);
    /* The caller changed b's data (kernel: add it to the running transaction). */
    void (*dirty)(void *ctx, struct fs_buf *b, enum fs_bkind kind);
    void (*put)(void *ctx, struct fs_buf *b);
    /* Optional (may be NULL): blockno was freed. The kernel revokes a freed metadata block
     * and must not reuse a freed block before the freeing transaction commits. */
    void (*freed)(void *ctx, uint32_t blockno, enum fs_bkind kind);
};

struct fs {
    struct fs_superblock sb;       /* in-memory copy; fs_sb_write writes it back */
    const struct fs_cache_ops *ops;
    void *ctx;
    uint32_t bhint, ihint;         /* where the next allocation search starts */
};

/* ---- Superblock and layout ---- */
uint32_t fs_sb_checksum(const struct fs_superblock *sb);
/* NULL if sb is a sane superblock for a device of dev_nblocks blocks, else what is wrong. */
const char *fs_sb_problem(const struct fs_superblock *sb, uint32_t dev_nblocks);
/* Fills sb with the layout of a fresh file system (orphan list empty, checksum set).
 * -FS_EINVAL if the numbers do not make a usable file system. */
int fs_layout(struct fs_superblock *sb, uint32_t nblocks, uint32_t ninodes, uint32_t jblocks);
/* Reads and checks the superblock. -FS_EIO or -FS_EUCLEAN. */
int fs_mount(struct fs *fs, const struct fs_cache_ops *ops, void *ctx, uint32_t dev_nblocks);
int fs_sb_write(struct fs *fs);

/* ---- Inodes ---- */
int fs_iread(struct fs *fs, uint32_t inum, struct fs_dinode *d);
int fs_iwrite(struct fs *fs, uint32_t inum, const struct fs_dinode *d);
/* Allocates a zeroed inode with the given mode (nlink 0) and writes it. -FS_ENOSPC if none. */
int fs_ialloc(struct fs *fs, uint16_t mode, uint32_t *inum);
/* Frees inum and its blocks; its directory entries must be gone (nlink 0). */
int fs_ifree(struct fs *fs, uint32_t inum);
/* Orphans: inodes with nlink 0 that are still open. The list lives on disk so the next mount
 * frees them if the system stops first. add/remove write the superblock and the inode. */
int fs_orphan_add(struct fs *fs, uint32_t inum, struct fs_dinode *d);
int fs_orphan_remove(struct fs *fs, uint32_t inum);
/* At mount, after recovery: frees every inode on the orphan list; returns how many. */
int fs_orphan_release_all(struct fs *fs);

/* ---- Blocks ---- */
/* Allocates a block, zeroed, of the given kind. -FS_ENOSPC if the disk is full. */
int fs_balloc(struct fs *fs, enum fs_bkind kind, uint32_t *bno);
int fs_bfree(struct fs *fs, uint32_t bno, enum fs_bkind kind);
/* Disk block of file block fblock of inode d: 0 for a hole unless alloc, in which case one
 * is allocated (of kind; indirect blocks are metadata) and d updated (caller writes d). */
int fs_bmap(struct fs *fs, struct fs_dinode *d, uint64_t fblock, bool alloc,
            enum fs_bkind kind, uint32_t *bno);

/* ---- File contents ---- */
/* Reads up to n bytes at off (less at end of file; holes read as zeros). Bytes or error. */
int64_t fs_read(struct fs *fs, const struct fs_dinode *d, uint64_t off, void *buf, uint64_t n);
/* Writes n bytes at off, growing the file; writes inode inum (d) back. Bytes or error. */
int64_t fs_write(struct fs *fs, uint32_t inum, struct fs_dinode *d, uint64_t off,
                 const void *buf, uint64_t n);
/* Sets the size: frees blocks past it and zeroes the tail of the last block. */
int fs_truncate(struct fs *fs, uint32_t inum, struct fs_dinode *d, uint64_t size);

/* ---- Directories (dir.c); names are (pointer, length), not NUL-terminated ---- */
uint8_t fs_dtype(uint16_t mode);
/* 0 if the name may be a directory entry: 1..FS_NAME_MAX bytes, no '/' or NUL. */
int fs_name_check(const char *name, size_t len);
/* Finds name in directory dp: its inode (and the entry's byte offset if off != NULL). */
int fs_dirlookup(struct fs *fs, const struct fs_dinode *dp, const char *name, size_t len,
                 uint32_t *inum, uint64_t *off);
/* Adds entry name -> inum (of type FS_DT_*) to directory dinum; no link counts changed. */
int fs_dirlink(struct fs *fs, uint32_t dinum, struct fs_dinode *dp, const char *name,
               size_t len, uint32_t inum, uint8_t type);
/* 1 if directory dp has only '.' and '..', 0 if not, or an error. */
int fs_dirempty(struct fs *fs, const struct fs_dinode *dp);
/* Creates name in directory dinum with mode (a directory gets '.' and '..'). -FS_EEXIST. */
int fs_create(struct fs *fs, uint32_t dinum, const char *name, size_t len, uint16_t mode,
              uint32_t *inum);
/* Adds a hard link name -> inum (not a directory) in directory dinum. */
int fs_link(struct fs *fs, uint32_t dinum, const char *name, size_t len, uint32_t inum);
/* Removes name from directory dinum (a directory only if empty) and drops the link counts.
 * *victim = the inode whose count reached 0 (the caller frees it, or orphans it while it is
 * open), else 0. */
int fs_unlink(struct fs *fs, uint32_t dinum, const char *name, size_t len, uint32_t *victim);
/* Renames sdir/sname to ddir/dname, replacing a file or empty directory there; *victim as in
 * fs_unlink. -FS_EINVAL if a directory would move into itself. */
int fs_rename(struct fs *fs, uint32_t sdir, const char *sname, size_t slen,
              uint32_t ddir, const char *dname, size_t dlen, uint32_t *victim);

#endif
