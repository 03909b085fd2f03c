/* Unit tests of power-cut injection (devices/blk_crash.c) on a temporary image: which
 * writes survive a cut, torn prefixes, and the volatile cache's seeded losses, checked
 * against the documented model with the same seeded generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/blk_crash.h"

#define SECTORS 16

static char image[64];
static int fd = -1;
static struct blk_crash c;

static int setup(void **state)
{
    strcpy(image, "/tmp/test_blk_crash.XXXXXX");
    fd = mkstemp(image);
    if (fd < 0)
        return -1;
    static uint8_t zero[SECTORS * 512];
    return write(fd, zero, sizeof zero) == sizeof zero ? 0 : -1;
}

static int teardown(void **state)
{
    blk_crash_free(&c);
    close(fd);
    unlink(image);
    return 0;
}

/* Write nsect sectors filled with `fill` at sector s. */
static int put(uint64_t s, int nsect, uint8_t fill)
{
    static uint8_t buf[SECTORS * 512];
    memset(buf, fill, nsect * 512);
    struct iovec iov[2] = { { buf, 100 }, { buf + 100, nsect * 512 - 100 } };
    return blk_crash_write(&c, fd, s * 512, iov, 2, nsect * 512);
}

/* The fill byte of sector s on the image (checking the sector is uniform). */
static uint8_t sector(uint64_t s)
{
    uint8_t buf[512];
    assert_int_equal(pread(fd, buf, 512, s * 512), 512);
    for (int i = 1; i < 512; i++)
        assert_int_equal(buf[i], buf[0]);
    return buf[0];
}

static void first_n_writes_apply_then_nothing(void **state)
{
    blk_crash_init(&c, &(struct blk_crash_opts){ .enabled = true, .after = 2 });
    assert_int_equal(put(0, 1, 'a'), 0);
    assert_int_equal(put(1, 1, 'b'), 0);
    assert_int_equal(put(2, 1, 'c'), 1);         /* the cut */
    assert_int_equal(put(3, 1, 'd'), 1);         /* power stays off */
    assert_int_equal(blk_crash_flush(&c, fd), 0);
    assert_int_equal(sector(0), 'a');
    assert_int_equal(sector(1), 'b');
    assert_int_equal(sector(2), 0);
    assert_int_equal(sector(3), 0);
}

static void no_crash_after_means_no_cut(void **state)
{
    blk_crash_init(&c, &(struct blk_crash_opts){ 0 });
    for (int i = 0; i < SECTORS; i++)
        assert_int_equal(put(i, 1, 'x'), 0);
    assert_int_equal(sector(SECTORS - 1), 'x');
}

/* torn: a prefix of k sectors, k < n, k drawn from the seed. */
static void torn_write_leaves_a_seeded_prefix(void **state)
{
    int seen[8] = { 0 };
    for (uint64_t seed = 0; seed < 32; seed++) {
        blk_crash_free(&c);
        blk_crash_init(&c, &(struct blk_crash_opts){ .enabled = true, .after = 1,
                                                     .torn = true, .seed = seed });
        assert_int_equal(put(0, 8, 0), 0);       /* clear, counts as write 1 */
        assert_int_equal(put(0, 8, 't'), 1);
        uint64_t rng = seed;
        int k = blk_crash_random(&rng) % 8;
        for (int s = 0; s < 8; s++)
            assert_int_equal(sector(s), s < k ? 't' : 0);
        seen[k]++;
    }
    int distinct = 0;
    for (int k = 0; k < 8; k++)
        distinct += seen[k] > 0;
    assert_true(distinct > 1);                  /* the seed matters */
}

/* volatile: the image is the state at the last flush plus the writes the seed keeps,
 * in order; overlapping writes resolve to the last kept one. */
static void volatile_cache_loses_a_seeded_subset(void **state)
{
    int kept = 0, lost = 0;
    for (uint64_t seed = 0; seed < 16; seed++) {
        blk_crash_free(&c);
        blk_crash_init(&c, &(struct blk_crash_opts){ .enabled = true, .after = 5,
                                                     .volatile_cache = true, .seed = seed });
        assert_int_equal(put(0, 4, 0), 0);
        assert_int_equal(put(0, 1, 'A'), 0);
        assert_int_equal(blk_crash_flush(&c, fd), 0);
        assert_int_equal(put(1, 1, 'B'), 0);
        assert_int_equal(put(1, 1, 'C'), 0);
        assert_int_equal(put(2, 1, 'D'), 0);
        assert_int_equal(put(3, 1, 'E'), 1);
        uint64_t rng = seed;
        bool keep_b = blk_crash_random(&rng) & 1, keep_c = blk_crash_random(&rng) & 1,
             keep_d = blk_crash_random(&rng) & 1;
        assert_int_equal(sector(0), 'A');
        assert_int_equal(sector(1), keep_c ? 'C' : keep_b ? 'B' : 0);
        assert_int_equal(sector(2), keep_d ? 'D' : 0);
        assert_int_equal(sector(3), 0);
        kept += keep_b + keep_c + keep_d;
        lost += !keep_b + !keep_c + !keep_d;
    }
    assert_true(kept > 0 && lost > 0);
}

static void flushed_writes_survive_the_cut(void **state)
{
    blk_crash_init(&c, &(struct blk_crash_opts){ .enabled = true, .after = 3,
                                                 .volatile_cache = true, .seed = 1 });
    assert_int_equal(put(0, 1, 'a'), 0);
    assert_int_equal(put(1, 1, 'b'), 0);
    assert_int_equal(put(2, 1, 'c'), 0);
    assert_int_equal(blk_crash_flush(&c, fd), 0);
    assert_int_equal(put(3, 1, 'd'), 1);
    assert_int_equal(sector(0), 'a');
    assert_int_equal(sector(1), 'b');
    assert_int_equal(sector(2), 'c');
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(first_n_writes_apply_then_nothing),
        T(no_crash_after_means_no_cut),
        T(torn_write_leaves_a_seeded_prefix),
        T(volatile_cache_loses_a_seeded_subset),
        T(flushed_writes_survive_the_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
