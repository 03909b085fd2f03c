/* A 16550A UART model: registers, 16-byte FIFOs, THR-empty and receive interrupts. */
#ifndef DEVICES_UART_H
#define DEVICES_UART_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "devices/irq.h"

struct uart;
/* Called with each byte the guest transmits (under the UART's lock: do not call back in). */
typedef void (*uart_tx_fn)(void *ctx, uint8_t byte);

struct uart *uart_create(struct irq_line irq, uart_tx_fn tx, void *tx_ctx);
void uart_destroy(struct uart *u);
/* Bus handler for the 8 registers at MACHINE_UART_PORT. */
void uart_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);
/* Queue received bytes (from the terminal). Returns how many fit in the receive FIFO;
 * the caller retries the rest later. Raises the receive interrupt when enabled. */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n);
/* True once the guest takes receive interrupts (IER receive-data bit and MCR OUT2 set, not
 * in loopback): the console holds input back until then, so that nothing typed or piped
 * before the guest's driver is up is lost when the driver clears the FIFO. */
bool uart_listening(struct uart *u);

#endif
