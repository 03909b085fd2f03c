/* On-disk format of the minivmm file system, shared by the guest kernel and the host tools:
 * an xv6-like layout of 4 KiB blocks with a jbd2-like write-ahead journal.
 *
 *   block 0            superblock
 *   journal_start ...  journal: its superblock, then the circular log
 *   inode bitmap       one bit per inode (bit set = inode in use)
 *   inode table        128-byte inodes, 32 per block; inode 0 is never used, 1 is the root
 *   block bitmap       one bit per block of the whole image (metadata blocks are marked)
 *   data_start ...     file data, directory blocks, indirect blocks
 *
 * Every field is little-endian (both sides are x86-64). Byte offsets are in docs/filesystem.md;
 * the static asserts below pin the sizes. */
#ifndef GUEST_FS_FS_FORMAT_H
#define GUEST_FS_FS_FORMAT_H
#include "guest/fs/fs_env.h"

#define FS_BLOCK_SIZE     4096u
#define FS_MAGIC          0x5346564du   /* "MVFS" */
#define FS_VERSION        1u
#define FS_ROOT_INUM      1u

/* ---- Superblock (block 0, bytes 0..63; the rest of the block is zero) ---- */
struct fs_superblock {
    uint32_t magic;               /*  0 FS_MAGIC */
    uint32_t version;             /*  4 FS_VERSION */
    uint32_t block_size;          /*  8 FS_BLOCK_SIZE */
    uint32_t nblocks;             /* 12 blocks in the image */
    uint32_t ninodes;             /* 16 inodes, including the unused inode 0 */
    uint32_t journal_start;       /* 20 block of the journal superblock */
    uint32_t journal_blocks;      /* 24 journal length, its superblock included */
    uint32_t inode_bitmap_start;  /* 28 */
    uint32_t inode_bitmap_blocks; /* 32 */
    uint32_t inode_table_start;   /* 36 */
    uint32_t inode_table_blocks;  /* 40 */
    uint32_t block_bitmap_start;  /* 44 */
    uint32_t block_bitmap_blocks; /* 48 */
    uint32_t data_start;          /* 52 first data block */
    uint32_t orphan_head;         /* 56 first inode of the orphan list (0: none) */
    uint32_t checksum;            /* 60 crc32c of bytes 0..59 */
};

/* ---- Inodes ---- */
#define FS_NDIRECT        12u
#define FS_PTRS_PER_BLOCK (FS_BLOCK_SIZE / 4u)                     /* 1024 */
#define FS_MAX_FILE_BLOCKS (FS_NDIRECT + FS_PTRS_PER_BLOCK + \
                            (uint64_t)FS_PTRS_PER_BLOCK * FS_PTRS_PER_BLOCK)
#define FS_MAX_FILE_SIZE  (FS_MAX_FILE_BLOCKS * FS_BLOCK_SIZE)     /* ~4 GiB */

/* Mode bits: POSIX values, so the kernel hands them to stat() unchanged. mode 0 = free. */
#define FS_S_IFMT   0170000u
#define FS_S_IFREG  0100000u
#define FS_S_IFDIR  0040000u
#define FS_S_IFLNK  0120000u
#define FS_S_IFCHR  0020000u
#define FS_S_ISDIR(m) (((m) & FS_S_IFMT) == FS_S_IFDIR)
#define FS_S_ISREG(m) (((m) & FS_S_IFMT) == FS_S_IFREG)

struct fs_dinode {
    uint16_t mode;                /*   0 type and permission bits; 0 = free */
    uint16_t nlink;               /*   2 directory entries naming it ('.' and '..' count) */
    uint32_t uid;                 /*   4 */
    uint32_t gid;                 /*   8 */
    uint32_t flags;               /*  12 reserved, 0 */
    uint64_t size;                /*  16 bytes */
    uint32_t mtime;               /*  24 seconds since the epoch (0 if the guest has no clock) */
    uint32_t ctime;               /*  28 */
    uint32_t rdev;                /*  32 device number of a character device */
    uint32_t next_orphan;         /*  36 next inode on the orphan list */
    uint32_t direct[FS_NDIRECT];  /*  40 file blocks 0..11; 0 = hole */
    uint32_t indirect;            /*  88 block of 1024 pointers: file blocks 12..1035 */
    uint32_t dindirect;           /*  92 block of 1024 indirect blocks: the next 1M blocks */
    uint8_t  reserved[32];        /*  96 */
};
#define FS_INODES_PER_BLOCK (FS_BLOCK_SIZE / sizeof(struct fs_dinode))  /* 32 */

