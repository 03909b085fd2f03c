/* The GDB remote protocol's wire format: framing, checksums, escapes, hex and the
 * argument syntax of packets. Everything here treats its input as hostile: lengths are
 * bounded, digits checked, numbers checked for overflow. */
#include <string.h>
#include "vmm/gdb/packet.h"

enum { RX_IDLE, RX_DATA, RX_CSUM };

void gdb_rx_init(struct gdb_rx *rx)
{
    memset(rx, 0, offsetof(struct gdb_rx, buf));
    rx->buf[0] = 0;
}

int gdb_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A complete packet: report it if the checksum and contents were good. */
static enum gdb_rx_event rx_finish(struct gdb_rx *rx)
{
    bool good = rx->csum == rx->sum && !rx->overflow && !rx->bad_escape && !rx->escape;
    rx->state = RX_IDLE;
    rx->buf[good ? rx->len : 0] = 0;
    if (!good)
        rx->len = 0;
    return good ? GDB_RX_PACKET : GDB_RX_BAD;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
    switch (rx->state) {
    case RX_IDLE:
        if (c == '$') {
            rx->state = RX_DATA;
            rx->len = 0;
            rx->sum = 0;
            rx->escape = rx->overflow = rx->bad_escape = false;
            return GDB_RX_NONE;
        }
        if (c == '+')
            return GDB_RX_ACK;
        if (c == '-')
            return GDB_RX_NACK;
        if (c == 0x03)
            return GDB_RX_INTERRUPT;
        return GDB_RX_NONE;          /* noise between packets is ignored, as GDB does */
    case RX_DATA:
        if (c == '#' && !rx->escape) {
            rx->state = RX_CSUM;
            rx->csum_digits = 0;
            rx->csum = 0;
            return GDB_RX_NONE;
        }
        if (c == '$' && !rx->escape) {   /* a new packet starts: the old one was cut off */
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = rx->bad_escape = false;
            return GDB_RX_NONE;
        }
        rx->sum += c;
        if (rx->escape) {
            rx->escape = false;
            c ^= 0x20;
        } else if (c == '}') {
            rx->escape = true;
            return GDB_RX_NONE;
        }
        if (rx->len >= GDB_PACKET_MAX)
            rx->overflow = true;
        else
            rx->buf[rx->len++] = c;
        return GDB_RX_NONE;
    case RX_CSUM: {
        int d = gdb_hex_digit(c);
        if (d < 0) {
            rx->state = RX_IDLE;
            rx->len = 0;
            rx->buf[0] = 0;
            return GDB_RX_BAD;
        }
        rx->csum = rx->csum << 4 | d;
        if (++rx->csum_digits < 2)
            return GDB_RX_NONE;
        return rx_finish(rx);
    }
    }
    rx->state = RX_IDLE;
    return GDB_RX_NONE;
}

static bool needs_escape(uint8_t c)
{
    return c == '$' || c == '#' || c == '}' || c == '*';
}

size_t gdb_frame(const void *payload, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = payload;
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (needs_escape(c)) {
            if (o + 2 > cap - 3)
                return 0;
            out[o++] = '}';
            sum += '}';
            c ^= 0x20;
        } else if (o + 1 > cap - 3) {
            return 0;
        }
        out[o++] = c;
        sum += c;
    }
    out[o++] = '#';
    out[o++] = hex[sum >> 4];
    out[o++] = hex[sum & 15];
    return o;
}

void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
}

long gdb_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = gdb_hex_digit(s[2 * i]), lo = gdb_hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = hi << 4 | lo;
    }
    return n / 2;
}

int gdb_parse_hex(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    while (s < end && gdb_hex_digit(*s) >= 0) {
        if (v >> 60)
            return -1;               /* a 17th significant digit: more than 64 bits */
        v = v << 4 | gdb_hex_digit(*s);
        s++;
    }
    if (s == *p)
        return -1;
    *p = s;
    *out = v;
    return 0;
}

/* Expect the character c at *p and step over it. */
static int expect(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return -1;
    (*p)++;
    return 0;
}

int gdb_parse_addr_len(const char *s, const char *end, uint64_t *addr, uint64_t *len,
                       const char **data)
{
    if (gdb_parse_hex(&s, end, addr) < 0 || expect(&s, end, ',') < 0 ||
        gdb_parse_hex(&s, end, len) < 0)
        return -1;
    if (data) {
        if (expect(&s, end, ':') < 0)
            return -1;
        *data = s;
        return 0;
    }
    return s == end ? 0 : -1;
}

