/* The GDB stub's server: a thread that listens on a TCP port, speaks the remote serial
 * protocol with one GDB at a time and turns its packets into register, memory and
 * breakpoint operations on stopped vCPUs (threads are vCPUs: thread id = vCPU + 1).
 * Stopping and resuming live in stop.c, replies in reply.c, queries in query.c, the wire
 * format in packet.c. The run loop knows none of it: gdb_start registers the stub's gate
 * and exit hooks (vmm/vm.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "abi/machine.h"
#include "vmm/gdb/gdb.h"
#include "vmm/gdb/stub.h"
#include "vmm/sandbox.h"


#define USER_TOP 0x800000000000ULL

/* A refusal: on the VMM's stderr, and in GDB where it can show it. */
static void refuse(struct gdb_stub *g, bool to_console, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vmm: gdb: %s\n", msg);
    if (to_console) {
        strncat(msg, "\n", sizeof msg - strlen(msg) - 1);
        gdb_console(g, msg);
    }
    gdb_reply(g, "E01");
}

/* ---- stop replies ---- */

static void set_stop(struct gdb_stub *g, int cpu, enum gdb_event ev, uint64_t addr)
{
    const char *why = "";
    char extra[40] = "";
    switch (ev) {
    case EV_SWBREAK: why = "swbreak:;"; break;
    case EV_HWBREAK: why = "hwbreak:;"; break;
    case EV_WATCH: snprintf(extra, sizeof extra, "watch:%llx;", (unsigned long long)addr); break;
    case EV_AWATCH: snprintf(extra, sizeof extra, "awatch:%llx;", (unsigned long long)addr); break;
    default: break;
    }
    snprintf(g->last_stop, sizeof g->last_stop, "T%02xthread:%x;%s%s", ev == EV_NONE ? 2 : 5,
             cpu + 1, why, extra);
}

/* Everything is stopped: report the first pending event, or the interrupt (SIGINT). */
static void report_stop(struct gdb_stub *g)
{
    int cpu = gdb_pending_event(g);
    if (cpu < 0) {
        set_stop(g, g->gcpu, EV_NONE, 0);
    } else {
        struct gdb_cpu *c = &g->cpu[cpu];
        pthread_mutex_lock(&g->lock);
        enum gdb_event ev = c->ev;
        uint64_t addr = c->ev_addr;
        c->ev = EV_NONE;
        pthread_mutex_unlock(&g->lock);
        if (ev == EV_LOST_BP)
            gdb_console(g, "vmm: breakpoints set before paging was on do not translate through "
                       "the page tables now: they are not planted\n");
        set_stop(g, cpu, ev, addr);
        g->gcpu = cpu;
    }
    g->running = false;
    gdb_reply(g, g->last_stop);
}

/* ---- registers ---- */

static int get_state(struct gdb_stub *g, struct gdb_cpu_state *s)
{
    int fd = g->vm->vcpus[g->gcpu].fd;
    memset(s, 0, sizeof *s);
    if (ioctl(fd, KVM_GET_REGS, &s->regs) < 0 || ioctl(fd, KVM_GET_SREGS, &s->sregs) < 0 ||
        ioctl(fd, KVM_GET_FPU, &s->fpu) < 0)
        return -1;
    return 0;
}

static int put_state(struct gdb_stub *g, const struct gdb_cpu_state *s)
{
    int fd = g->vm->vcpus[g->gcpu].fd;
    if ((s->dirty_regs && ioctl(fd, KVM_SET_REGS, &s->regs) < 0) ||
        (s->dirty_sregs && ioctl(fd, KVM_SET_SREGS, &s->sregs) < 0) ||
        (s->dirty_fpu && ioctl(fd, KVM_SET_FPU, &s->fpu) < 0))
        return -1;
    return 0;
}

static void cmd_read_regs(struct gdb_stub *g)
{
    struct gdb_cpu_state s;
    static char hex[2 * 512];
    uint8_t val[16];
    size_t n = 0;
    if (get_state(g, &s) < 0)
        return gdb_reply(g, "E01");
    for (int i = 0; i < GDB_NUM_REGS; i++) {
        int k = gdb_reg_read(&s, i, val);
        gdb_hex_encode(val, k, hex + n);
        n += 2 * k;
    }
    gdb_reply_bin(g, hex, n);
}

