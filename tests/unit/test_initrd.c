/* Unit tests of guest/kernel/initrd.c: archives are built in memory entry by entry, then
 * broken one field at a time; every lookup must stay inside the archive's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "abi/syscall.h"
#include "guest/kernel/initrd.h"

static unsigned char ar[4096];
static size_t len;
static size_t data_end;      /* offset just after the last file's data (before padding) */
static size_t echo_end;      /* ... of bin/echo */

/* Appends one newc entry (mode in octal, as cpio writes it). */
static void add(const char *name, unsigned mode, const char *data)
{
    size_t dlen = strlen(data), nlen = strlen(name) + 1;
    len += sprintf((char *)ar + len, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
                   1u, mode, 0u, 0u, 1u, 0u, dlen, 0u, 0u, 0u, 0u, nlen, 0u);
    memcpy(ar + len, name, nlen);
    len = (len + nlen + 3) & ~3u;
    memcpy(ar + len, data, dlen);
    data_end = len + dlen;
    len = (len + dlen + 3) & ~3u;
}

static int setup(void **state)
{
    memset(ar, 0, sizeof ar);
    len = 0;
    add(".", 040755, "");
    add("bin", 040755, "");
    add("bin/init", 0100755, "INIT");
    add("./bin/echo", 0100755, "echo!");
    echo_end = data_end;
    add("TRAILER!!!", 0, "");
    return 0;
}

static int find(const char *path, const void **d, uint64_t *n)
{
    return initrd_lookup(ar, len, path, d, n);
}

static void finds_files_by_any_spelling(void **state)
{
    const void *d; uint64_t n;
    assert_int_equal(find("/bin/init", &d, &n), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(d, "INIT", 4);
    assert_int_equal(find("bin/init", &d, &n), 0);
    assert_int_equal(find("/bin/echo", &d, &n), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(d, "echo!", 5);
}

static void missing_and_directories_are_enoent(void **state)
{
    const void *d; uint64_t n;
    assert_int_equal(find("/bin/sh", &d, &n), -ENOENT);
    assert_int_equal(find("/bin", &d, &n), -ENOENT);
    assert_int_equal(find("/bin/ini", &d, &n), -ENOENT);
    assert_int_equal(find("/bin/init2", &d, &n), -ENOENT);
    assert_int_equal(find("TRAILER!!!", &d, &n), -ENOENT);
    assert_int_equal(initrd_lookup(NULL, 0, "/bin/init", &d, &n), -ENOENT);
}

static void every_truncation_is_refused(void **state)
{
    const void *d; uint64_t n;
    /* Cut before the entry of /bin/echo is complete: never found, never read past the end. */
    for (size_t cut = 0; cut < echo_end; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, ar, cut);
        int r = initrd_lookup(copy, cut, "/bin/echo", &d, &n);
        if (r == 0) fail_msg("found in an archive cut at %zu", cut);
        assert_int_equal(r, -EINVAL);
        free(copy);
    }
}

static void bad_magic_and_hex_are_einval(void **state)
{
    const void *d; uint64_t n;
    ar[0] = 'X';
    assert_int_equal(find("/bin/init", &d, &n), -EINVAL);
    setup(state);
    ar[6 + 8 * 6] = 'g';               /* filesize field of "." */
    assert_int_equal(find("/bin/init", &d, &n), -EINVAL);
}

static void huge_sizes_are_einval(void **state)
{
    const void *d; uint64_t n;
    memcpy(ar + 6 + 8 * 6, "ffffffff", 8);    /* filesize of "." */
    assert_int_equal(find("/bin/init", &d, &n), -EINVAL);
    setup(state);
    memcpy(ar + 6 + 8 * 11, "ffffffff", 8);   /* namesize of "." */
    assert_int_equal(find("/bin/init", &d, &n), -EINVAL);
    setup(state);
    memcpy(ar + 6 + 8 * 11, "00000000", 8);   /* namesize 0 */
    assert_int_equal(find("/bin/init", &d, &n), -EINVAL);
}

static void unterminated_name_is_einval(void **state)
{
    const void *d; uint64_t n;
    memcpy(ar + 6 + 8 * 11, "00000001", 8);   /* "." would be 2 bytes with its NUL */
    ar[110] = 'x';
    assert_int_equal(find("/bin/init", &d, &n), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(finds_files_by_any_spelling, setup),
        cmocka_unit_test_setup(missing_and_directories_are_enoent, setup),
        cmocka_unit_test_setup(every_truncation_is_refused, setup),
        cmocka_unit_test_setup(bad_magic_and_hex_are_einval, setup),
        cmocka_unit_test_setup(huge_sizes_are_einval, setup),
        cmocka_unit_test_setup(unterminated_name_is_einval, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
