/* Unit tests of the GDB stub's wire format (vmm/gdb/packet.c), register table and target
 * description (vmm/gdb/regs.c) and debug-register slots (vmm/gdb/hwbp.c): good input is
 * decoded exactly, and every malformed input is rejected without touching memory beyond
 * its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/gdb/hwbp.h"
#include "vmm/gdb/packet.h"
#include "vmm/gdb/regs.h"

static struct gdb_rx rx;

/* Feed a string; return the last event that is not GDB_RX_NONE (or NONE). */
static enum gdb_rx_event feed(const char *s, size_t n)
{
    enum gdb_rx_event last = GDB_RX_NONE;
    for (size_t i = 0; i < n; i++) {
        enum gdb_rx_event e = gdb_rx_byte(&rx, (uint8_t)s[i]);
        if (e != GDB_RX_NONE)
            last = e;
    }
    return last;
}
#define FEED(s) feed(s, sizeof(s) - 1)

/* The modulo-256 sum GDB puts after '#'. */
static unsigned checksum(const char *s, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint8_t)s[i];
    return sum & 0xff;
}

static void test_rx_good_packet(void **state)
{
    gdb_rx_init(&rx);
    assert_int_equal(checksum("m1000,4", 7), 0x8e);
    assert_int_equal(FEED("$m1000,4#8e"), GDB_RX_PACKET);
    assert_string_equal(rx.buf, "m1000,4");
    assert_int_equal(rx.len, 7);
    assert_int_equal(FEED("$?#3F"), GDB_RX_PACKET);          /* upper-case checksum digits */
    assert_string_equal(rx.buf, "?");
}

static void test_rx_bad_checksum_and_digits(void **state)
{
    gdb_rx_init(&rx);
    assert_int_equal(FEED("$g#68"), GDB_RX_BAD);
    assert_int_equal(FEED("$g#6z"), GDB_RX_BAD);
    assert_int_equal(FEED("$g#67"), GDB_RX_PACKET);          /* still in step afterwards */
}

static void test_rx_acks_interrupt_noise(void **state)
{
    gdb_rx_init(&rx);
    assert_int_equal(FEED("+"), GDB_RX_ACK);
    assert_int_equal(FEED("-"), GDB_RX_NACK);
    assert_int_equal(FEED("\x03"), GDB_RX_INTERRUPT);
    assert_int_equal(FEED("xyz#12"), GDB_RX_NONE);           /* noise between packets */
    /* 0x03 inside a packet is data, not an interrupt */
    assert_int_equal(FEED("$\x03#03"), GDB_RX_PACKET);
    assert_int_equal(rx.buf[0], 3);
}

static void test_rx_escapes(void **state)
{
    char pkt[32];
    /* X1,1: followed by an escaped '#' ("}\x03"); the checksum covers the bytes as sent */
    const char body[] = "X1,1:}\x03";
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof body - 1; i++)
        sum += (uint8_t)body[i];
    snprintf(pkt, sizeof pkt, "$%s#%02x", body, sum & 0xff);
    gdb_rx_init(&rx);
    assert_int_equal(feed(pkt, strlen(pkt)), GDB_RX_PACKET);
    assert_int_equal(rx.len, 6);
    assert_memory_equal(rx.buf, "X1,1:#", 6);
    /* an escaped '#' is data: the packet goes on until a plain '#' */
    assert_int_equal(FEED("$}#00"), GDB_RX_NONE);
    assert_int_equal(FEED("#00"), GDB_RX_PACKET);       /* '}' + '#' + '0' + '0' = 0x100 */
    assert_int_equal(rx.len, 3);
    assert_memory_equal(rx.buf, "\003" "00", 3);
}

static void test_rx_overflow_is_bad_not_a_crash(void **state)
{
    static char big[GDB_PACKET_MAX + 100];
    gdb_rx_init(&rx);
    assert_int_equal(FEED("$"), GDB_RX_NONE);
    memset(big, 'a', sizeof big);
    assert_int_equal(feed(big, sizeof big), GDB_RX_NONE);
    assert_int_equal(rx.len, GDB_PACKET_MAX);
    unsigned sum = ('a' * (unsigned)sizeof big) & 0xff;
    char tail[4];
    snprintf(tail, sizeof tail, "#%02x", sum);
    assert_int_equal(feed(tail, 3), GDB_RX_BAD);
    assert_int_equal(rx.buf[0], 0);
    /* a new '$' restarts a packet that was cut off */
    assert_int_equal(FEED("$abc$g#67"), GDB_RX_PACKET);
    assert_string_equal(rx.buf, "g");
}

