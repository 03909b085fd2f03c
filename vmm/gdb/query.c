/* The GDB stub's queries: qSupported, the target description and thread list (qXfer),
 * monitor commands (qRcmd), the current thread, and thread selection (H, T). */
#include <stdio.h>
#include <string.h>
#include "vmm/gdb/monitor.h"
#include "vmm/gdb/stub.h"

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void cmd_qxfer(struct gdb_stub *g, const char *p, const char *end)
{
    const char *obj, *annex;
    size_t obj_len, annex_len;
    uint64_t off, len;
    static char doc[64 * VMM_MAX_CPUS + 64], out[GDB_PACKET_MAX];
    const char *text;
    size_t text_len = 0;
    if (gdb_parse_qxfer(p, end, &obj, &obj_len, &annex, &annex_len, &off, &len) < 0)
        return gdb_reply(g, "E00");
    if (obj_len == 8 && !memcmp(obj, "features", 8) && annex_len == 10 &&
        !memcmp(annex, "target.xml", 10)) {
        text = gdb_target_xml(&text_len);
    } else if (obj_len == 7 && !memcmp(obj, "threads", 7) && annex_len == 0) {
        text_len = snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>\n<threads>\n");
        for (int i = 0; i < g->vm->ncpus; i++)
            text_len += snprintf(doc + text_len, sizeof doc - text_len,
                                 "<thread id=\"%x\" core=\"%d\" name=\"vCPU %d\"/>\n", i + 1, i, i);
        text_len += snprintf(doc + text_len, sizeof doc - text_len, "</threads>\n");
        text = doc;
    } else {
        return gdb_reply(g, "E00");
    }
    gdb_reply_bin(g, out, gdb_qxfer_reply(text, text_len, off, len, out, sizeof out));
}

static void cmd_monitor(struct gdb_stub *g, const char *p, const char *end)
{
    char cmd[256];
    static char text[16384];
    struct kvm_sregs s;
    struct gdb_view v;
    long n = gdb_hex_decode(p, end - p, (uint8_t *)cmd, sizeof cmd - 1);
    if (n < 0 || gdb_view_of(g, g->gcpu, &v, &s) < 0)
        return gdb_reply(g, "E01");
    cmd[n] = 0;
    if (memchr(cmd, 0, n))
        return gdb_reply(g, "E01");
    struct gdb_monitor m = { g->vm, g->gcpu, &s, &g->phys };
    int r = gdb_monitor_run(&m, cmd, text, sizeof text);
    gdb_console(g, text);
    gdb_reply(g, r < 0 ? "E01" : "OK");
}

void gdb_cmd_query(struct gdb_stub *g, const char *p, const char *end)
{
    if (starts(p, "qSupported")) {
        gdb_replyf(g, "PacketSize=%x;qXfer:features:read+;qXfer:threads:read+;QStartNoAckMode+;"
                  "vContSupported+;swbreak+;hwbreak+", GDB_PACKET_MAX);
    } else if (starts(p, "qXfer:")) {
        cmd_qxfer(g, p, end);
    } else if (starts(p, "qRcmd,")) {
        cmd_monitor(g, p + 6, end);
    } else if (!strcmp(p, "qC")) {
        gdb_replyf(g, "QC%x", g->gcpu + 1);
    } else if (!strcmp(p, "qfThreadInfo")) {
        char buf[8 * VMM_MAX_CPUS] = "m";
        for (int i = 0; i < g->vm->ncpus; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%x", i ? "," : "", i + 1);
        gdb_reply(g, buf);
    } else if (!strcmp(p, "qsThreadInfo")) {
        gdb_reply(g, "l");
    } else if (starts(p, "qAttached")) {
        gdb_reply(g, "1");               /* quitting GDB detaches: the guest runs on */
    } else if (starts(p, "qSymbol")) {
        gdb_reply(g, "OK");
    } else {
        gdb_reply(g, "");
    }
}

/* H op TID: op g selects the vCPU for registers and memory; c is accepted (vCont names
 * its threads itself). */
void gdb_cmd_thread(struct gdb_stub *g, const char *p, const char *end, bool alive)
{
    int tid;
    if (!alive && (p >= end || (*p != 'g' && *p != 'c')))
        return gdb_reply(g, "E01");
    char op = alive ? 'T' : *p++;
    if (gdb_parse_tid(p, end, &tid) < 0 || tid > g->vm->ncpus || (alive && tid <= 0))
        return gdb_reply(g, "E01");
    if (op == 'g' && tid > 0)
        g->gcpu = tid - 1;
    gdb_reply(g, "OK");
}
