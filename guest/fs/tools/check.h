/* fsck's checks, as a library so the unit tests can run them on crafted images: the journal
 * (check_journal.c), inodes, blocks and bitmaps (check.c), the directory tree and link
 * counts (check_dir.c). Exit codes as e2fsck's. */
#ifndef GUEST_FS_TOOLS_CHECK_H
#define GUEST_FS_TOOLS_CHECK_H
#include <stdio.h>
#include "guest/fs/tools/image.h"

#define FSCK_OK          0      /* clean */
#define FSCK_FIXED       1      /* errors were found and all fixed */
#define FSCK_UNCORRECTED 4      /* errors left */
#define FSCK_OPERATIONAL 8      /* could not check: unreadable image, bad superblock */

struct fsck_opts {
    bool replay;                /* -r: replay a pending journal into the image */
    bool fix;                   /* -y: repair what can be repaired */
    bool readonly;              /* -n: write nothing (a pending journal is replayed in memory) */
    bool verbose;               /* -v: print the journal's transactions */
    FILE *out;                  /* reports, one problem per line */
};

/* Checks the image; returns an FSCK_* exit code. The image must be opened writable unless
 * o->readonly. */
int fsck_check(struct image *im, const struct fsck_opts *o);

/* ---- internal to the fsck files ---- */
struct check {
    struct image *im;
    const struct fsck_opts *o;
    struct fs fs;
    uint32_t *owner;            /* per block: the inode using it (UINT32_MAX: metadata) */
    uint32_t *refs;             /* per inode: directory entries naming it */
    uint32_t *parent;           /* per directory: the directory whose entry names it */
    uint8_t *state;             /* per inode: INODE_* bits */
    unsigned found, fixed;
};
#define INODE_USED    1u        /* mode != 0 */
#define INODE_REACHED 2u        /* named by an entry of a reachable directory */
#define INODE_ORPHAN  4u        /* on the orphan list */

/* Reports one problem; fixed says whether it was repaired. */
void check_problem(struct check *c, bool fixed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether fixes may be written. */
bool check_may_fix(const struct check *c);
/* The journal: verbose dump, then clean / replayed / replayed in memory. -1 if unusable. */
int check_journal(struct check *c, const struct fs_superblock *sb);
/* Prints the log's transactions (fsck -v, fsdump); tags too if with_tags. */
int journal_print(struct image *im, const struct fs_superblock *sb, FILE *out, bool with_tags);
/* The directory tree from the root, the orphan list, reachability and link counts. */
int check_tree(struct check *c);

#endif
