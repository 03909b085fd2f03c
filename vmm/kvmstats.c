/* KVM binary statistics: parse a stats fd's header and descriptors, snapshot its values.
 *
 * A stats file is a header, an id string, an array of descriptors (each a fixed part plus a
 * name of header.name_size bytes) and a data block of u64 values, all at offsets the header
 * gives. The layout never changes while the fd is open, so it is parsed once; each read is
 * then a single pread of the data block. The kernel is trusted, but nothing is assumed:
 * every offset and size is bounded before it is used. */
#include "vmm/kvmstats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

struct kvmstats {
    int fd;
    uint32_t data_offset;
    size_t data_size;           /* bytes; a multiple of 8 */
    uint64_t *data;
    char *id;
    char *names;                /* count names of name_size bytes each */
    size_t count;
    struct kvmstat *stats;
};

/* Is [off, off + size) inside [0, len)? Computed in 64 bits so nothing wraps. */
static int in_bounds(uint64_t off, uint64_t size, uint64_t len)
{
    return off <= len && size <= len - off;
}

/* Copy a NUL-terminated string of at most size bytes from buf[off]; -1 if unterminated. */
static int copy_name(char *dst, const uint8_t *buf, uint32_t off, uint32_t size)
{
    if (!memchr(buf + off, '\0', size))
        return -1;
    memcpy(dst, buf + off, size);
    return 0;
}

/* Fill s->stats[i] from the descriptor at buf[off] (known to be in bounds), checking its
 * name and that its values lie inside the data limit. */
static int parse_desc(struct kvmstats *s, const uint8_t *buf, uint64_t off, uint32_t name_size,
                      size_t i)
{
    struct kvm_stats_desc d;
    memcpy(&d, buf + off, sizeof d);
    char *name = s->names + i * name_size;
    if (copy_name(name, buf, off + sizeof d, name_size) < 0 || name[0] == '\0')
        return -1;
    uint64_t end = (uint64_t)d.offset + (uint64_t)d.size * 8;
    if (d.size == 0 || d.offset % 8 != 0 || end > KVMSTATS_MAX_DATA)
        return -1;
    if (end > s->data_size)
        s->data_size = end;
    s->stats[i] = (struct kvmstat){ .name = name, .flags = d.flags, .exponent = d.exponent,
                                    .size = d.size, .bucket_size = d.bucket_size,
                                    .offset = d.offset };
    return 0;
}

/* Check the header against len and allocate the arrays it sizes; -1 if malformed. */
static int parse_header(struct kvmstats *s, const struct kvm_stats_header *h, size_t len)
{
    uint64_t stride = sizeof(struct kvm_stats_desc) + (uint64_t)h->name_size;
    if (h->name_size == 0 || h->name_size > KVMSTATS_MAX_NAME ||
        !in_bounds(h->id_offset, h->name_size, len) ||
        !in_bounds(h->desc_offset, stride * h->num_desc, len))
        return -1;
    s->count = h->num_desc;
    s->id = malloc(h->name_size);
    s->names = malloc(s->count * h->name_size + 1);
    s->stats = calloc(s->count + 1, sizeof *s->stats);
    if (!s->id || !s->names || !s->stats)
        return -1;
    s->data_offset = h->data_offset;
    return 0;
}

struct kvmstats *kvmstats_parse(const void *buf, size_t len)
{
    const uint8_t *b = buf;
    struct kvm_stats_header h;
    struct kvmstats *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = -1;
    if (len < sizeof h)
        goto bad;
    memcpy(&h, b, sizeof h);
    if (parse_header(s, &h, len) < 0 || copy_name(s->id, b, h.id_offset, h.name_size) < 0)
        goto bad;
    uint64_t stride = sizeof(struct kvm_stats_desc) + (uint64_t)h.name_size;
    for (size_t i = 0; i < s->count; i++)
        if (parse_desc(s, b, h.desc_offset + i * stride, h.name_size, i) < 0)
            goto bad;
    s->data = calloc(s->data_size / 8 + 1, sizeof *s->data);
    if (!s->data)
        goto bad;
    for (size_t i = 0; i < s->count; i++)
        s->stats[i].values = s->data + s->stats[i].offset / 8;
    return s;
bad:
    kvmstats_close(s);
    errno = EINVAL;
    return NULL;
}

