/* Reading directories: getdents gives Linux getdents64 records (abi/fs.h); opendir and
 * readdir walk them through a buffer (guest/lib/dirent.c). */
#ifndef ULIB_DIRENT_H
#define ULIB_DIRENT_H
#include <stddef.h>
#include "abi/fs.h"

/* Fills buf with whole records from the directory fd's offset on: bytes, 0 at the end. */
long getdents(int fd, void *buf, size_t n);

struct dirent {
    uint64_t d_ino;
    uint8_t d_type;        /* DT_* */
    char d_name[64];
};

typedef struct DIR DIR;
DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);   /* NULL at the end */
int closedir(DIR *d);

#endif
