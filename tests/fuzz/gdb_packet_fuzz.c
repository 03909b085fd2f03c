/* libFuzzer harness for the GDB stub's wire format: random bytes go through the framer as
 * if a client sent them, and every packet that comes out is fed to every argument parser.
 * Sanitizers catch out-of-bounds accesses; the asserts check that framing a payload and
 * parsing it back gives the same bytes. Run with `make fuzz-gdb`. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "vmm/gdb/hwbp.h"
#include "vmm/gdb/packet.h"
#include "vmm/gdb/regs.h"

static struct gdb_rx rx, back;
static char framed[2 * GDB_PACKET_MAX + 8];

/* Every parser on one packet, the way the stub dispatches it (by its first bytes, and
 * also regardless of them, so each parser sees every kind of input). */
static void parse_all(const char *p, size_t n)
{
    const char *end = p + n;
    uint64_t a, l, k, off;
    const char *data, *o, *an;
    size_t on, ann;
    int t;
    enum gdb_action act[GDB_MAX_THREADS];
    uint8_t buf[GDB_PACKET_MAX];
    const char *q = p;

    gdb_parse_addr_len(p, end, &a, &l, NULL);
    if (gdb_parse_addr_len(p, end, &a, &l, &data) == 0)
        assert(data >= p && data <= end);
    if (gdb_parse_break(p, end, &t, &a, &k) == 0)
        assert(t >= 0 && t <= 4);
    if (gdb_parse_tid(p, end, &t) == 0)
        assert(t >= -1 && t <= GDB_MAX_THREADS);
    for (int threads = 1; threads <= GDB_MAX_THREADS; threads *= 4)
        if (gdb_parse_vcont(p, end, threads, act) == 0)
            for (int i = 0; i < threads; i++)
                assert(act[i] <= GDB_ACT_STEP);
    if (gdb_parse_qxfer(p, end, &o, &on, &an, &ann, &off, &l) == 0) {
        assert(o >= p && o + on <= end && an >= p && an + ann <= end);
        char out[64];
        size_t doc_len;
        const char *doc = gdb_target_xml(&doc_len);
        assert(gdb_qxfer_reply(doc, doc_len, off, l, out, sizeof out) <= sizeof out);
    }
    if (gdb_parse_hex(&q, end, &a) == 0)
        assert(q > p && q <= end);
    long d = gdb_hex_decode(p, n, buf, sizeof buf);
    assert(d == -1 || (size_t)d == n / 2);
    /* a register write of whatever bytes: never out of bounds */
    struct gdb_cpu_state s;
    memset(&s, 0, sizeof s);
    uint8_t val[16] = { 0 };
    memcpy(val, p, n < sizeof val ? n : sizeof val);
    gdb_reg_write(&s, n % (GDB_NUM_REGS + 2) - 1, val);
    struct gdb_hwbps h;
    memset(&h, 0, sizeof h);
    gdb_hwbp_insert(&h, n % 5, a, l);
    gdb_hwbp_dr7(&h, (int)(k % 6) - 1);
}

/* Framing the payload and parsing the frame must give it back unchanged. */
static void round_trip(const char *p, size_t n)
{
    size_t f = gdb_frame(p, n, framed, sizeof framed);
    assert(f > 0);
    gdb_rx_init(&back);
    enum gdb_rx_event last = GDB_RX_NONE;
    for (size_t i = 0; i < f; i++) {
        enum gdb_rx_event e = gdb_rx_byte(&back, (uint8_t)framed[i]);
        assert(e == GDB_RX_NONE || i == f - 1);
        last = e;
    }
    assert(last == GDB_RX_PACKET && back.len == n && memcmp(back.buf, p, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gdb_rx_init(&rx);
    for (size_t i = 0; i < size; i++) {
        enum gdb_rx_event e = gdb_rx_byte(&rx, data[i]);
        assert(rx.len <= GDB_PACKET_MAX);
        if (e == GDB_RX_PACKET) {
            assert(rx.buf[rx.len] == 0);
            parse_all(rx.buf, rx.len);
            round_trip(rx.buf, rx.len);
        }
    }
    /* the raw input as a payload too: parsers see bytes no framer would pass */
    size_t n = size < GDB_PACKET_MAX ? size : GDB_PACKET_MAX;
    parse_all((const char *)data, n);
    round_trip((const char *)data, n);
    return 0;
}
