/* Unit tests for vmm/kvmstats.c: crafted stats files (valid and malformed) and a real VM. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <cmocka.h>

#include "vmm/kvmstats.h"

#define NAME_SIZE 16
#define STRIDE (sizeof(struct kvm_stats_desc) + NAME_SIZE)
#define NDESC 3
#define ID_OFF sizeof(struct kvm_stats_header)
#define DESC_OFF (ID_OFF + NAME_SIZE)
#define DATA_OFF (DESC_OFF + NDESC * STRIDE)
#define FILE_LEN (DATA_OFF + 6 * 8)

/* A stats file like KVM's: "exits" (cumulative), "halt_poll_ns" (a 4-bucket log histogram)
 * and "max_mmu_level" (peak), values at data words 0, 1-4 and 5. */
static uint8_t file[FILE_LEN];

static struct kvm_stats_header *hdr(void)
{
    return (struct kvm_stats_header *)file;
}

static struct kvm_stats_desc *desc(size_t i)
{
    return (struct kvm_stats_desc *)(file + DESC_OFF + i * STRIDE);
}

static void put_desc(size_t i, const char *name, uint32_t flags, uint16_t size, uint32_t off)
{
    *desc(i) = (struct kvm_stats_desc){ .flags = flags, .size = size, .offset = off };
    strcpy(desc(i)->name, name);
}

static int setup(void **state)
{
    memset(file, 0, sizeof file);
    *hdr() = (struct kvm_stats_header){ .name_size = NAME_SIZE, .num_desc = NDESC,
                                        .id_offset = ID_OFF, .desc_offset = DESC_OFF,
                                        .data_offset = DATA_OFF };
    strcpy((char *)file + ID_OFF, "kvm-1/vcpu-0");
    put_desc(0, "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 0);
    put_desc(1, "halt_poll_ns", KVM_STATS_TYPE_LOG_HIST | KVM_STATS_UNIT_SECONDS, 4, 8);
    desc(1)->exponent = -9;
    put_desc(2, "max_mmu_level", KVM_STATS_TYPE_PEAK, 1, 40);
    uint64_t data[6] = { 1234, 1, 2, 3, 4, 5 };
    memcpy(file + DATA_OFF, data, sizeof data);
    return 0;
}

/* A memfd holding the first len bytes of file. */
static int file_fd(size_t len)
{
    int fd = memfd_create("kvmstats", 0);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, file, len), (ssize_t)len);
    return fd;
}

static void assert_parse_fails(size_t len)
{
    errno = 0;
    assert_null(kvmstats_parse(file, len));
    assert_int_equal(errno, EINVAL);
}

static void test_parse_valid(void **state)
{
    struct kvmstats *s = kvmstats_parse(file, DATA_OFF);
    assert_non_null(s);
    assert_string_equal(kvmstats_id(s), "kvm-1/vcpu-0");
    assert_int_equal(kvmstats_count(s), 3);
    assert_string_equal(kvmstats_name(s, 1), "halt_poll_ns");
    assert_null(kvmstats_name(s, 3));
    assert_null(kvmstats_stat(s, 3));
    assert_int_equal(kvmstats_find(s, "max_mmu_level"), 2);
    assert_int_equal(kvmstats_find(s, "exit"), -1);
    const struct kvmstat *st = kvmstats_stat(s, 1);
    assert_int_equal(st->size, 4);
    assert_int_equal(st->exponent, -9);
    assert_string_equal(kvmstats_type_name(st->flags), "log_hist");
    assert_string_equal(kvmstats_unit_name(st->flags), "seconds");
    assert_string_equal(kvmstats_type_name(kvmstats_stat(s, 2)->flags), "peak");
    assert_int_equal(kvmstats_value(s, 0), 0);      /* nothing read yet */
    errno = 0;
    assert_int_equal(kvmstats_read(s), -1);         /* no fd behind a parsed buffer */
    assert_int_equal(errno, EBADF);
    kvmstats_close(s);
}

static void test_read_values(void **state)
{
    struct kvmstats *s = kvmstats_from_fd(file_fd(FILE_LEN));
    assert_non_null(s);
    assert_int_equal(kvmstats_read(s), 0);
    assert_int_equal(kvmstats_value(s, 0), 1234);
    assert_int_equal(kvmstats_value(s, 1), 1 + 2 + 3 + 4);   /* histogram: its sample count */
    assert_int_equal(kvmstats_stat(s, 1)->values[3], 4);
    assert_int_equal(kvmstats_value(s, 2), 5);
    assert_int_equal(kvmstats_value(s, 3), 0);
    kvmstats_close(s);
}

