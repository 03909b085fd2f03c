/* Files and directories of the minivmm file system: stat, mkdir and the other calls that
 * take a path or an fd (abi/fs.h has the structures and flags; errors set errno, -1). */
#ifndef ULIB_SYS_STAT_H
#define ULIB_SYS_STAT_H
#include <stddef.h>
#include <stdint.h>
#include "abi/fs.h"

typedef long off_t;

int open(const char *path, int flags, ...);
off_t lseek(int fd, off_t offset, int whence);
int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
int mkdir(const char *path, int mode);
int rmdir(const char *path);
int unlink(const char *path);
int link(const char *old, const char *new);
int rename(const char *old, const char *new);   /* atomic; replaces new */
int fsync(int fd);                              /* fd's file is durable on return */
int sync(void);                                 /* everything is durable on return */
int chdir(const char *path);
char *getcwd(char *buf, size_t size);           /* NULL with errno ERANGE if too small */
int ftruncate(int fd, off_t length);
int statfs(struct statfs *st);                  /* of the root file system */
/* Raw 4 KiB blocks of disk (0 = the root disk, whose writes are refused while mounted):
 * op DISKIO_READ/WRITE into/from buf (page-aligned), DISKIO_INFO gives the block count. */
long diskio(int disk, int op, uint64_t block, void *buf);

#endif
