/* The GDB remote serial protocol's wire format: packet framing with checksums and
 * escapes, hex and binary decoding, and the argument syntax of the packets the stub
 * accepts. Pure functions: every byte comes from an untrusted client and is checked. */
#ifndef VMM_GDB_PACKET_H
#define VMM_GDB_PACKET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_PACKET_MAX 0x4000   /* announced as PacketSize: the largest payload we accept */
#define GDB_MAX_THREADS 64

/* ---- receiving: a byte-at-a-time framer ---- */

enum gdb_rx_event {
    GDB_RX_NONE,        /* byte consumed, nothing complete yet */
    GDB_RX_PACKET,      /* a packet with a good checksum: rx->buf[0..len), NUL-terminated */
    GDB_RX_BAD,         /* a packet with a bad checksum, bad escape or too long: nack it */
    GDB_RX_ACK,         /* '+' */
    GDB_RX_NACK,        /* '-' */
    GDB_RX_INTERRUPT,   /* 0x03 outside a packet (Ctrl-C) */
};

struct gdb_rx {
    int state;
    bool escape, overflow, bad_escape;
    uint8_t sum;
    int csum_digits;
    uint8_t csum;
    size_t len;
    char buf[GDB_PACKET_MAX + 1];
};

void gdb_rx_init(struct gdb_rx *rx);
/* Feed one byte. Escapes ('}' x) are undone; the checksum covers the bytes as sent. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

/* ---- sending ---- */

/* Frame payload[0..len) as $...#xx into out (escaping $ # } *). Returns the framed
 * length, or 0 if it does not fit in cap. */
size_t gdb_frame(const void *payload, size_t len, char *out, size_t cap);

/* ---- hex and binary ---- */

int gdb_hex_digit(char c);   /* 0..15, or -1 */
/* Write 2*n hex digits of bytes[0..n) to out (no NUL). */
void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out);
/* Decode exactly n hex characters (n even) into out (cap bytes). Returns the byte count,
 * or -1 on an odd length, a non-hex digit or overflow of out. */
long gdb_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap);
/* Parse 1..16 hex digits at *p (up to end) as a number; advance *p. 0, or -1 if there are
 * no digits or more than 64 bits' worth. */
int gdb_parse_hex(const char **p, const char *end, uint64_t *out);

/* ---- packet arguments ---- */

/* "ADDR,LEN" (m) and "ADDR,LEN:" (M and X: *data points past the colon). */
int gdb_parse_addr_len(const char *s, const char *end, uint64_t *addr, uint64_t *len,
                       const char **data);
/* "TYPE,ADDR,KIND" of Z and z (conditions after ';' are not accepted). */
int gdb_parse_break(const char *s, const char *end, int *type, uint64_t *addr, uint64_t *kind);

/* Thread ids: -1 all, 0 any, 1..GDB_MAX_THREADS a vCPU (id - 1). */
#define GDB_TID_ALL (-1)
#define GDB_TID_ANY 0
int gdb_parse_tid(const char *s, const char *end, int *tid);

enum gdb_action { GDB_ACT_NONE = 0, GDB_ACT_CONTINUE, GDB_ACT_STEP };
/* "vCont;ACTION[:TID];..." after "vCont": fills act[tid - 1] for tids 1..nthreads (the
 * leftmost action that names a thread wins). C and S carry a signal, which is parsed and
 * ignored. -1 on any syntax error or unknown action or thread. */
int gdb_parse_vcont(const char *s, const char *end, int nthreads, enum gdb_action *act);

/* "qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH": *object and *annex point into s (with their
 * lengths); -1 on bad syntax. */
int gdb_parse_qxfer(const char *s, const char *end, const char **object, size_t *object_len,
                    const char **annex, size_t *annex_len, uint64_t *off, uint64_t *len);

/* The reply to a qXfer read of doc[0..doc_len) at off: 'm' or 'l' plus at most max bytes
 * of doc (binary: gdb_frame escapes it). Returns the reply length written into out. */
size_t gdb_qxfer_reply(const char *doc, size_t doc_len, uint64_t off, uint64_t max, char *out,
                       size_t cap);

#endif
