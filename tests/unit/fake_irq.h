/* A recording stand-in for devices/irq.c: unit tests link it to see every level a device
 * drove onto each GSI, in order. */
#ifndef TESTS_UNIT_FAKE_IRQ_H
#define TESTS_UNIT_FAKE_IRQ_H
#include <stdint.h>

#define FAKE_IRQ_GSIS    24
#define FAKE_IRQ_HISTORY 256

/* Forget all history and set every line low. */
void fake_irq_reset(void);
/* The last level set on gsi (0 if never set). */
int fake_irq_level(uint32_t gsi);
/* Every irq_set_level call on gsi since the reset, as a string of '0' and '1' (a pulse
 * is "10"); ends in '+' if more calls were made than FAKE_IRQ_HISTORY. */
const char *fake_irq_history(uint32_t gsi);
/* How many times gsi went from low to high (counted past the history limit too). */
uint64_t fake_irq_rises(uint32_t gsi);

#endif
