/* A bounds-checked reader of cpio "newc" archives (the initrd): lookup of a file by path.
 *
 * A newc entry is a 110-byte ASCII header ("070701" and thirteen 8-digit hex fields), the
 * NUL-terminated name padded so that header + name is a multiple of 4, then the file data
 * padded to a multiple of 4. The entry named "TRAILER!!!" ends the archive. Every length
 * comes from the archive, so each one is checked against the bytes that remain. */
#include "initrd.h"
#include "abi/syscall.h"
#include <stddef.h>

#define NEWC_HDR_LEN   110
#define F_MODE         1
#define F_FILESIZE     6
#define F_NAMESIZE     11
#define S_IFMT         0170000
#define S_IFREG        0100000

/* Parses eight hex digits; returns -1 if one is not a hex digit. */
static int64_t hex8(const unsigned char *s)
{
    int64_t v = 0;
    for (int i = 0; i < 8; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Drops the leading "/" and "./" parts so archive names and paths compare equal. */
static const char *strip(const char *s)
{
    for (;;) {
        if (s[0] == '/') s++;
        else if (s[0] == '.' && s[1] == '/') s += 2;
        else return s;
    }
}

/* Compares the archive name (len bytes, not necessarily terminated) with a stripped path. */
static int name_is(const unsigned char *name, uint64_t len, const char *path)
{
    const char *n = strip((const char *)name);
    uint64_t skipped = (uint64_t)(n - (const char *)name);
    for (uint64_t i = 0; skipped + i < len; i++) {
        if (n[i] != path[i]) return 0;
        if (n[i] == '\0') return 1;
    }
    return 0;
}

static uint64_t align4(uint64_t x) { return (x + 3) & ~3ULL; }

int initrd_lookup(const void *img, uint64_t size, const char *path,
                  const void **data, uint64_t *len)
{
    const unsigned char *base = img;
    uint64_t off = 0;
    path = strip(path);
    if (!img) return -ENOENT;
    for (;;) {
        /* Only the fields a lookup needs are parsed (the mode only on a match): hex8 is
         * ~80 emulated instructions a field, and a lookup passes every earlier entry. */
        if (size - off < NEWC_HDR_LEN) return -EINVAL;
        const unsigned char *h = base + off;
        if (h[0] != '0' || h[1] != '7' || h[2] != '0' || h[3] != '7' || h[4] != '0' ||
            h[5] != '1')
            return -EINVAL;
        int64_t fnamesz = hex8(h + 6 + 8 * F_NAMESIZE), ffilesz = hex8(h + 6 + 8 * F_FILESIZE);
        if (fnamesz < 0 || ffilesz < 0) return -EINVAL;
        uint64_t namesz = (uint64_t)fnamesz, filesz = (uint64_t)ffilesz;
        uint64_t name_off = off + NEWC_HDR_LEN;
        /* The name must fit and end with its NUL exactly at namesz. */
        if (namesz == 0 || namesz > size - name_off) return -EINVAL;
        const unsigned char *name = base + name_off;
        if (name[namesz - 1] != '\0') return -EINVAL;
        uint64_t data_off = align4(name_off + namesz);
        if (data_off > size || filesz > size - data_off) return -EINVAL;
        if (name_is(name, namesz, "TRAILER!!!")) return -ENOENT;
        if (name_is(name, namesz, path)) {
            int64_t mode = hex8(h + 6 + 8 * F_MODE);
            if (mode < 0) return -EINVAL;
            if (((uint64_t)mode & S_IFMT) != S_IFREG) return -ENOENT;
            *data = base + data_off;
            *len = filesz;
            return 0;
        }
        off = align4(data_off + filesz);
        if (off > size) return -EINVAL;
    }
}
