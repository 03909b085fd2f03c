/* The control port: the guest's way to power off with a status, report a panic and mark
 * benchmark phases, through 32-bit port I/O (never vmcall; see abi/machine.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/machine.h"
#include "devices/control.h"

struct control {
    const struct guest_mem *mem;
    struct control_ops ops;
};

struct control *control_create(const struct guest_mem *mem, struct control_ops ops)
{
    struct control *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->mem = mem;
    c->ops = ops;
    return c;
}

void control_destroy(struct control *c)
{
    free(c);
}

/* Copy the guest's panic message at gpa into msg (CTL_PANIC_MSG_MAX + 1 bytes): at most
 * CTL_PANIC_MSG_MAX bytes, stopping at a NUL or at the end of guest RAM, always
 * NUL-terminated, with bytes a terminal could act on (controls, escapes, non-ASCII)
 * shown as '?'. A message that does not start in RAM is replaced by a note saying so. */
static void copy_panic_message(const struct control *c, uint32_t gpa, char *msg)
{
    size_t n = 0;

    for (; n < CTL_PANIC_MSG_MAX; n++) {
        uint8_t b;
        if (gpa_read(c->mem, (uint64_t)gpa + n, &b, 1) != 0 || b == '\0')
            break;
        bool printable = (b >= 0x20 && b < 0x7f) || b == '\n' || b == '\t';
        msg[n] = printable ? (char)b : '?';
    }
    msg[n] = '\0';
    if (n == 0 && gpa_ptr(c->mem, gpa, 1) == NULL)
        snprintf(msg, CTL_PANIC_MSG_MAX + 1, "(panic message at bad address 0x%x)", gpa);
}

/* The struct ctl_mark_name at gpa, checked: it must lie in RAM; its name is cut at
 * CTL_MARK_NAME_MAX - 1 bytes and anything but printable ASCII becomes '?'. */
static void name_mark(struct control *c, uint32_t gpa)
{
    struct ctl_mark_name m;
    if (gpa_read(c->mem, gpa, &m, sizeof m) != 0 || !c->ops.mark_name)
        return;
    m.name[CTL_MARK_NAME_MAX - 1] = '\0';
    for (char *p = m.name; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            *p = '?';
    c->ops.mark_name(c->ops.ctx, m.id, m.name);
}

static void control_write(struct control *c, uint64_t offset, uint32_t val)
{
    char msg[CTL_PANIC_MSG_MAX + 1];

    switch (offset) {
    case CTL_POWEROFF:
        if (c->ops.poweroff)
            c->ops.poweroff(c->ops.ctx, (int)(val & 0xff));
        break;
    case CTL_PANIC:
        copy_panic_message(c, val, msg);
        if (c->ops.panic)
            c->ops.panic(c->ops.ctx, msg);
        break;
    case CTL_MARK:
        if (c->ops.mark)
            c->ops.mark(c->ops.ctx, val);
        break;
    case CTL_MARK_NAME:
        name_mark(c, val);
        break;
    default:
        break;   /* unassigned registers ignore writes */
    }
}

/* Every register is 32 bits wide and 4-byte aligned: other accesses are ignored and
 * read as all ones, like unassigned registers. The handler keeps no state between
 * calls, so vCPU threads need no lock here. */
void control_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
    struct control *c = opaque;
    uint32_t val;

    if (len != 4 || offset % 4 != 0) {
        if (!is_write)
            memset(data, 0xff, len);
        return;
    }
    if (is_write) {
        memcpy(&val, data, 4);   /* port data is little-endian, as is the host */
        control_write(c, offset, val);
        return;
    }
    val = offset == CTL_ID ? CTL_MAGIC : 0xffffffffU;
    memcpy(data, &val, 4);
}