static void cmd_write_regs(struct gdb_stub *g, const char *p, size_t len)
{
    struct gdb_cpu_state s;
    uint8_t buf[512];
    if (len != 2 * gdb_regs_size() || gdb_hex_decode(p, len, buf, sizeof buf) < 0 ||
        get_state(g, &s) < 0)
        return gdb_reply(g, "E01");
    size_t off = 0;
    for (int i = 0; i < GDB_NUM_REGS; i++) {
        if (gdb_reg_write(&s, i, buf + off) < 0)
            return gdb_reply(g, "E02");
        off += gdb_reg_size(i);
    }
    gdb_reply(g, put_state(g, &s) < 0 ? "E03" : "OK");
}

/* p N or P N=VALUE */
static void cmd_reg(struct gdb_stub *g, const char *p, const char *end, bool write)
{
    struct gdb_cpu_state s;
    uint64_t n;
    uint8_t val[16];
    char hex[40];
    if (gdb_parse_hex(&p, end, &n) < 0 || n >= GDB_NUM_REGS || get_state(g, &s) < 0)
        return gdb_reply(g, "E01");
    int size = gdb_reg_size((int)n);
    if (!write) {
        gdb_reg_read(&s, (int)n, val);
        gdb_hex_encode(val, size, hex);
        return gdb_reply_bin(g, hex, 2 * size);
    }
    if (p >= end || *p++ != '=' || gdb_hex_decode(p, end - p, val, sizeof val) != size)
        return gdb_reply(g, "E01");
    if (gdb_reg_write(&s, (int)n, val) < 0)
        return gdb_reply(g, "E02");
    gdb_reply(g, put_state(g, &s) < 0 ? "E03" : "OK");
}

/* ---- memory ---- */

static void cmd_read_mem(struct gdb_stub *g, const char *p, const char *end)
{
    uint64_t addr, len;
    struct gdb_view v;
    struct kvm_sregs s;
    static uint8_t buf[GDB_PACKET_MAX / 2];
    static char hex[GDB_PACKET_MAX];
    if (gdb_parse_addr_len(p, end, &addr, &len, NULL) < 0 || gdb_view_of(g, g->gcpu, &v, &s) < 0)
        return gdb_reply(g, "E01");
    if (len == 0)
        return gdb_reply(g, "");
    if (len > sizeof buf)
        len = sizeof buf;
    pthread_mutex_lock(&g->break_lock);
    long n = gdb_mem_read(&v, &g->sw, addr, buf, len);
    pthread_mutex_unlock(&g->break_lock);
    if (n < 0)
        return gdb_reply(g, "E14");
    gdb_hex_encode(buf, n, hex);
    gdb_reply_bin(g, hex, 2 * n);
}

/* M (hex data) or X (binary data, already unescaped by the framer). */
static void cmd_write_mem(struct gdb_stub *g, const char *p, const char *end, bool binary)
{
    uint64_t addr, len;
    const char *data;
    struct gdb_view v;
    struct kvm_sregs s;
    static uint8_t buf[GDB_PACKET_MAX];
    if (gdb_parse_addr_len(p, end, &addr, &len, &data) < 0 || len > sizeof buf ||
        gdb_view_of(g, g->gcpu, &v, &s) < 0)
        return gdb_reply(g, "E01");
    if (binary) {
        if ((uint64_t)(end - data) != len)
            return gdb_reply(g, "E01");
        memcpy(buf, data, len);
    } else if (gdb_hex_decode(data, end - data, buf, sizeof buf) != (long)len) {
        return gdb_reply(g, "E01");
    }
    pthread_mutex_lock(&g->break_lock);
    int r = len ? gdb_mem_write(&v, &g->sw, addr, buf, len) : 0;
    pthread_mutex_unlock(&g->break_lock);
    gdb_reply(g, r < 0 ? "E14" : "OK");
}

/* ---- breakpoints ---- */

/* Could guest user mode run or touch addr? Physical addresses may be anyone's. With
 * paging on, the lower half is user space (the kernel lives in the upper half; it maps
 * low memory only while it boots) and so is any page with the U bit. */
static bool user_address(const struct gdb_view *v, uint64_t addr)
{
    struct walk_result w;
    if (v->phys)
        return true;
    if (!(v->walk.cr0 & (1ULL << 31)))
        return false;
    if (addr < USER_TOP)
        return true;
    return gva_walk(v->mem, &v->walk, addr, &w) == WALK_OK && w.user;
}

