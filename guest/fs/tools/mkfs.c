/* build/mkfs: makes a file-system image and copies a host directory tree into it (regular
 * files, directories, symbolic links, with their permission bits and mtimes; owners become
 * root). Usage: mkfs [-s SIZE] [-j JOURNAL_BLOCKS] [-i INODES] IMAGE [DIR]. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest/fs/tools/image.h"

#define DEFAULT_SIZE (64ull << 20)

static const char *image_path;

static int fail(const char *what, const char *path, int err)
{
    fprintf(stderr, "mkfs: %s: %s: %s\n", image_path, path, err == -FS_ENOSPC ? "image full"
            : err == -FS_ENAMETOOLONG ? "name too long (58 bytes at most)" : what);
    return -1;
}

/* "64M", "1G", "4096": bytes, or 0 if malformed. */
static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    int shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20
              : *end == 'G' || *end == 'g' ? 30 : 0;
    if (end == s || (shift && end[1]) || (!shift && *end) || v >> (63 - shift))
        return 0;
    return (uint64_t)v << shift;
}

static int copy_file(struct fs *fs, const char *path, uint32_t inum, struct fs_dinode *d)
{
    static uint8_t buf[1 << 16];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail(strerror(errno), path, 0);
    uint64_t off = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        int64_t w = fs_write(fs, inum, d, off, buf, (uint64_t)n);
        if (w != n) {
            close(fd);
            return fail("write failed", path, w < 0 ? (int)w : -FS_ENOSPC);
        }
        off += (uint64_t)n;
    }
    close(fd);
    return n < 0 ? fail(strerror(errno), path, 0) : 0;
}

static int copy_tree(struct fs *fs, const char *dir, uint32_t dinum);

/* Creates name in dinum as a copy of host path (already lstat'ed into st). */
static int copy_one(struct fs *fs, const char *path, const char *name, uint32_t dinum,
                    const struct stat *st)
{
    uint16_t type = S_ISDIR(st->st_mode) ? FS_S_IFDIR : S_ISREG(st->st_mode) ? FS_S_IFREG
                  : S_ISLNK(st->st_mode) ? FS_S_IFLNK : 0;
    uint32_t inum;
    struct fs_dinode d;
    if (type == 0) {
        fprintf(stderr, "mkfs: %s: skipped (not a file, directory or symbolic link)\n", path);
        return 0;
    }
    int err = fs_create(fs, dinum, name, strlen(name), type | (st->st_mode & 07777), &inum);
    if (err == 0)
        err = fs_iread(fs, inum, &d);
    if (err != 0)
        return fail("cannot create", path, err);
    d.mtime = d.ctime = (uint32_t)st->st_mtime;
    if ((err = fs_iwrite(fs, inum, &d)) != 0)
        return fail("cannot write inode", path, err);
    if (type == FS_S_IFDIR)
        return copy_tree(fs, path, inum);
    if (type == FS_S_IFREG)
        return copy_file(fs, path, inum, &d);
    char target[4096];
    ssize_t n = readlink(path, target, sizeof target);
    if (n < 0 || fs_write(fs, inum, &d, 0, target, (uint64_t)n) != n)
        return fail("cannot copy the link", path, 0);
    return 0;
}

/* Copies the entries of host directory dir into directory inode dinum, in name order so
 * that the same tree always gives the same image. */
static int copy_tree(struct fs *fs, const char *dir, uint32_t dinum)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), err = 0;
    if (n < 0)
        return fail(strerror(errno), dir, 0);
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        const char *name = names[i]->d_name;
        if (err == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", dir, name);
            err = lstat(path, &st) != 0 ? fail(strerror(errno), path, 0)
                                        : copy_one(fs, path, name, dinum, &st);
        }
        free(names[i]);
    }
    free(names);
    return err;
}

int main(int argc, char **argv)
{
    uint64_t size = DEFAULT_SIZE;
    long jblocks = -1, ninodes = -1;
    int opt;
    while ((opt = getopt(argc, argv, "s:j:i:")) != -1) {
        if (opt == 's' && (size = parse_size(optarg)) != 0 && size % FS_BLOCK_SIZE == 0)
            continue;
        if (opt == 'j' && (jblocks = strtol(optarg, NULL, 0)) >= 4)
            continue;
        if (opt == 'i' && (ninodes = strtol(optarg, NULL, 0)) >= 2)
            continue;
        fprintf(stderr, "usage: mkfs [-s SIZE[K|M|G]] [-j JOURNAL_BLOCKS] [-i INODES] IMAGE [DIR]\n"
                        "  SIZE a multiple of 4 KiB (default 64M); JOURNAL_BLOCKS >= 4\n");
        return 2;
    }
    if (optind != argc - 1 && optind != argc - 2) {
        fprintf(stderr, "usage: mkfs [-s SIZE] [-j JOURNAL_BLOCKS] [-i INODES] IMAGE [DIR]\n");
        return 2;
    }
    image_path = argv[optind];
    uint64_t nblocks = size / FS_BLOCK_SIZE;
    if (nblocks > UINT32_MAX) {
        fprintf(stderr, "mkfs: %s: size too large (at most 16 TiB)\n", image_path);
        return 1;
    }
    if (jblocks < 0)
        jblocks = nblocks >= 16384 ? 1024 : nblocks / 16 > 16 ? (long)(nblocks / 16) : 16;
    if (ninodes < 0)
        ninodes = nblocks / 4 > 64 ? (long)(nblocks / 4) : 64;
    struct image im;
    struct fs fs;
    int err = image_create(&im, image_path, size);
    if (err != 0) {
        fprintf(stderr, "mkfs: %s: %s\n", image_path, strerror(-err));
        return 1;
    }
    err = fs_format(&im, (uint32_t)ninodes, (uint32_t)jblocks);
    if (err != 0) {
        fprintf(stderr, "mkfs: %s: %s\n", image_path, err == -FS_EINVAL
                ? "size, journal and inode counts do not fit together" : "write failed");
        image_close(&im);
        return 1;
    }
    err = fs_mount(&fs, &image_cache_ops, &im, im.dev.nblocks);
    if (err == 0 && optind == argc - 2)
        err = copy_tree(&fs, argv[optind + 1], FS_ROOT_INUM);
    if (err == 0 && (im.failed || im.dev.flush(&im.dev) != 0))
        err = fail("write failed", image_path, 0);
    image_close(&im);
    return err ? 1 : 0;
}