static void test_frame_escapes_and_checksums(void **state)
{
    char out[64];
    size_t n = gdb_frame("OK", 2, out, sizeof out);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "$OK#9a", 6);
    n = gdb_frame("a$#}*", 5, out, sizeof out);
    out[n] = 0;
    char want[32];
    const char *esc = "a}\x04}\x03}]}\x0a";
    snprintf(want, sizeof want, "$%s#%02x", esc, checksum(esc, strlen(esc)));
    assert_string_equal(out, want);
    /* the framer's output parses back to the same bytes */
    gdb_rx_init(&rx);
    assert_int_equal(feed(out, n), GDB_RX_PACKET);
    assert_memory_equal(rx.buf, "a$#}*", 5);
    assert_int_equal(gdb_frame("abcdef", 6, out, 9), 0);    /* does not fit */
    assert_int_equal(gdb_frame("abcdef", 6, out, 10), 10);
}

static void test_hex(void **state)
{
    uint8_t b[4];
    char h[9] = { 0 };
    assert_int_equal(gdb_hex_decode("00fFa5", 6, b, sizeof b), 3);
    assert_int_equal(b[1], 0xff);
    gdb_hex_encode(b, 3, h);
    assert_string_equal(h, "00ffa5");
    assert_int_equal(gdb_hex_decode("abc", 3, b, sizeof b), -1);        /* odd */
    assert_int_equal(gdb_hex_decode("0g", 2, b, sizeof b), -1);         /* not hex */
    assert_int_equal(gdb_hex_decode("0011223344", 10, b, sizeof b), -1); /* too long */
}

static void test_parse_hex_numbers(void **state)
{
    const char *s = "ffffffff80100000,x";
    const char *p = s;
    uint64_t v;
    assert_int_equal(gdb_parse_hex(&p, s + strlen(s), &v), 0);
    assert_true(v == 0xffffffff80100000ULL);
    assert_int_equal(*p, ',');
    const char *big = "10000000000000000";                 /* 2^64: overflow */
    p = big;
    assert_int_equal(gdb_parse_hex(&p, big + strlen(big), &v), -1);
    const char *zeros = "00000000000000000001";            /* leading zeros are fine */
    p = zeros;
    assert_int_equal(gdb_parse_hex(&p, zeros + strlen(zeros), &v), 0);
    assert_int_equal(v, 1);
    p = ",";
    assert_int_equal(gdb_parse_hex(&p, p + 1, &v), -1);     /* no digits */
}