int gdb_parse_break(const char *s, const char *end, int *type, uint64_t *addr, uint64_t *kind)
{
    uint64_t t;
    if (gdb_parse_hex(&s, end, &t) < 0 || t > 4 || expect(&s, end, ',') < 0 ||
        gdb_parse_hex(&s, end, addr) < 0 || expect(&s, end, ',') < 0 ||
        gdb_parse_hex(&s, end, kind) < 0 || s != end)
        return -1;
    *type = (int)t;
    return 0;
}

int gdb_parse_tid(const char *s, const char *end, int *tid)
{
    uint64_t v;
    if (end - s == 2 && s[0] == '-' && s[1] == '1') {
        *tid = GDB_TID_ALL;
        return 0;
    }
    if (gdb_parse_hex(&s, end, &v) < 0 || s != end || v > GDB_MAX_THREADS)
        return -1;
    *tid = (int)v;
    return 0;
}

/* One vCont action "c", "s", "Cxx" or "Sxx": its kind, and *p past it. */
static int parse_action(const char **p, const char *end, enum gdb_action *a)
{
    uint64_t sig;
    if (*p >= end)
        return -1;
    char c = *(*p)++;
    if (c == 'c' || c == 's') {
        *a = c == 'c' ? GDB_ACT_CONTINUE : GDB_ACT_STEP;
        return 0;
    }
    if (c == 'C' || c == 'S') {
        if (gdb_parse_hex(p, end, &sig) < 0 || sig > 0xff)
            return -1;
        *a = c == 'C' ? GDB_ACT_CONTINUE : GDB_ACT_STEP;
        return 0;
    }
    return -1;
}

int gdb_parse_vcont(const char *s, const char *end, int nthreads, enum gdb_action *act)
{
    if (nthreads < 1 || nthreads > GDB_MAX_THREADS)
        return -1;
    for (int i = 0; i < nthreads; i++)
        act[i] = GDB_ACT_NONE;
    if (s == end)
        return -1;
    while (s < end) {
        enum gdb_action a;
        int tid = GDB_TID_ALL;
        if (expect(&s, end, ';') < 0 || parse_action(&s, end, &a) < 0)
            return -1;
        if (s < end && *s == ':') {
            const char *t = ++s;
            while (s < end && *s != ';')
                s++;
            if (gdb_parse_tid(t, s, &tid) < 0 || tid == GDB_TID_ANY || tid > nthreads)
                return -1;
        }
        for (int i = 0; i < nthreads; i++)
            if ((tid == GDB_TID_ALL || tid == i + 1) && act[i] == GDB_ACT_NONE)
                act[i] = a;
    }
    return 0;
}

/* The field up to the next ':' at *p: its start and length, *p past the colon. */
static int field(const char **p, const char *end, const char **f, size_t *n)
{
    const char *s = *p;
    while (s < end && *s != ':')
        s++;
    if (s == end)
        return -1;
    *f = *p;
    *n = s - *p;
    *p = s + 1;
    return 0;
}

int gdb_parse_qxfer(const char *s, const char *end, const char **object, size_t *object_len,
                    const char **annex, size_t *annex_len, uint64_t *off, uint64_t *len)
{
    const char *verb;
    size_t verb_len;
    static const char prefix[] = "qXfer:";
    if ((size_t)(end - s) < sizeof prefix - 1 || memcmp(s, prefix, sizeof prefix - 1))
        return -1;
    s += sizeof prefix - 1;
    if (field(&s, end, object, object_len) < 0 || field(&s, end, &verb, &verb_len) < 0 ||
        verb_len != 4 || memcmp(verb, "read", 4) || field(&s, end, annex, annex_len) < 0)
        return -1;
    return gdb_parse_addr_len(s, end, off, len, NULL);
}

size_t gdb_qxfer_reply(const char *doc, size_t doc_len, uint64_t off, uint64_t max, char *out,
                       size_t cap)
{
    if (cap < 1)
        return 0;
    if (off >= doc_len) {
        out[0] = 'l';
        return 1;
    }
    uint64_t n = doc_len - off;
    if (n > max)
        n = max;
    if (n > cap - 1)
        n = cap - 1;
    out[0] = off + n < doc_len ? 'm' : 'l';
    memcpy(out + 1, doc + off, n);
    return n + 1;
}