/* pread exactly len bytes at off; -1 with errno (EIO on a short read). */
static int pread_full(int fd, void *buf, size_t len, off_t off)
{
    ssize_t n = pread(fd, buf, len, off);
    if (n < 0)
        return -1;
    if ((size_t)n != len) {
        errno = EIO;
        return -1;
    }
    return 0;
}

struct kvmstats *kvmstats_from_fd(int stats_fd)
{
    struct kvm_stats_header h;
    struct kvmstats *s = NULL;
    uint8_t *buf = NULL;
    if (pread_full(stats_fd, &h, sizeof h, 0) < 0)
        goto out;
    if (h.name_size > KVMSTATS_MAX_NAME) {     /* bounds the products below */
        errno = EINVAL;
        goto out;
    }
    uint64_t desc_end = h.desc_offset +
        (sizeof(struct kvm_stats_desc) + (uint64_t)h.name_size) * h.num_desc;
    uint64_t id_end = (uint64_t)h.id_offset + h.name_size;
    uint64_t len = desc_end > id_end ? desc_end : id_end;
    if (len > KVMSTATS_MAX_LAYOUT) {
        errno = EINVAL;
        goto out;
    }
    buf = malloc(len);
    if (buf && pread_full(stats_fd, buf, len, 0) == 0)
        s = kvmstats_parse(buf, len);
out:
    free(buf);
    if (s)
        s->fd = stats_fd;
    else {
        int e = errno;
        close(stats_fd);
        errno = e;
    }
    return s;
}

struct kvmstats *kvmstats_open(int kvm_object_fd)
{
    int fd = ioctl(kvm_object_fd, KVM_GET_STATS_FD, NULL);
    if (fd < 0)
        return NULL;
    return kvmstats_from_fd(fd);
}

int kvmstats_read(struct kvmstats *s)
{
    if (s->fd < 0) {
        errno = EBADF;
        return -1;
    }
    return pread_full(s->fd, s->data, s->data_size, s->data_offset);
}

const char *kvmstats_id(const struct kvmstats *s)
{
    return s->id;
}

size_t kvmstats_count(const struct kvmstats *s)
{
    return s->count;
}

const struct kvmstat *kvmstats_stat(const struct kvmstats *s, size_t i)
{
    return i < s->count ? &s->stats[i] : NULL;
}

const char *kvmstats_name(const struct kvmstats *s, size_t i)
{
    return i < s->count ? s->stats[i].name : NULL;
}

uint64_t kvmstats_value(const struct kvmstats *s, size_t i)
{
    if (i >= s->count)
        return 0;
    uint64_t sum = 0;
    for (size_t k = 0; k < s->stats[i].size; k++)
        sum += s->stats[i].values[k];
    return sum;
}

int kvmstats_find(const struct kvmstats *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->stats[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *kvmstats_type_name(uint32_t flags)
{
    static const char *const names[] = { "cumulative", "instant", "peak", "linear_hist",
                                         "log_hist" };
    uint32_t t = (flags & KVM_STATS_TYPE_MASK) >> KVM_STATS_TYPE_SHIFT;
    return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

const char *kvmstats_unit_name(uint32_t flags)
{
    static const char *const names[] = { "none", "bytes", "seconds", "cycles", "boolean" };
    uint32_t u = (flags & KVM_STATS_UNIT_MASK) >> KVM_STATS_UNIT_SHIFT;
    return u < sizeof names / sizeof names[0] ? names[u] : "unknown";
}

void kvmstats_close(struct kvmstats *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->data);
    free(s->id);
    free(s->names);
    free(s->stats);
    free(s);
}