static void test_parse_memory_and_break_args(void **state)
{
    uint64_t a, l, k;
    const char *data;
    int t;
    const char *m = "1000,20";
    assert_int_equal(gdb_parse_addr_len(m, m + strlen(m), &a, &l, NULL), 0);
    assert_int_equal(a, 0x1000);
    assert_int_equal(l, 0x20);
    const char *bad[] = { "1000", "1000,", ",20", "1000,20x", "1000;20" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(gdb_parse_addr_len(bad[i], bad[i] + strlen(bad[i]), &a, &l, NULL), -1);
    const char *w = "10,2:abcd";
    assert_int_equal(gdb_parse_addr_len(w, w + strlen(w), &a, &l, &data), 0);
    assert_string_equal(data, "abcd");
    assert_int_equal(gdb_parse_addr_len(m, m + strlen(m), &a, &l, &data), -1);   /* no ':' */
    const char *z = "1,ffffffff80100000,1";
    assert_int_equal(gdb_parse_break(z, z + strlen(z), &t, &a, &k), 0);
    assert_int_equal(t, 1);
    const char *z5 = "5,1000,1", *zc = "0,1000,1;X1,ff";
    assert_int_equal(gdb_parse_break(z5, z5 + strlen(z5), &t, &a, &k), -1);
    assert_int_equal(gdb_parse_break(zc, zc + strlen(zc), &t, &a, &k), -1);
}

static void test_thread_ids(void **state)
{
    int tid;
    assert_int_equal(gdb_parse_tid("-1", "-1" + 2, &tid), 0);
    assert_int_equal(tid, GDB_TID_ALL);
    assert_int_equal(gdb_parse_tid("0", "0" + 1, &tid), 0);
    assert_int_equal(tid, GDB_TID_ANY);
    assert_int_equal(gdb_parse_tid("2a", "2a" + 2, &tid), 0);
    assert_int_equal(tid, 42);
    assert_int_equal(gdb_parse_tid("41", "41" + 2, &tid), -1);   /* above GDB_MAX_THREADS */
    assert_int_equal(gdb_parse_tid("-2", "-2" + 2, &tid), -1);
    assert_int_equal(gdb_parse_tid("", "", &tid), -1);
}

static void test_vcont(void **state)
{
    enum gdb_action act[4];
    const char *s = ";s:2;c";
    assert_int_equal(gdb_parse_vcont(s, s + strlen(s), 3, act), 0);
    assert_int_equal(act[0], GDB_ACT_CONTINUE);
    assert_int_equal(act[1], GDB_ACT_STEP);
    assert_int_equal(act[2], GDB_ACT_CONTINUE);
    s = ";S05:1";                           /* only thread 1 runs, with a signal */
    assert_int_equal(gdb_parse_vcont(s, s + strlen(s), 3, act), 0);
    assert_int_equal(act[0], GDB_ACT_STEP);
    assert_int_equal(act[1], GDB_ACT_NONE);
    const char *bad[] = { "", ";", ";x", ";c:4", ";c:0", ";C", ";C1ff", "c", ";c:1;", ";s:zz" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(gdb_parse_vcont(bad[i], bad[i] + strlen(bad[i]), 3, act), -1);
}

static void test_qxfer(void **state)
{
    const char *o, *a;
    size_t on, an;
    uint64_t off, len;
    char out[16];
    const char *q = "qXfer:features:read:target.xml:10,fff";
    assert_int_equal(gdb_parse_qxfer(q, q + strlen(q), &o, &on, &a, &an, &off, &len), 0);
    assert_int_equal(on, 8);
    assert_memory_equal(a, "target.xml", an);
    assert_int_equal(off, 0x10);
    const char *t = "qXfer:threads:read::0,100";
    assert_int_equal(gdb_parse_qxfer(t, t + strlen(t), &o, &on, &a, &an, &off, &len), 0);
    assert_int_equal(an, 0);
    const char *w = "qXfer:features:write:x:0,1";
    assert_int_equal(gdb_parse_qxfer(w, w + strlen(w), &o, &on, &a, &an, &off, &len), -1);
    /* replies: 'm' while more remains, 'l' at the end, 'l' past the end */
    assert_int_equal(gdb_qxfer_reply("abcdef", 6, 0, 4, out, sizeof out), 5);
    assert_memory_equal(out, "mabcd", 5);
    assert_int_equal(gdb_qxfer_reply("abcdef", 6, 4, 4, out, sizeof out), 3);
    assert_memory_equal(out, "lef", 3);
    assert_int_equal(gdb_qxfer_reply("abcdef", 6, 99, 4, out, sizeof out), 1);
    assert_int_equal(out[0], 'l');
    assert_int_equal(gdb_qxfer_reply("abcdef", 6, 0, 100, out, 4), 4);   /* cut at cap */
    assert_int_equal(out[0], 'm');
}

/* ---- registers ---- */

static void test_register_layout(void **state)
{
    /* amd64: 16 GPRs + rip (8) + eflags and 6 selectors (4) + 8 x87 (10) + 8 x87 ctl (4) +
     * fs_base gs_base (8) + cr0 cr2 cr3 cr4 cr8 efer (8) */
    assert_int_equal(gdb_regs_size(), 17 * 8 + 7 * 4 + 8 * 10 + 8 * 4 + 2 * 8 + 6 * 8);
    assert_string_equal(gdb_reg_name(GDB_REG_RIP), "rip");
    assert_string_equal(gdb_reg_name(GDB_REG_CR0), "cr0");
    assert_int_equal(gdb_reg_size(GDB_NUM_REGS), -1);
    assert_int_equal(gdb_reg_size(-1), -1);
}

static void test_register_read_write(void **state)
{
    struct gdb_cpu_state s;
    memset(&s, 0, sizeof s);
    s.regs.rip = 0xffffffff80100000ULL;
    s.regs.rflags = 0x246;
    s.sregs.cs.selector = 0x8;
    s.sregs.cr3 = 0x1000;
    s.sregs.gs.base = 0xffffffff80200000ULL;
    uint8_t v[16];
    assert_int_equal(gdb_reg_read(&s, GDB_REG_RIP, v), 8);
    assert_memory_equal(v, "\x00\x00\x10\x80\xff\xff\xff\xff", 8);
    assert_int_equal(gdb_reg_read(&s, GDB_REG_EFLAGS, v), 4);
    assert_memory_equal(v, "\x46\x02\x00\x00", 4);
    assert_int_equal(gdb_reg_read(&s, GDB_REG_CS, v), 4);
    assert_int_equal(v[0], 8);
    assert_int_equal(gdb_reg_read(&s, 44, v), 8);              /* cr3 */
    assert_int_equal(v[1], 0x10);
    assert_int_equal(gdb_reg_read(&s, 41, v), 8);              /* gs_base */
    assert_int_equal(v[2], 0x20);
    assert_int_equal(gdb_reg_read(&s, GDB_NUM_REGS, v), -1);

    /* writing rax marks regs dirty; the value lands */
    uint8_t rax[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    assert_int_equal(gdb_reg_write(&s, 0, rax), 0);
    assert_true(s.regs.rax == 0x0807060504030201ULL);
    assert_true(s.dirty_regs);
    assert_false(s.dirty_sregs);
    /* a selector cannot be changed, but writing its current value is fine */
    uint8_t cs_same[4] = { 8, 0, 0, 0 }, cs_new[4] = { 0x10, 0, 0, 0 };
    assert_int_equal(gdb_reg_write(&s, GDB_REG_CS, cs_same), 0);
    assert_int_equal(gdb_reg_write(&s, GDB_REG_CS, cs_new), -1);
    assert_int_equal(s.sregs.cs.selector, 8);
    /* eflags keeps the reserved upper half */
    s.regs.rflags = 0xdead00000000246ULL;
    uint8_t fl[4] = { 0x02, 0x02, 0, 0 };
    assert_int_equal(gdb_reg_write(&s, GDB_REG_EFLAGS, fl), 0);
    assert_true(s.regs.rflags == 0xdead00000000202ULL);
    /* cr0 goes to sregs */
    uint8_t cr0[8] = { 0x11, 0, 0, 0x80, 0, 0, 0, 0 };
    assert_int_equal(gdb_reg_write(&s, GDB_REG_CR0, cr0), 0);
    assert_true(s.sregs.cr0 == 0x80000011ULL);
    assert_true(s.dirty_sregs);
}

static void test_fpu_tag_word(void **state)
{
    struct gdb_cpu_state s;
    uint8_t v[4];
    memset(&s, 0, sizeof s);
    s.fpu.fsw = 7 << 11;            /* TOP = 7: ST(0) is physical register 7 */
    s.fpu.ftwx = 0x80;              /* only physical register 7 is in use */
    s.fpu.fpr[0][7] = 0x80;         /* ST(0) = 1.0: integer bit set, exponent 0x3fff */
    s.fpu.fpr[0][8] = 0xff;
    s.fpu.fpr[0][9] = 0x3f;
    gdb_reg_read(&s, 34, v);        /* ftag */
    uint32_t tag;
    memcpy(&tag, v, 4);
    assert_int_equal(tag, 0x3fff);  /* reg 7 valid (00), the rest empty (11) */
    s.fpu.fpr[0][8] = s.fpu.fpr[0][9] = 0;
    s.fpu.fpr[0][7] = 0;            /* ST(0) = +0.0 */
    gdb_reg_read(&s, 34, v);
    memcpy(&tag, v, 4);
    assert_int_equal(tag, 0x7fff);  /* zero (01) */
    uint32_t empty = 0xffff;
    assert_int_equal(gdb_reg_write(&s, 34, (uint8_t *)&empty), 0);
    assert_int_equal(s.fpu.ftwx, 0);
    uint32_t seg = 0x1234;          /* 64-bit FXSAVE has no FPU selectors */
    assert_int_equal(gdb_reg_write(&s, 35, (uint8_t *)&seg), -1);
}

static void test_target_xml(void **state)
{
    size_t len;
    const char *xml = gdb_target_xml(&len);
    assert_int_equal(strlen(xml), len);
    assert_non_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
    assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.core\">"));
    assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.segments\">"));
    assert_non_null(strstr(xml, "name=\"cr3\" bitsize=\"64\" type=\"int64\" regnum=\"44\""));
    assert_non_null(strstr(xml, "name=\"st7\" bitsize=\"80\" type=\"i387_ext\" regnum=\"31\""));
    assert_non_null(strstr(xml, "<field name=\"ZF\" start=\"6\" end=\"6\"/>"));
    assert_non_null(strstr(xml, "</target>\n"));
    /* every register is described exactly once, in number order */
    const char *p = xml;
    for (int i = 0; i < GDB_NUM_REGS; i++) {
        char want[64];
        snprintf(want, sizeof want, "<reg name=\"%s\" ", gdb_reg_name(i));
        const char *at = strstr(p, want);
        assert_non_null(at);
        p = at + 1;
    }
}

