# Unit test of devices/uart.c: the 16550A registers, FIFO, interrupts and modem lines.
UNIT_TESTS += uart
UNIT_SRCS_uart := devices/uart.c tests/unit/fake_irq.c
