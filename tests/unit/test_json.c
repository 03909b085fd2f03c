/* Unit tests for vmm/json.c: exact output text, escaping, numbers, misuse, and a parse by
 * Python's json module. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/json.h"

static char *text;
static size_t text_len;
static FILE *out;
static struct json j;

static int setup(void **state)
{
    out = open_memstream(&text, &text_len);
    assert_non_null(out);
    json_init(&j, out);
    return 0;
}

static int teardown(void **state)
{
    fclose(out);
    free(text);
    return 0;
}

/* The text written so far. */
static const char *written(void)
{
    fflush(out);
    return text;
}

static void test_nested_document(void **state)
{
    json_object_begin(&j);
    json_key(&j, "exits");
    json_uint(&j, 3);
    json_key(&j, "ports");
    json_array_begin(&j);
    json_int(&j, -1);
    json_object_begin(&j);
    json_key(&j, "ok");
    json_bool(&j, true);
    json_key(&j, "none");
    json_null(&j);
    json_object_end(&j);
    json_bool(&j, false);
    json_array_end(&j);
    json_key(&j, "empty");
    json_object_begin(&j);
    json_object_end(&j);
    json_key(&j, "nothing");
    json_array_begin(&j);
    json_array_end(&j);
    json_object_end(&j);
    assert_int_equal(json_finish(&j), 0);
    assert_string_equal(written(),
        "{\n"
        "  \"exits\": 3,\n"
        "  \"ports\": [\n"
        "    -1,\n"
        "    {\n"
        "      \"ok\": true,\n"
        "      \"none\": null\n"
        "    },\n"
        "    false\n"
        "  ],\n"
        "  \"empty\": {},\n"
        "  \"nothing\": []\n"
        "}\n");
}

static void test_top_level_scalar(void **state)
{
    json_string(&j, "x");
    assert_int_equal(json_finish(&j), 0);
    assert_string_equal(written(), "\"x\"\n");
}

static void test_string_escaping(void **state)
{
    json_string(&j, "q\"b\\ n\n t\t \x01\x1f \x7f");
    assert_int_equal(json_finish(&j), 0);
    assert_string_equal(written(), "\"q\\\"b\\\\ n\\u000a t\\u0009 \\u0001\\u001f \x7f\"\n");
}

