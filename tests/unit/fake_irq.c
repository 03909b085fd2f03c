/* A recording stand-in for devices/irq.c: keeps the history of levels per GSI so tests
 * can check exactly what a device did to its interrupt line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/irq.h"
#include "tests/unit/fake_irq.h"

static struct {
    char history[FAKE_IRQ_HISTORY + 2];   /* levels, then '+' on overflow, then NUL */
    size_t calls;
    int level;
    uint64_t rises;
} lines[FAKE_IRQ_GSIS];

static void check_gsi(uint32_t gsi)
{
    if (gsi >= FAKE_IRQ_GSIS) {
        fprintf(stderr, "fake_irq: GSI %u out of range\n", gsi);
        abort();
    }
}

void fake_irq_reset(void)
{
    memset(lines, 0, sizeof(lines));
}

int fake_irq_level(uint32_t gsi)
{
    check_gsi(gsi);
    return lines[gsi].level;
}

const char *fake_irq_history(uint32_t gsi)
{
    check_gsi(gsi);
    return lines[gsi].history;
}

uint64_t fake_irq_rises(uint32_t gsi)
{
    check_gsi(gsi);
    return lines[gsi].rises;
}

void irq_set_level(const struct irq_line *l, int level)
{
    check_gsi(l->gsi);
    level = level ? 1 : 0;
    if (level && !lines[l->gsi].level)
        lines[l->gsi].rises++;
    lines[l->gsi].level = level;
    size_t n = lines[l->gsi].calls++;
    if (n < FAKE_IRQ_HISTORY)
        lines[l->gsi].history[n] = level ? '1' : '0';
    else
        lines[l->gsi].history[FAKE_IRQ_HISTORY] = '+';
}

void irq_pulse(const struct irq_line *l)
{
    irq_set_level(l, 1);
    irq_set_level(l, 0);
}