/* On PVM the kernel's instructions are emulated and debug registers never see their data
 * accesses: a write watchpoint becomes a comparison after every kernel instruction (the
 * vCPUs single-step while it exists). Remember where the bytes are and their value. */
static int emulate_watch(struct gdb_stub *g, const struct gdb_view *v, int slot)
{
    struct gdb_hwbp *s = &g->hw.slot[slot];
    uint64_t span;
    if (gdb_translate(v, s->addr, &s->gpa, &span) < 0 || span < s->len ||
        gpa_read(v->mem, s->gpa, s->old, s->len) < 0) {
        s->used = false;
        return GDB_HW_INVALID;
    }
    s->emulated = true;
    return GDB_HW_OK;
}

static void cmd_break(struct gdb_stub *g, const char *p, const char *end, bool insert)
{
    int type;
    uint64_t addr, kind;
    struct gdb_view v;
    struct kvm_sregs s;
    int r;
    if (gdb_parse_break(p, end, &type, &addr, &kind) < 0 || gdb_view_of(g, g->gcpu, &v, &s) < 0)
        return gdb_reply(g, "E01");
    if (insert && g->pvm && user_address(&v, addr))
        return refuse(g, false, "refusing a %s at 0x%llx: on this host (PVM) guest user mode "
                      "neither exits on int3 nor on debug registers (docs/debugging.md)",
                      type == Z_SW ? "breakpoint" : type == Z_HW ? "hardware breakpoint"
                      : "watchpoint", (unsigned long long)addr);
    if (insert && g->pvm && type == Z_ACCESS)
        return refuse(g, false, "refusing an access watchpoint at 0x%llx: on this host (PVM) "
                      "debug registers do not see the kernel's (emulated) accesses, and reads "
                      "cannot be emulated; use watch (writes)", (unsigned long long)addr);
    /* With paging off a linear address cannot be told to be a user one; on PVM a user
     * address never fires. Say so where GDB shows it (at the next continue) and on stderr. */
    if (insert && g->pvm && type == Z_HW && !v.phys && !(v.walk.cr0 & (1ULL << 31)) &&
        addr < USER_TOP) {
        snprintf(g->warning, sizeof g->warning, "vmm: hardware breakpoint at 0x%llx set while "
                 "paging is off: on this host (PVM) it fires only in the guest kernel; if "
                 "0x%llx is in a user program it never fires (docs/debugging.md)\n",
                 (unsigned long long)addr, (unsigned long long)addr);
        fprintf(stderr, "%s", g->warning);
    }
    pthread_mutex_lock(&g->break_lock);
    if (type == Z_SW) {
        r = insert ? gdb_swbp_insert(&v, &g->sw, addr) : gdb_swbp_remove(v.mem, &g->sw, addr);
        r = r == 0 ? GDB_HW_OK : GDB_HW_INVALID;
    } else {
        r = insert ? gdb_hwbp_insert(&g->hw, type, addr, kind)
                   : gdb_hwbp_remove(&g->hw, type, addr, kind);
        if (r == GDB_HW_OK && insert && g->pvm && type == Z_WRITE)
            r = emulate_watch(g, &v, gdb_hwbp_find(&g->hw, type, addr, kind));
    }
    pthread_mutex_unlock(&g->break_lock);
    if (r == GDB_HW_UNSUPPORTED)
        return gdb_reply(g, "");
    if (r == GDB_HW_FULL)
        fprintf(stderr, "vmm: gdb: all %d debug registers are in use\n", GDB_HWBP_SLOTS);
    gdb_reply(g, r == GDB_HW_OK ? "OK" : "E01");
}

/* ---- resuming ---- */

/* On PVM a vCPU in user mode cannot be single-stepped: refuse rather than run freely. */
static bool step_refused(struct gdb_stub *g, const enum gdb_action *act)
{
    for (int i = 0; g->pvm && i < g->vm->ncpus; i++) {
        struct kvm_sregs s;
        if (act[i] == GDB_ACT_STEP && ioctl(g->vm->vcpus[i].fd, KVM_GET_SREGS, &s) == 0 &&
            (s.cs.selector & 3) == 3) {
            refuse(g, true, "vCPU %d is in user mode, which cannot be single-stepped on this "
                   "host (PVM); set a breakpoint in the kernel and continue instead", i);
            return true;
        }
    }
    return false;
}

