/* KVM's binary statistics (KVM_GET_STATS_FD): the named counters of one VM or vCPU fd,
 * parsed once from the descriptor block and then snapshotted with one pread per read. */
#ifndef VMM_KVMSTATS_H
#define VMM_KVMSTATS_H
#include <stddef.h>
#include <stdint.h>

/* Bounds on what a stats file may describe; anything larger is rejected as malformed. */
#define KVMSTATS_MAX_NAME   1024          /* header.name_size */
#define KVMSTATS_MAX_LAYOUT (1u << 20)    /* header + id + descriptors, bytes */
#define KVMSTATS_MAX_DATA   (1u << 20)    /* data block, bytes */

/* One statistic. flags holds KVM_STATS_TYPE_*, KVM_STATS_UNIT_* and KVM_STATS_BASE_*;
 * the value in base units is values[k] * base^exponent. */
struct kvmstat {
    const char *name;
    uint32_t flags;
    int16_t exponent;
    uint16_t size;              /* number of values: 1, or the buckets of a histogram */
    uint32_t bucket_size;       /* linear histograms only */
    uint32_t offset;            /* of the values in the data block, bytes */
    const uint64_t *values;     /* the last snapshot (all zero before kvmstats_read) */
};

struct kvmstats;

/* Open the stats of a VM or vCPU fd (KVM_GET_STATS_FD) and parse its layout.
 * NULL with errno set if KVM lacks KVM_CAP_BINARY_STATS_FD or the layout is malformed. */
struct kvmstats *kvmstats_open(int kvm_object_fd);

/* The same from an already open stats fd, which the result owns (closed on failure too). */
struct kvmstats *kvmstats_from_fd(int stats_fd);

/* Parse a stats file's header, id and descriptors from buf (the file from offset 0 up to
 * the end of the descriptor block). Every count, size and offset is checked against len
 * and the limits above: a malformed buffer gives NULL with errno = EINVAL.
 * The result reads nothing (kvmstats_read fails with EBADF) until given an fd. */
struct kvmstats *kvmstats_parse(const void *buf, size_t len);

/* Snapshot every value with one pread of the data block. 0, or -1 with errno
 * (EIO if the file is shorter than its descriptors say). */
int kvmstats_read(struct kvmstats *s);

/* The id string KVM gives the object, e.g. "kvm-1234/vcpu-0". */
const char *kvmstats_id(const struct kvmstats *s);

size_t kvmstats_count(const struct kvmstats *s);

/* Statistic i (i < kvmstats_count), or NULL. */
const struct kvmstat *kvmstats_stat(const struct kvmstats *s, size_t i);

/* The name of statistic i, or NULL if out of range. */
const char *kvmstats_name(const struct kvmstats *s, size_t i);

/* The value of statistic i: for histograms the sum of the buckets (the number of samples);
 * 0 if out of range. */
uint64_t kvmstats_value(const struct kvmstats *s, size_t i);

/* The index of the statistic called name, or -1. */
int kvmstats_find(const struct kvmstats *s, const char *name);

/* "cumulative", "instant", "peak", "linear_hist", "log_hist" or "unknown". */
const char *kvmstats_type_name(uint32_t flags);

/* "none", "bytes", "seconds", "cycles", "boolean" or "unknown". */
const char *kvmstats_unit_name(uint32_t flags);

/* Close the stats fd and free everything; NULL is ignored. */
void kvmstats_close(struct kvmstats *s);

#endif
