/* The control port: how the guest powers off with a status, reports a panic, and marks
 * benchmark phases. Registers and values are in abi/machine.h. */
#ifndef DEVICES_CONTROL_H
#define DEVICES_CONTROL_H
#include <stdbool.h>
#include <stdint.h>
#include "memory/guest_mem.h"

struct control_ops {
    void (*poweroff)(void *ctx, int status);
    void (*panic)(void *ctx, const char *msg);   /* msg is a bounded, NUL-terminated copy */
    void (*mark)(void *ctx, uint32_t id);
    void (*mark_name)(void *ctx, uint32_t id, const char *name);   /* a bounded copy */
    void *ctx;
};

struct control;
struct control *control_create(const struct guest_mem *mem, struct control_ops ops);
void control_destroy(struct control *c);
/* Bus handler for CTL_PORT_LEN ports at CTL_PORT. */
void control_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);

#endif
