/* Unit tests of memory/guest_mem.c: RAM allocation limits, the memslot, the edges of the
 * checked accessor gpa_ptr, and the --mem size parser. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <cmocka.h>
#include "abi/machine.h"
#include "memory/guest_mem.h"

#define MiB (1ULL << 20)

static void test_alloc_rejects_bad_sizes(void **state)
{
    static const uint64_t bad[] = { 0, 1, 4096, MiB, 3 * MiB, 2 * MiB + 1,
                                    MACHINE_RAM_MAX + 2 * MiB, UINT64_MAX };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct guest_mem m = { (uint8_t *)1, 123 };
        errno = 0;
        assert_int_equal(guest_mem_alloc(&m, bad[i]), -1);
        assert_int_equal(errno, EINVAL);
        assert_null(m.hva);
        assert_int_equal(m.size, 0);
    }
}

static void test_alloc_gives_zeroed_writable_ram(void **state)
{
    struct guest_mem m;
    assert_int_equal(guest_mem_alloc(&m, 4 * MiB), 0);
    assert_non_null(m.hva);
    assert_int_equal(m.size, 4 * MiB);
    assert_int_equal(m.hva[0], 0);
    assert_int_equal(m.hva[4 * MiB - 1], 0);
    m.hva[4 * MiB - 1] = 0x5a;
    assert_int_equal(*(uint8_t *)gpa_ptr(&m, 4 * MiB - 1, 1), 0x5a);
    guest_mem_free(&m);
    assert_null(m.hva);
    guest_mem_free(&m);   /* a second free is harmless */
}

/* The largest size is only reserved, not committed (MAP_NORESERVE). */
static void test_alloc_maximum_size(void **state)
{
    struct guest_mem m;
    assert_int_equal(guest_mem_alloc(&m, MACHINE_RAM_MAX), 0);
    m.hva[MACHINE_RAM_MAX - 1] = 1;
    assert_non_null(gpa_ptr(&m, MACHINE_RAM_MAX - 1, 1));
    assert_null(gpa_ptr(&m, MACHINE_RAM_MAX, 1));
    guest_mem_free(&m);
}

static void test_map_registers_memslot(void **state)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        skip();   /* no KVM on this machine: the memslot cannot be tested */
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    assert_true(vm >= 0);
    struct guest_mem m;
    assert_int_equal(guest_mem_alloc(&m, 2 * MiB), 0);
    assert_int_equal(guest_mem_map(&m, vm), 0);
    guest_mem_free(&m);
    close(vm);
    close(kvm);
}

static void test_map_errors(void **state)
{
    struct guest_mem m;
    assert_int_equal(guest_mem_alloc(&m, 2 * MiB), 0);
    errno = 0;
    assert_int_equal(guest_mem_map(&m, -1), -1);
    assert_int_equal(errno, EBADF);
    guest_mem_free(&m);
    errno = 0;
    assert_int_equal(guest_mem_map(&m, 0), -1);   /* freed memory is never registered */
    assert_int_equal(errno, EINVAL);
}

/* A small fake RAM is enough for the accessor: it only reads hva and size. */
static uint8_t ram[8192];
static const struct guest_mem fake = { ram, sizeof ram };

static void test_gpa_ptr_edges(void **state)
{
    assert_ptr_equal(gpa_ptr(&fake, 0, 1), ram);
    assert_ptr_equal(gpa_ptr(&fake, 0, sizeof ram), ram);
    assert_ptr_equal(gpa_ptr(&fake, sizeof ram - 1, 1), ram + sizeof ram - 1);
    assert_null(gpa_ptr(&fake, sizeof ram, 1));          /* one past the end */
    assert_null(gpa_ptr(&fake, sizeof ram - 1, 2));      /* straddles the end */
    assert_null(gpa_ptr(&fake, 0, sizeof ram + 1));
    assert_null(gpa_ptr(&fake, UINT64_MAX, 2));          /* gpa + len wraps to 1 */
    assert_null(gpa_ptr(&fake, 16, UINT64_MAX));         /* gpa + len wraps to 15 */
    assert_null(gpa_ptr(&fake, UINT64_MAX, UINT64_MAX));
    assert_null(gpa_ptr(&fake, 1ULL << 63, 1ULL << 63)); /* wraps to exactly 0 */
}