static void test_utf8_passes_through(void **state)
{
    json_string(&j, "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
    assert_int_equal(json_finish(&j), 0);
    assert_string_equal(written(), "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"\n");
}

/* Each byte that starts no valid sequence becomes U+FFFD: a stray continuation byte, an
 * overlong '/', a surrogate, a code point above U+10FFFF, a sequence cut short. */
static void test_invalid_utf8_replaced(void **state)
{
    json_array_begin(&j);
    json_string(&j, "\x80");
    json_string(&j, "\xc0\xaf");
    json_string(&j, "\xed\xa0\x80");
    json_string(&j, "\xf4\x90\x80\x80");
    json_string(&j, "a\xe2\x82");
    json_array_end(&j);
    assert_int_equal(json_finish(&j), 0);
    assert_string_equal(written(), "[\n"
        "  \"\\ufffd\",\n"
        "  \"\\ufffd\\ufffd\",\n"
        "  \"\\ufffd\\ufffd\\ufffd\",\n"
        "  \"\\ufffd\\ufffd\\ufffd\\ufffd\",\n"
        "  \"a\\ufffd\\ufffd\"\n"
        "]\n");
}

static void test_integers(void **state)
{
    json_array_begin(&j);
    json_uint(&j, UINT64_MAX);
    json_int(&j, INT64_MIN);
    json_int(&j, INT64_MAX);
    json_uint(&j, 0);
    json_array_end(&j);
    assert_int_equal(json_finish(&j), 0);
    assert_string_equal(written(), "[\n  18446744073709551615,\n  -9223372036854775808,\n"
                                   "  9223372036854775807,\n  0\n]\n");
}

/* Shortest text that reads back exactly; non-finite values have no JSON form. */
static void test_doubles(void **state)
{
    json_array_begin(&j);
    json_double(&j, 0.1);
    json_double(&j, -2.0);
    json_double(&j, 1.0 / 3.0);
    json_double(&j, 0.1 + 0.2);
    json_double(&j, 1e300);
    json_double(&j, NAN);
    json_double(&j, INFINITY);
    json_double(&j, -INFINITY);
    json_array_end(&j);
    assert_int_equal(json_finish(&j), 0);
    assert_string_equal(written(), "[\n  0.1,\n  -2,\n  0.3333333333333333,\n"
                                   "  0.30000000000000004,\n  1e+300,\n  null,\n  null,\n  null\n]\n");
}

/* Each misuse sets the error flag, writes nothing, and stops all later output. */
static void assert_misuse_stops_output(void)
{
    const char *before = strdup(written());
    assert_true(j.error);
    json_uint(&j, 7);
    json_object_end(&j);
    assert_string_equal(written(), before);
    assert_int_equal(json_finish(&j), -1);
    free((void *)before);
}

static void test_value_without_key(void **state)
{
    json_object_begin(&j);
    json_uint(&j, 1);
    assert_misuse_stops_output();
    assert_string_equal(written(), "{");
}

static void test_key_misplaced(void **state)
{
    json_key(&j, "top");                    /* no object open */
    assert_misuse_stops_output();
    teardown(state), setup(state);
    json_array_begin(&j);
    json_key(&j, "in array");
    assert_misuse_stops_output();
    teardown(state), setup(state);
    json_object_begin(&j);
    json_key(&j, "a");
    json_key(&j, "b");                      /* two keys in a row */
    assert_misuse_stops_output();
    teardown(state), setup(state);
    json_object_begin(&j);
    json_key(&j, NULL);
    assert_misuse_stops_output();
}

static void test_bad_ends(void **state)
{
    json_array_end(&j);                     /* nothing open */
    assert_misuse_stops_output();
    teardown(state), setup(state);
    json_array_begin(&j);
    json_object_end(&j);                    /* closes the wrong kind */
    assert_misuse_stops_output();
    teardown(state), setup(state);
    json_object_begin(&j);
    json_key(&j, "dangling");
    json_object_end(&j);                    /* key without value */
    assert_misuse_stops_output();
}

static void test_second_document(void **state)
{
    json_uint(&j, 1);
    json_uint(&j, 2);
    assert_misuse_stops_output();
    assert_string_equal(written(), "1");
}

static void test_null_string(void **state)
{
    json_array_begin(&j);
    json_string(&j, NULL);
    assert_misuse_stops_output();
}

static void test_too_deep(void **state)
{
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        json_array_begin(&j);
    assert_false(j.error);
    json_array_begin(&j);
    assert_misuse_stops_output();
}

static void test_unfinished(void **state)
{
    assert_int_equal(json_finish(&j), -1);  /* no value at all */
    json_object_begin(&j);
    assert_int_equal(json_finish(&j), -1);  /* still open */
}

/* Python's json module accepts a document with every kind of value and awkward strings. */
static void test_python_parses(void **state)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        print_message("skipped: no /usr/bin/python3\n");
        skip();
    }
    FILE *p = popen("/usr/bin/python3 -c 'import json,sys; "
                    "d = json.load(sys.stdin); assert d[\"s\"][1] == \"\\u00e9\\ufffd\"'", "w");
    assert_non_null(p);
    json_init(&j, p);
    json_object_begin(&j);
    json_key(&j, "s\x01\"");
    json_array_begin(&j);
    json_string(&j, "\"\\\n\t\x1f\x7f/");
    json_string(&j, "\xc3\xa9\xff");
    json_array_end(&j);
    json_key(&j, "n");
    json_array_begin(&j);
    json_uint(&j, UINT64_MAX);
    json_int(&j, INT64_MIN);
    json_double(&j, 6.02e23);
    json_double(&j, NAN);
    json_bool(&j, false);
    json_null(&j);
    json_array_end(&j);
    json_key(&j, "s");
    json_array_begin(&j);
    json_string(&j, "");
    json_string(&j, "\xc3\xa9\x80");
    json_array_end(&j);
    json_object_end(&j);
    assert_int_equal(json_finish(&j), 0);
    assert_int_equal(pclose(p), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_nested_document), T(test_top_level_scalar), T(test_string_escaping),
        T(test_utf8_passes_through), T(test_invalid_utf8_replaced), T(test_integers),
        T(test_doubles), T(test_value_without_key), T(test_key_misplaced), T(test_bad_ends),
        T(test_second_document), T(test_null_string), T(test_too_deep), T(test_unfinished),
        T(test_python_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
