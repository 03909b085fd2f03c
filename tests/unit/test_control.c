/* Unit tests of the control port: the magic, power-off, markers, and the bounded,
 * sanitized copy of a guest's panic message from a static buffer posing as guest RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "abi/machine.h"
#include "devices/control.h"

#define RAM_SIZE 8192

static uint8_t ram[RAM_SIZE];
static const struct guest_mem mem = { .hva = ram, .size = RAM_SIZE };

/* What the ops saw. */
static struct {
    int poweroffs, status;
    int panics;
    char msg[CTL_PANIC_MSG_MAX + 64];
    size_t msg_len;
    int marks;
    uint32_t mark_id;
    int names;
    uint32_t name_id;
    char name[CTL_MARK_NAME_MAX + 8];
} seen;

static void on_poweroff(void *ctx, int status)
{
    seen.poweroffs++;
    seen.status = status;
}

static void on_panic(void *ctx, const char *msg)
{
    seen.panics++;
    seen.msg_len = strlen(msg);
    snprintf(seen.msg, sizeof(seen.msg), "%s", msg);
}

static void on_mark(void *ctx, uint32_t id)
{
    seen.marks++;
    seen.mark_id = id;
}

static void on_mark_name(void *ctx, uint32_t id, const char *name)
{
    seen.names++;
    seen.name_id = id;
    snprintf(seen.name, sizeof(seen.name), "%s", name);
}

static int setup(void **state)
{
    memset(&seen, 0, sizeof(seen));
    memset(ram, 0, sizeof(ram));
    struct control_ops ops = { on_poweroff, on_panic, on_mark, on_mark_name, NULL };
    *state = control_create(&mem, ops);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    control_destroy(*state);
    return 0;
}

static void outl(struct control *c, uint64_t reg, uint32_t val)
{
    control_io(c, reg, (uint8_t *)&val, 4, true);
}

static uint32_t inl(struct control *c, uint64_t reg)
{
    uint32_t val = 0;
    control_io(c, reg, (uint8_t *)&val, 4, false);
    return val;
}

static void test_id_reads_magic(void **state)
{
    struct control *c = *state;
    assert_int_equal(inl(c, CTL_ID), CTL_MAGIC);
    assert_int_equal(inl(c, CTL_PANIC), 0xffffffffU);
    assert_int_equal(inl(c, CTL_MARK), 0xffffffffU);
    assert_int_equal(inl(c, 0xc), 0xffffffffU);
}

/* Only aligned 32-bit accesses do anything; narrower ones read all ones. */
static void test_other_widths_are_ignored(void **state)
{
    struct control *c = *state;
    uint8_t b[4] = { 0 };
    control_io(c, CTL_ID, b, 1, false);
    assert_int_equal(b[0], 0xff);
    control_io(c, CTL_ID, b, 2, false);
    assert_memory_equal(b, ((uint8_t[]){ 0xff, 0xff }), 2);
    b[0] = 7;
    control_io(c, CTL_POWEROFF, b, 1, true);
    control_io(c, CTL_POWEROFF, b, 2, true);
    control_io(c, 2, b, 4, true);               /* misaligned */
    assert_int_equal(seen.poweroffs, 0);
}

/* The exit status is the low byte of the value written. */
static void test_poweroff_passes_the_status(void **state)
{
    struct control *c = *state;
    outl(c, CTL_POWEROFF, 3);
    assert_int_equal(seen.poweroffs, 1);
    assert_int_equal(seen.status, 3);
    outl(c, CTL_POWEROFF, 0x12345600 | 255);
    assert_int_equal(seen.status, 255);
    outl(c, CTL_POWEROFF, 0x100);
    assert_int_equal(seen.status, 0);
}

static void test_mark_passes_the_id(void **state)
{
    struct control *c = *state;
    outl(c, CTL_MARK, 0xdeadbeef);
    assert_int_equal(seen.marks, 1);
    assert_int_equal(seen.mark_id, 0xdeadbeef);
    assert_int_equal(seen.poweroffs + seen.panics, 0);
}

static void test_panic_copies_the_message(void **state)
{
    struct control *c = *state;
    strcpy((char *)ram + 0x1000, "kernel panic: out of memory\n\tat kalloc");
    outl(c, CTL_PANIC, 0x1000);
    assert_int_equal(seen.panics, 1);
    assert_string_equal(seen.msg, "kernel panic: out of memory\n\tat kalloc");
}

