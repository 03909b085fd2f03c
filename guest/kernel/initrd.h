/* The initial RAM disk: a cpio "newc" archive the kernel reads files from (initrd.c). */
#ifndef GUEST_KERNEL_INITRD_H
#define GUEST_KERNEL_INITRD_H
#include <stdint.h>

/* Finds the regular file at path ("/bin/init", "bin/init" and "./bin/init" are the same) in
 * the archive img[0..size). On success stores its data and length and returns 0; returns
 * -ENOENT if it is not there (or not a regular file), -EINVAL if the archive is malformed
 * before the file is found. Never reads outside img. */
int initrd_lookup(const void *img, uint64_t size, const char *path,
                  const void **data, uint64_t *len);

#endif