static void test_gpa_ptr_len_zero(void **state)
{
    assert_ptr_equal(gpa_ptr(&fake, 0, 0), ram);
    assert_ptr_equal(gpa_ptr(&fake, sizeof ram, 0), ram + sizeof ram);
    assert_null(gpa_ptr(&fake, sizeof ram + 1, 0));
    assert_null(gpa_ptr(&fake, UINT64_MAX, 0));
}

static void test_gpa_ptr_without_ram(void **state)
{
    struct guest_mem none = { NULL, 0 };
    assert_null(gpa_ptr(&none, 0, 0));
    assert_null(gpa_ptr(NULL, 0, 0));
}

static void test_gpa_read_write(void **state)
{
    uint8_t buf[4] = { 1, 2, 3, 4 }, back[4] = { 0 };
    memset(ram, 0, sizeof ram);
    assert_int_equal(gpa_write(&fake, sizeof ram - 4, buf, 4), 0);
    assert_int_equal(gpa_read(&fake, sizeof ram - 4, back, 4), 0);
    assert_memory_equal(back, buf, 4);
    assert_int_equal(gpa_write(&fake, sizeof ram - 3, buf, 4), -1);
    assert_int_equal(ram[sizeof ram - 3], 2);   /* a failed write changes nothing */
    assert_int_equal(gpa_read(&fake, UINT64_MAX - 1, back, 4), -1);
}

static void test_parse_size_accepts(void **state)
{
    static const struct { const char *s; uint64_t v; } ok[] = {
        { "1", 1 }, { "65536", 65536 }, { "512K", 512ULL << 10 }, { "512k", 512ULL << 10 },
        { "256M", 256 * MiB }, { "256MB", 256 * MiB }, { "256MiB", 256 * MiB },
        { "1G", 1ULL << 30 }, { "3GiB", 3ULL << 30 }, { "2g", 2ULL << 30 },
        { "0010M", 10 * MiB }, { "18446744073709551615", UINT64_MAX },
        { "17179869183G", 17179869183ULL << 30 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = 0;
        if (parse_size(ok[i].s, &v) != 0 || v != ok[i].v)
            fail_msg("parse_size(\"%s\") should give %llu, gave %llu", ok[i].s,
                     (unsigned long long)ok[i].v, (unsigned long long)v);
    }
}

static void test_parse_size_rejects(void **state)
{
    static const char *const bad[] = {
        "", "0", "0M", "-1", "-1M", "+5", " 5", "5 ", "M", "K1", "0x10", "1.5G", "12T",
        "256Mi", "256MiBs", "256mb", "256Mib", "256B", "1KK",
        "18446744073709551616",   /* 2^64 */
        "99999999999999999999999",
        "17179869184G",           /* 2^64 after the multiplication */
        "18014398509481984K",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 42;
        if (parse_size(bad[i], &v) != -1 || v != 42)
            fail_msg("parse_size(\"%s\") should fail and leave *out alone", bad[i]);
    }
    uint64_t v;
    assert_int_equal(parse_size(NULL, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_rejects_bad_sizes),
        cmocka_unit_test(test_alloc_gives_zeroed_writable_ram),
        cmocka_unit_test(test_alloc_maximum_size),
        cmocka_unit_test(test_map_registers_memslot),
        cmocka_unit_test(test_map_errors),
        cmocka_unit_test(test_gpa_ptr_edges),
        cmocka_unit_test(test_gpa_ptr_len_zero),
        cmocka_unit_test(test_gpa_ptr_without_ram),
        cmocka_unit_test(test_gpa_read_write),
        cmocka_unit_test(test_parse_size_accepts),
        cmocka_unit_test(test_parse_size_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