static void resume(struct gdb_stub *g, const enum gdb_action *act)
{
    if (step_refused(g, act))
        return;
    if (g->warning[0]) {          /* 'O' packets may precede the stop reply */
        gdb_console(g, g->warning);
        g->warning[0] = 0;
    }
    int pending = gdb_resume(g, act);
    g->running = true;
    if (pending >= 0)
        report_stop(g);
}

/* c, s, C, S: continue every vCPU, or step the selected one alone. An address (resume
 * elsewhere) is not supported. */
static void cmd_old_resume(struct gdb_stub *g, char op, const char *p, const char *end)
{
    enum gdb_action act[VMM_MAX_CPUS] = { 0 };
    uint64_t sig;
    if ((op == 'C' || op == 'S') && (gdb_parse_hex(&p, end, &sig) < 0 || sig > 0xff))
        return gdb_reply(g, "E01");
    if (p != end)
        return gdb_reply(g, "E01");
    for (int i = 0; i < g->vm->ncpus; i++)
        act[i] = (op == 'c' || op == 'C') ? GDB_ACT_CONTINUE : GDB_ACT_NONE;
    if (op == 's' || op == 'S')
        act[g->gcpu] = GDB_ACT_STEP;
    resume(g, act);
}

static void cmd_vcont(struct gdb_stub *g, const char *p, const char *end)
{
    enum gdb_action act[VMM_MAX_CPUS];
    if (gdb_parse_vcont(p, end, g->vm->ncpus, act) < 0)
        return gdb_reply(g, "E01");
    resume(g, act);
}

/* One packet while every vCPU is stopped. Returns false when the session ends. */
static bool handle(struct gdb_stub *g, const char *p, size_t len)
{
    const char *end = p + len;
    switch (p[0]) {
    case '?': gdb_reply(g, g->last_stop); break;
    case 'g': cmd_read_regs(g); break;
    case 'G': cmd_write_regs(g, p + 1, len - 1); break;
    case 'p': cmd_reg(g, p + 1, end, false); break;
    case 'P': cmd_reg(g, p + 1, end, true); break;
    case 'm': cmd_read_mem(g, p + 1, end); break;
    case 'M': cmd_write_mem(g, p + 1, end, false); break;
    case 'X': cmd_write_mem(g, p + 1, end, true); break;
    case 'Z': cmd_break(g, p + 1, end, true); break;
    case 'z': cmd_break(g, p + 1, end, false); break;
    case 'c': case 's': case 'C': case 'S': cmd_old_resume(g, p[0], p + 1, end); break;
    case 'H': gdb_cmd_thread(g, p + 1, end, false); break;
    case 'T': gdb_cmd_thread(g, p + 1, end, true); break;
    case 'q': gdb_cmd_query(g, p, end); break;
    case 'Q':
        gdb_reply(g, strcmp(p, "QStartNoAckMode") ? "" : "OK");
        g->noack = g->noack || !strcmp(p, "QStartNoAckMode");
        break;
    case 'v':
        if (!strcmp(p, "vCont?"))
            gdb_reply(g, "vCont;c;C;s;S");
        else if (!strncmp(p, "vCont;", 6))
            cmd_vcont(g, p + 5, end);
        else if (!strncmp(p, "vKill", 5)) {
            gdb_reply(g, "OK");
            vm_stop(g->vm, VMM_EXIT_KILLED);
            return false;
        } else
            gdb_reply(g, "");
        break;
    case 'D':
        gdb_reply(g, "OK");
        return false;
    case 'k':
        vm_stop(g->vm, VMM_EXIT_KILLED);
        return false;
    default:
        gdb_reply(g, "");
    }
    return true;
}

/* ---- the connection ---- */

/* Consume received bytes. Returns false when the session ends. */
static bool receive(struct gdb_stub *g, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (gdb_rx_byte(&g->rx, buf[i])) {
        case GDB_RX_PACKET:
            if (!g->noack)
                gdb_send_raw(g, "+", 1);
            if (g->running) {
                fprintf(stderr, "vmm: gdb: packet '%.20s' while running ignored\n", g->rx.buf);
                break;
            }
            if (g->rx.len && !handle(g, g->rx.buf, g->rx.len))
                return false;
            break;
        case GDB_RX_BAD:
            if (!g->noack)
                gdb_send_raw(g, "-", 1);
            break;
        case GDB_RX_NACK:
            if (!g->noack)
                gdb_send_raw(g, g->out_frame, g->out_len);
            break;
        case GDB_RX_INTERRUPT:
            if (g->running) {
                gdb_stop_all(g);
                report_stop(g);
            }
            break;
        default:
            break;
        }
    }
    return true;
}