static void test_truncated_layout(void **state)
{
    for (size_t len = 0; len < DATA_OFF; len++)
        assert_parse_fails(len);
}

static void test_truncated_data(void **state)
{
    struct kvmstats *s = kvmstats_from_fd(file_fd(FILE_LEN - 1));
    assert_non_null(s);
    errno = 0;
    assert_int_equal(kvmstats_read(s), -1);
    assert_int_equal(errno, EIO);
    kvmstats_close(s);
}

static void test_bad_header(void **state)
{
    hdr()->num_desc = UINT32_MAX;
    assert_parse_fails(DATA_OFF);
    setup(state);
    hdr()->desc_offset = UINT32_MAX - 8;
    assert_parse_fails(DATA_OFF);
    setup(state);
    hdr()->id_offset = DATA_OFF - 4;
    assert_parse_fails(DATA_OFF);
    setup(state);
    hdr()->name_size = 0;
    assert_parse_fails(DATA_OFF);
    setup(state);
    hdr()->name_size = UINT32_MAX;
    assert_parse_fails(DATA_OFF);
}

static void test_bad_descriptor(void **state)
{
    desc(2)->offset = 41;                               /* not a u64 slot */
    assert_parse_fails(DATA_OFF);
    setup(state);
    desc(2)->offset = KVMSTATS_MAX_DATA;                /* values past the data limit */
    assert_parse_fails(DATA_OFF);
    setup(state);
    desc(1)->offset = UINT32_MAX - 7;
    desc(1)->size = UINT16_MAX;
    assert_parse_fails(DATA_OFF);
    setup(state);
    desc(0)->size = 0;
    assert_parse_fails(DATA_OFF);
    setup(state);
    memset(desc(1)->name, 'x', NAME_SIZE);              /* no terminating NUL */
    assert_parse_fails(DATA_OFF);
    setup(state);
    desc(1)->name[0] = '\0';
    assert_parse_fails(DATA_OFF);
    setup(state);
    memset(file + ID_OFF, 'x', NAME_SIZE);
    assert_parse_fails(DATA_OFF);
}

static void test_no_descriptors(void **state)
{
    hdr()->num_desc = 0;
    struct kvmstats *s = kvmstats_parse(file, DESC_OFF);
    assert_non_null(s);
    assert_int_equal(kvmstats_count(s), 0);
    assert_int_equal(kvmstats_find(s, "exits"), -1);
    kvmstats_close(s);
}

/* A huge header is refused before anything is allocated, and the fd is closed. */
static void test_from_fd_huge(void **state)
{
    hdr()->num_desc = UINT32_MAX;
    int fd = file_fd(FILE_LEN);
    errno = 0;
    assert_null(kvmstats_from_fd(fd));
    assert_int_equal(errno, EINVAL);
    assert_int_equal(fcntl(fd, F_GETFD), -1);
}

/* The stats of a real VM and vCPU: the counters every KVM port has. */
static void test_real_kvm(void **state)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        print_message("skipped: cannot open /dev/kvm: %s\n", strerror(errno));
        skip();
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    assert_true(vm >= 0);
    if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0) {
        close(vm);
        close(kvm);
        print_message("skipped: no KVM_CAP_BINARY_STATS_FD\n");
        skip();
    }
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    assert_true(vcpu >= 0);
    struct kvmstats *vms = kvmstats_open(vm), *cpus = kvmstats_open(vcpu);
    assert_non_null(vms);
    assert_non_null(cpus);
    assert_int_equal(kvmstats_read(vms), 0);
    assert_int_equal(kvmstats_read(cpus), 0);
    assert_true(kvmstats_find(vms, "remote_tlb_flush") >= 0);
    assert_true(kvmstats_find(cpus, "exits") >= 0);
    assert_true(kvmstats_find(cpus, "halt_exits") >= 0);
    assert_int_equal(kvmstats_value(cpus, kvmstats_find(cpus, "exits")), 0);  /* never ran */
    assert_non_null(strstr(kvmstats_id(cpus), "vcpu-0"));
    kvmstats_close(vms);
    kvmstats_close(cpus);
    close(vcpu);
    close(vm);
    close(kvm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_parse_valid, setup),
        cmocka_unit_test_setup(test_read_values, setup),
        cmocka_unit_test_setup(test_truncated_layout, setup),
        cmocka_unit_test_setup(test_truncated_data, setup),
        cmocka_unit_test_setup(test_bad_header, setup),
        cmocka_unit_test_setup(test_bad_descriptor, setup),
        cmocka_unit_test_setup(test_no_descriptors, setup),
        cmocka_unit_test_setup(test_from_fd_huge, setup),
        cmocka_unit_test(test_real_kvm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