/* ---- Directories: an array of fixed-size entries; inum 0 marks a free slot ---- */
#define FS_NAME_MAX 58u
#define FS_DT_UNKNOWN 0u          /* d_type values as in Linux getdents64 */
#define FS_DT_CHR     2u
#define FS_DT_DIR     4u
#define FS_DT_REG     8u
#define FS_DT_LNK     10u
struct fs_dirent {
    uint32_t inum;                /* 0 inode, 0 = free slot */
    uint8_t  name_len;            /* 4 1..FS_NAME_MAX */
    uint8_t  type;                /* 5 FS_DT_* of the inode */
    char     name[FS_NAME_MAX];   /* 6 not NUL-terminated when it fills the field */
};
#define FS_DIRENTS_PER_BLOCK (FS_BLOCK_SIZE / sizeof(struct fs_dirent))  /* 64 */

/* ---- Journal ----
 * Every journal block except logged copies starts with this header. A transaction is:
 * one or more descriptor blocks, each followed by the copies it tags, zero or more revoke
 * blocks, and one commit block, all with the transaction's sequence number, laid out
 * consecutively in the circular log (wrapping from the last journal block to `first`). */
#define FS_JOURNAL_MAGIC  0x4c4e524au   /* "JRNL" */
#define FS_JT_DESCRIPTOR  1u
#define FS_JT_COMMIT      2u
#define FS_JT_SUPERBLOCK  3u
#define FS_JT_REVOKE      4u

struct fs_jheader {
    uint32_t magic;               /* 0 FS_JOURNAL_MAGIC */
    uint32_t type;                /* 4 FS_JT_* */
    uint32_t sequence;            /* 8 transaction sequence number */
};

/* First journal block. start == 0 means the log is empty (nothing to replay); otherwise
 * recovery replays from log block `start`, expecting transaction `sequence` there. */
struct fs_jsuper {
    struct fs_jheader h;          /*  0 type FS_JT_SUPERBLOCK, sequence 0 */
    uint32_t nblocks;             /* 12 journal length (= sb.journal_blocks) */
    uint32_t first;               /* 16 journal-relative index of the first log block: 1 */
    uint32_t sequence;            /* 20 sequence of the oldest transaction to replay / the next */
    uint32_t start;               /* 24 journal-relative block where it starts; 0 = clean */
    uint32_t checksum;            /* 28 crc32c of bytes 0..27 */
};

/* A tag names the home block of the next logged copy. ESCAPED: the copy's first four bytes
 * were the journal magic and are stored as zero, so no copy can pass for a header. */
#define FS_JTAG_ESCAPED   1u
struct fs_jtag {
    uint32_t blockno;             /* 0 home block in the file system */
    uint32_t flags;               /* 4 FS_JTAG_* */
};
struct fs_jdescriptor {
    struct fs_jheader h;          /*  0 type FS_JT_DESCRIPTOR */
    uint32_t ntags;               /* 12 copies following this block: 1..FS_JTAGS_PER_BLOCK */
    struct fs_jtag tags[];        /* 16 */
};
#define FS_JTAGS_PER_BLOCK ((FS_BLOCK_SIZE - 16u) / sizeof(struct fs_jtag))     /* 510 */

/* Revoked blocks: no copy of them in this or an earlier transaction is replayed. */
struct fs_jrevoke {
    struct fs_jheader h;          /*  0 type FS_JT_REVOKE */
    uint32_t count;               /* 12 1..FS_JREVOKES_PER_BLOCK */
    uint32_t blocknos[];          /* 16 */
};
#define FS_JREVOKES_PER_BLOCK ((FS_BLOCK_SIZE - 16u) / 4u)                      /* 1020 */

/* The commit block ends a transaction. checksum = crc32c over every block of the
 * transaction in log order (descriptors, copies as stored, revokes), then this block with
 * the checksum field zero. A missing or mismatching commit ends recovery's scan. */
struct fs_jcommit {
    struct fs_jheader h;          /*  0 type FS_JT_COMMIT */
    uint32_t checksum;            /* 12 */
    uint32_t nblocks;             /* 16 log blocks of the transaction, this one included */
};

_Static_assert(sizeof(struct fs_superblock) == 64, "superblock layout");
_Static_assert(sizeof(struct fs_dinode) == 128, "inode layout");
_Static_assert(sizeof(struct fs_dirent) == 64, "directory entry layout");
_Static_assert(sizeof(struct fs_jsuper) == 32, "journal superblock layout");
_Static_assert(sizeof(struct fs_jdescriptor) == 16, "descriptor layout");
_Static_assert(sizeof(struct fs_jrevoke) == 16, "revoke layout");
_Static_assert(sizeof(struct fs_jcommit) == 20, "commit layout");

/* crc32c (Castagnoli, reflected 0x82f63b78), chained: crc32c(crc32c(0, a), b) = crc of a|b. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t n);

/* Sequence numbers wrap: a is after b when the signed distance is positive. */
static inline bool fs_seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

#endif
