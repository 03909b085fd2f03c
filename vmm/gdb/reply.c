/* What the GDB stub sends back: framed replies (the last one kept for a resend when GDB
 * answers '-'), printf-style replies, and 'O' packets that GDB prints on its console. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "vmm/gdb/stub.h"

void gdb_send_raw(struct gdb_stub *g, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        ssize_t w = send(g->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;           /* the reader will see the connection close */
        s += w;
        n -= w;
    }
}

void gdb_reply_bin(struct gdb_stub *g, const void *payload, size_t len)
{
    g->out_len = gdb_frame(payload, len, g->out_frame, sizeof g->out_frame);
    gdb_send_raw(g, g->out_frame, g->out_len);
}

void gdb_reply(struct gdb_stub *g, const char *s)
{
    gdb_reply_bin(g, s, strlen(s));
}

void gdb_replyf(struct gdb_stub *g, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    gdb_reply(g, buf);
}

void gdb_console(struct gdb_stub *g, const char *text)
{
    char pkt[1 + 2 * 512];
    for (size_t off = 0, n = strlen(text); off < n; off += 512) {
        size_t k = n - off < 512 ? n - off : 512;
        pkt[0] = 'O';
        gdb_hex_encode((const uint8_t *)text + off, k, pkt + 1);
        gdb_reply_bin(g, pkt, 1 + 2 * k);
    }
}