/* ---- debug registers ---- */

static void test_hwbp_slots_and_dr7(void **state)
{
    struct gdb_hwbps h;
    memset(&h, 0, sizeof h);
    assert_int_equal(gdb_hwbp_insert(&h, Z_HW, 0xffffffff80100000ULL, 1), GDB_HW_OK);
    assert_int_equal(gdb_hwbp_insert(&h, Z_WRITE, 0x1000, 8), GDB_HW_OK);
    assert_int_equal(gdb_hwbp_insert(&h, Z_ACCESS, 0x2002, 2), GDB_HW_OK);
    assert_int_equal(gdb_hwbp_insert(&h, Z_WRITE, 0x1000, 8), GDB_HW_OK);  /* duplicate */
    /* slot 0: exec len 1 (RW 00 LEN 00); slot 1: write 8 bytes (01, 10); slot 2: rw 2 (11, 01) */
    uint64_t dr7 = gdb_hwbp_dr7(&h, -1);
    assert_true(dr7 == (0x2ULL | 0x8 | 0x20 | 0x300 | (0x9ULL << 20) | (0x7ULL << 24)));
    assert_true(gdb_hwbp_dr7(&h, 0) == (0x8ULL | 0x20 | 0x300 | (0x9ULL << 20) | (0x7ULL << 24)));
    assert_int_equal(gdb_hwbp_hit(&h, 0x2), 1);
    assert_int_equal(gdb_hwbp_hit(&h, 0x8), -1);                  /* slot 3 unused */
    assert_int_equal(gdb_hwbp_exec_at(&h, 0xffffffff80100000ULL), 0);
    assert_int_equal(gdb_hwbp_insert(&h, Z_HW, 0x5000, 1), GDB_HW_OK);
    assert_int_equal(gdb_hwbp_insert(&h, Z_HW, 0x6000, 1), GDB_HW_FULL);
    assert_int_equal(gdb_hwbp_remove(&h, Z_WRITE, 0x1000, 8), 0);
    assert_int_equal(gdb_hwbp_remove(&h, Z_WRITE, 0x1000, 8), -1);
    assert_int_equal(gdb_hwbp_insert(&h, Z_HW, 0x6000, 1), GDB_HW_OK);
}

