/* Unit tests of guest/fs/crc32c.c: published check values, chaining, and agreement with a
 * bit-at-a-time reference at every length and alignment (the 8-byte path and the tails). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "guest/fs/fs_format.h"

/* The definition: one bit at a time, reflected polynomial 0x82f63b78. */
static uint32_t reference(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    while (n--) {
        c ^= *p++;
        for (int i = 0; i < 8; i++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
    return ~c;
}

static void matches_published_check_values(void **state)
{
    uint8_t zeros[32] = {0}, ones[32], inc[32];
    memset(ones, 0xff, sizeof ones);
    for (int i = 0; i < 32; i++)
        inc[i] = (uint8_t)i;
    assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u);   /* the standard check */
    assert_int_equal(crc32c(0, zeros, 32), 0x8a9136aau);        /* RFC 3720 B.4 */
    assert_int_equal(crc32c(0, ones, 32), 0x62a8ab43u);
    assert_int_equal(crc32c(0, inc, 32), 0x46dd794eu);
    assert_int_equal(crc32c(0, "", 0), 0);
}

static void chains_across_calls(void **state)
{
    const char *s = "the journal checksums descriptor, copies and commit";
    size_t n = strlen(s);
    for (size_t cut = 0; cut <= n; cut++)
        assert_int_equal(crc32c(crc32c(0, s, cut), s + cut, n - cut), crc32c(0, s, n));
}

static void agrees_with_reference_at_every_alignment(void **state)
{
    static uint8_t buf[4096 + 16];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
    for (size_t align = 0; align < 8; align++)
        for (size_t n = 0; n < 40; n++)
            assert_int_equal(crc32c(0, buf + align, n), reference(buf + align, n));
    assert_int_equal(crc32c(0, buf + 3, 4096), reference(buf + 3, 4096));
}

/* Eight equal aligned bytes i (0..255) take every entry of all eight slicing tables once
 * (the crc's start value only permutes the first four), so a wrong constant fails here. */
static void every_table_entry_agrees_with_reference(void **state)
{
    static uint64_t words[2];
    uint8_t *b = (uint8_t *)words;
    for (int i = 0; i < 256; i++) {
        memset(b, i, 8);
        assert_int_equal(crc32c(0, b, 8), reference(b, 8));
        memset(b + 8, i ^ 0x5a, 8);
        assert_int_equal(crc32c(0, b, 16), reference(b, 16));
    }
}

static void detects_a_single_flipped_bit(void **state)
{
    static uint8_t block[4096];
    uint32_t good = crc32c(0, block, sizeof block);
    for (size_t bit = 0; bit < sizeof block * 8; bit += 997) {
        block[bit / 8] ^= 1u << (bit % 8);
        assert_int_not_equal(crc32c(0, block, sizeof block), good);
        block[bit / 8] ^= 1u << (bit % 8);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_published_check_values),
        cmocka_unit_test(chains_across_calls),
        cmocka_unit_test(agrees_with_reference_at_every_alignment),
        cmocka_unit_test(every_table_entry_agrees_with_reference),
        cmocka_unit_test(detects_a_single_flipped_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
