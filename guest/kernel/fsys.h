/* The kernel's file system: the root file system on the first virtio disk, built on the
 * shared core in guest/fs/. fsys.c mounts it and runs the journal's transactions,
 * fsfile.c keeps in-memory inodes and the open-file type, fsname.c resolves paths, and
 * fsyscall.c has the system calls of block 50-79. */
#ifndef GUEST_KERNEL_FSYS_H
#define GUEST_KERNEL_FSYS_H
#include "abi/fs.h"
#include "guest/fs/fs.h"
#include "guest/fs/journal.h"
#include "guest/kernel/bio.h"

extern struct fs rootfs;
extern struct blkdev *rootdisk;

/* ---- fsys.c ---- */
/* Mounts the root file system on the first call (recovery included). 0, or -ENODEV when
 * there is no disk, -EUCLEAN/-EIO when it cannot be mounted. */
int fsys_ready(void);
/* The file-system lock: every operation holds it (the fs core and the cache keep none). */
void fs_lock(void);
void fs_unlock(void);
/* With the lock held: reserve room for an operation that logs at most nblocks blocks
 * (committing first if the running transaction is short), and end it. end_op commits the
 * transaction unless more operations are waiting to join it (group commit). Both return
 * 0 or a negative errno (-EROFS once the journal has failed). */
int begin_op(uint32_t nblocks);
int end_op(void);
int fsys_commit(void);                    /* lock held: commits now (fsync, sync) */
void fsys_sync_all(void);                 /* power-off: commit and empty the log, if mounted */
int fsys_mode(void);                      /* FS_MODE_* */
bool fsys_readonly(void);                 /* no more changes: a read-only disk, a failed journal */
uint64_t fsys_commits(void);
/* Waits for wakeup on chan with the spinlock lk held, in any context: asleep if there is
 * a process to put to sleep, else halting until an interrupt. */
void fsys_wait(void *chan, struct spinlock *lk);

/* Errors of the shared core are negated errnos with the same values. */
#define OP_BLOCKS    48                   /* reservation of a namespace operation */
#define WRITE_BLOCKS 16                   /* file blocks one write transaction covers */

/* ---- fsfile.c ---- */
struct inode {
    uint32_t inum;
    int ref;                              /* open files and exec holding it */
    bool orphan;                          /* unlinked while open: freed at the last iput */
};
struct inode *iget(uint32_t inum);        /* lock held; NULL if the table is full */
void iput(struct inode *ip);              /* lock held */
/* inum's last link is gone (lock held, inside an operation): freed, or kept on the orphan
 * list until its last close if it is open. */
int inode_drop(uint32_t inum);
/* Opens inode inum as a file (flags as open's); the fd or a negative errno. Lock held. */
int fsfile_open(uint32_t inum, int flags);
/* The open file of fd if it is a file-system one, else NULL; its inode and offset. */
struct fsfile;
struct fsfile *fsfile_of_fd(int fd);
struct inode *fsfile_inode(struct fsfile *f);
uint64_t *fsfile_offset(struct fsfile *f);

/* ---- fsname.c ---- */
/* Resolves path (absolute, or relative to the current directory) to its inode. */
int namei(const char *path, uint32_t *inum);
/* Resolves all but the last component: the directory, and the last name (in path). */
int nameiparent(const char *path, uint32_t *dinum, const char **name, size_t *len);
uint32_t cwd_get(void);
void cwd_set(uint32_t inum);
/* Writes the path of directory inum into buf (size bytes); its length, or an error. */
int dir_path(uint32_t inum, char *buf, size_t size);

/* ---- exec from the file system (fsfile.c) ----
 * For exec.c: the whole regular file at path (a kernel string) in one kernel buffer, as
 * an initrd member would be; -ENODEV if no file system is mounted (use the initrd). The
 * buffer is exec's until fs_exec_done (one exec at a time: others wait). */
int fs_exec_image(const char *path, const void **file, uint64_t *size);
void fs_exec_done(void);

/* ---- fsyscall.c ---- */
/* The system calls 50-79 by number: the result, or -ENOSYS for a number it lacks. */
long fsys_syscall(uint64_t nr, struct trapframe *tf);

#endif
