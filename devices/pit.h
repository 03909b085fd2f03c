/* An 8254 PIT model: three channels, modes 0-5, latch and read-back, channel 2's gate
 * and output on port 0x61. Time comes from an injected clock; the model asks its owner
 * to arm a timer for the next channel-0 output edge and raises IRQ 0 when it fires. */
#ifndef DEVICES_PIT_H
#define DEVICES_PIT_H
#include <stdbool.h>
#include <stdint.h>
#include "devices/irq.h"

struct pit;
/* Monotonic time in ns. */
typedef uint64_t (*pit_clock_fn)(void);
/* Arm (deadline_ns > 0, absolute, same clock) or disarm (0) the owner's timer. */
typedef void (*pit_arm_fn)(void *ctx, uint64_t deadline_ns);

struct pit *pit_create(struct irq_line irq0, pit_clock_fn now, pit_arm_fn arm, void *arm_ctx);
void pit_destroy(struct pit *p);
/* Bus handler for ports 0x40-0x43. */
void pit_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);
/* Bus handler for port 0x61 (bit 0 gate 2, bit 1 speaker, bit 5 OUT2 on reads). */
void pit_port61_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);
/* The owner's timer fired: raise IRQ 0 for every edge due by now and re-arm. */
void pit_timer_expired(struct pit *p);
/* Ticks (IRQ 0 edges) raised so far: for --stats. */
uint64_t pit_irq_count(const struct pit *p);

#endif
