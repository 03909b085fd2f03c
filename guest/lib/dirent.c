/* opendir/readdir/closedir over getdents, and getcwd over the raw system call. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct DIR {
    int fd;
    long len, pos;              /* bytes in buf, next record */
    struct dirent ent;
    char buf[2048] __attribute__((aligned(8)));
};

DIR *opendir(const char *path)
{
    DIR *d = malloc(sizeof *d);
    if (!d)
        return NULL;
    d->fd = open(path, O_RDONLY | O_DIRECTORY);
    if (d->fd < 0) {
        free(d);
        return NULL;
    }
    d->len = d->pos = 0;
    return d;
}

struct dirent *readdir(DIR *d)
{
    if (d->pos >= d->len) {
        d->len = getdents(d->fd, d->buf, sizeof d->buf);
        d->pos = 0;
        if (d->len <= 0)
            return NULL;
    }
    const struct dirent64 *r = (const struct dirent64 *)(d->buf + d->pos);
    d->pos += r->d_reclen;
    d->ent.d_ino = r->d_ino;
    d->ent.d_type = r->d_type;
    size_t n = strlen(r->d_name);
    if (n >= sizeof d->ent.d_name)
        n = sizeof d->ent.d_name - 1;
    memcpy(d->ent.d_name, r->d_name, n);
    d->ent.d_name[n] = '\0';
    return &d->ent;
}

int closedir(DIR *d)
{
    int r = close(d->fd);
    free(d);
    return r;
}

long getcwd_raw(char *buf, size_t size);

char *getcwd(char *buf, size_t size)
{
    return getcwd_raw(buf, size) < 0 ? NULL : buf;
}