static void test_hwbp_rejects(void **state)
{
    struct gdb_hwbps h;
    memset(&h, 0, sizeof h);
    assert_int_equal(gdb_hwbp_insert(&h, Z_READ, 0x1000, 4), GDB_HW_UNSUPPORTED);
    assert_int_equal(gdb_hwbp_insert(&h, Z_WRITE, 0x1002, 4), GDB_HW_INVALID);   /* unaligned */
    assert_int_equal(gdb_hwbp_insert(&h, Z_WRITE, 0x1000, 3), GDB_HW_INVALID);
    assert_int_equal(gdb_hwbp_insert(&h, Z_WRITE, 0x1000, 16), GDB_HW_INVALID);
    assert_int_equal(gdb_hwbp_insert(&h, Z_SW, 0x1000, 1), GDB_HW_INVALID);
    assert_false(gdb_hwbp_any(&h));
    assert_true(gdb_hwbp_dr7(&h, -1) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rx_good_packet),
        cmocka_unit_test(test_rx_bad_checksum_and_digits),
        cmocka_unit_test(test_rx_acks_interrupt_noise),
        cmocka_unit_test(test_rx_escapes),
        cmocka_unit_test(test_rx_overflow_is_bad_not_a_crash),
        cmocka_unit_test(test_frame_escapes_and_checksums),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_parse_hex_numbers),
        cmocka_unit_test(test_parse_memory_and_break_args),
        cmocka_unit_test(test_thread_ids),
        cmocka_unit_test(test_vcont),
        cmocka_unit_test(test_qxfer),
        cmocka_unit_test(test_register_layout),
        cmocka_unit_test(test_register_read_write),
        cmocka_unit_test(test_fpu_tag_word),
        cmocka_unit_test(test_target_xml),
        cmocka_unit_test(test_hwbp_slots_and_dr7),
        cmocka_unit_test(test_hwbp_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