static void drain(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof v) > 0)
        ;
}

/* The VM has ended while GDB waits for a stop: tell it the exit status. */
static void send_exit(struct gdb_stub *g)
{
    if (g->running)
        gdb_replyf(g, "W%02x", g->vm->exit_status & 0xff);
}

static void serve(struct gdb_stub *g)
{
    gdb_rx_init(&g->rx);
    g->noack = g->phys = g->running = false;
    g->gcpu = 0;
    gdb_stop_all(g);
    set_stop(g, 0, EV_TRAP, 0);
    for (;;) {
        struct pollfd p[2] = { { g->fd, POLLIN, 0 }, { g->event_fd, POLLIN, 0 } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents) {
            drain(g->event_fd);
            if (__atomic_load_n(&g->finished, __ATOMIC_ACQUIRE))
                return send_exit(g);
            if (g->running) {
                gdb_stop_all(g);
                report_stop(g);
            }
        }
        if (p[0].revents) {
            uint8_t buf[4096];
            ssize_t n = read(g->fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || !receive(g, buf, n))
                break;
        }
    }
    if (g->running)
        gdb_stop_all(g);
    gdb_release_all(g);
}

static void *server(void *arg)
{
    struct gdb_stub *g = arg;
    sandbox_enter(SANDBOX_GDB);
    while (!__atomic_load_n(&g->finished, __ATOMIC_ACQUIRE)) {
        struct pollfd p[2] = { { g->listen_fd, POLLIN, 0 }, { g->event_fd, POLLIN, 0 } };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            drain(g->event_fd);
        if (!p[0].revents)
            continue;
        g->fd = accept(g->listen_fd, NULL, NULL);
        if (g->fd < 0)
            continue;
        int one = 1;
        setsockopt(g->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (!atomic_load(&g->vm->stopping))
            serve(g);
        close(g->fd);
        g->fd = -1;
    }
    return NULL;
}

struct gdb_stub *gdb_start(struct vm *vm, int port, bool wait)
{
    struct gdb_stub *g = calloc(1, sizeof *g);
    if (!g)
        die("out of memory");
    g->vm = vm;
    g->fd = -1;
    g->pvm = strcmp(vm->host_backend, "pvm") == 0;
    pthread_mutex_init(&g->break_lock, NULL);
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    int caps = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
    if (caps > 0 && (caps & KVM_GUESTDBG_BLOCKIRQ))
        g->extra_debug_flags = KVM_GUESTDBG_BLOCKIRQ;   /* no interrupt handler per step */
    for (int i = 0; i < vm->ncpus; i++) {
        g->cpu[i].stepover = -1;
        g->cpu[i].hold = wait;
    }
    g->state = wait ? GDB_STOPPING : GDB_RUNNING;

    g->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g->listen_fd < 0 || g->event_fd < 0)
        die("--gdb: %s", strerror(errno));
    int one = 1;
    setsockopt(g->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(g->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(g->listen_fd, 1) < 0)
        die("--gdb %d: cannot listen on 127.0.0.1:%d: %s", port, port, strerror(errno));
    fprintf(stderr, "vmm: gdb: listening on 127.0.0.1:%d%s\n", port,
            wait ? ", the guest waits for GDB to continue" : "");
    vm_hook_gate(vm, gdb_vcpu_gate, gdb_wake_gates, g);
    vm_hook_exit(vm, KVM_EXIT_DEBUG, gdb_exit_debug, g);
    vm_hook_exit(vm, KVM_EXIT_INTERNAL_ERROR, gdb_internal_error, g);
    int err = pthread_create(&g->thread, NULL, server, g);
    if (err)
        die("--gdb: pthread_create: %s", strerror(err));
    return g;
}

void gdb_finish(struct gdb_stub *g)
{
    uint64_t one = 1;
    __atomic_store_n(&g->finished, true, __ATOMIC_RELEASE);
    if (write(g->event_fd, &one, sizeof one) < 0)
        return;
    pthread_join(g->thread, NULL);
}