/* Terminal controls and non-ASCII bytes become '?'; newline and tab stay. */
static void test_panic_replaces_non_printables(void **state)
{
    struct control *c = *state;
    memcpy(ram + 0x100, "a\x1b[2Jb\tc\x7f\x80\xff\r\n", 13);
    outl(c, CTL_PANIC, 0x100);
    assert_string_equal(seen.msg, "a?[2Jb\tc????\n");
}

/* A message with no NUL before the end of RAM stops there, terminated. */
static void test_panic_unterminated_at_end_of_ram(void **state)
{
    struct control *c = *state;
    memset(ram + RAM_SIZE - 10, 'x', 10);
    outl(c, CTL_PANIC, RAM_SIZE - 10);
    assert_int_equal(seen.panics, 1);
    assert_string_equal(seen.msg, "xxxxxxxxxx");
}

/* At most CTL_PANIC_MSG_MAX bytes are read, however long the guest's string is. */
static void test_panic_message_is_bounded(void **state)
{
    struct control *c = *state;
    memset(ram, 'A', RAM_SIZE);
    outl(c, CTL_PANIC, 0);
    assert_int_equal(seen.msg_len, CTL_PANIC_MSG_MAX);
}

static void test_panic_at_bad_address(void **state)
{
    struct control *c = *state;
    outl(c, CTL_PANIC, RAM_SIZE);
    assert_int_equal(seen.panics, 1);
    assert_string_equal(seen.msg, "(panic message at bad address 0x2000)");
    outl(c, CTL_PANIC, 0xfffffff0);
    assert_string_equal(seen.msg, "(panic message at bad address 0xfffffff0)");
}

/* An empty message in RAM is reported as empty, not as a bad address. */
static void test_panic_empty_message(void **state)
{
    struct control *c = *state;
    outl(c, CTL_PANIC, 0x10);
    assert_int_equal(seen.panics, 1);
    assert_string_equal(seen.msg, "");
}

/* An owner that leaves an op out gets nothing called, and no crash. */
static void test_missing_ops_are_skipped(void **state)
{
    struct control *c = control_create(&mem, (struct control_ops){ 0 });
    assert_non_null(c);
    outl(c, CTL_POWEROFF, 1);
    outl(c, CTL_PANIC, 0);
    outl(c, CTL_MARK, 1);
    control_destroy(c);
    assert_int_equal(seen.poweroffs + seen.panics + seen.marks, 0);
}

/* A struct ctl_mark_name in guest RAM names its id; the name is cut to fit and cleaned. */
static void test_mark_name_is_copied_bounded_and_sanitized(void **state)
{
    struct ctl_mark_name m = { .id = 0xb0100 };
    memcpy(m.name, "null_syscall", 13);
    memcpy(ram + 0x100, &m, sizeof m);
    outl(*state, CTL_MARK_NAME, 0x100);
    assert_int_equal(seen.names, 1);
    assert_int_equal(seen.name_id, 0xb0100);
    assert_string_equal(seen.name, "null_syscall");
    memset(m.name, 'a', sizeof m.name);            /* no NUL at all */
    m.name[3] = '\x1b';                             /* an escape for the terminal */
    memcpy(ram + 0x200, &m, sizeof m);
    outl(*state, CTL_MARK_NAME, 0x200);
    assert_int_equal(strlen(seen.name), CTL_MARK_NAME_MAX - 1);
    assert_int_equal(seen.name[3], '?');
}

/* A struct that does not lie wholly in RAM names nothing (and reads nothing outside). */
static void test_mark_name_outside_ram_is_ignored(void **state)
{
    outl(*state, CTL_MARK_NAME, RAM_SIZE - 8);
    outl(*state, CTL_MARK_NAME, 0xfffffff0u);
    assert_int_equal(seen.names, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_mark_name_is_copied_bounded_and_sanitized),
        T(test_mark_name_outside_ram_is_ignored),
        T(test_id_reads_magic),
        T(test_other_widths_are_ignored),
        T(test_poweroff_passes_the_status),
        T(test_mark_passes_the_id),
        T(test_panic_copies_the_message),
        T(test_panic_replaces_non_printables),
        T(test_panic_unterminated_at_end_of_ram),
        T(test_panic_message_is_bounded),
        T(test_panic_at_bad_address),
        T(test_panic_empty_message),
        T(test_missing_ops_are_skipped),
#undef T
    };
    return cmocka_run_group_tests_name("control", tests, NULL, NULL);
}
